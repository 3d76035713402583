import Foundation
import JunctionConnectors
import JunctionCore
import JunctionStore

/// Where each API version a connection uses or used stands: what the provider's answers said (per endpoint) and,
/// where they said nothing, the provider's published schedule; the sunset and the days left to it.
public struct APIVersionStatus: Sendable, Equatable {
    /// One endpoint's word on a version.
    public struct Endpoint: Sendable, Equatable {
        /// `GET /v1/customers`.
        public var endpoint: String
        /// What the provider said.
        public var notice: DeprecationNotice
        /// When it last said it.
        public var lastSeenAt: Date
    }

    /// One version.
    public struct Version: Sendable, Equatable {
        /// The version.
        public var version: String
        /// Whether the connection's calls use it now.
        public var inUse: Bool
        /// Whether it is deprecated.
        public var deprecated: Bool
        /// Since when.
        public var deprecatedAt: Date?
        /// When it stops working: the earliest any endpoint named, else the schedule's.
        public var sunsetAt: Date?
        /// Where the provider explains it.
        public var link: String?
        /// `headers` or the schedule's document.
        public var source: String?
        /// The endpoints that reported it.
        public var endpoints: [Endpoint]

        /// Whole days from `now` to the sunset (negative once past), `nil` without one.
        public func daysLeft(at now: Date) -> Int? {
            sunsetAt.map { Int(($0.timeIntervalSince(now) / 86_400).rounded(.up)) }
        }
    }

    /// The version the connection's calls use (`nil` when neither it, its integration nor its provider names one).
    public var inUse: String?
    /// Who pins it: `connection`, `integration` or `provider` (the provider's default).
    public var pinnedBy: String?
    /// Every version known for it, the one in use first.
    public var versions: [Version]

    /// The status at `now` of `connection` (its settings as stored, and `integrationSettings` beneath them) from `notices`.
    public static func make(
        connection: ConnectionRecord, integrationSettings: JSONValue?, defaultVersion: String?, notices: [APIVersionNotice], at now: Date = Date()
    ) -> APIVersionStatus {
        let own = connection.settings["apiVersion"]?.stringValue
        let shared = integrationSettings?["apiVersion"]?.stringValue
        let inUse = own ?? shared ?? defaultVersion
        let pinnedBy = own != nil ? "connection" : shared != nil ? "integration" : defaultVersion != nil ? "provider" : nil
        var byVersion: [String: [APIVersionNotice]] = [:]
        for notice in notices where notice.key.connectionID == connection.id { byVersion[notice.key.version, default: []].append(notice) }
        if let inUse, byVersion[inUse] == nil { byVersion[inUse] = [] }
        let versions = byVersion.map { version, notices -> Version in
            let endpoints = notices.map { Endpoint(endpoint: $0.key.endpoint, notice: $0.notice, lastSeenAt: $0.lastSeenAt) }
                .sorted { $0.endpoint < $1.endpoint }
            let said = notices.map(\.notice)
            var status = Version(
                version: version, inUse: version == inUse, deprecated: said.contains { $0.deprecated },
                deprecatedAt: said.compactMap(\.deprecatedAt).min(), sunsetAt: said.compactMap(\.sunsetAt).min(),
                link: said.compactMap(\.link).first, source: said.isEmpty ? nil : "headers", endpoints: endpoints)
            if status.sunsetAt == nil, !status.deprecated, let scheduled = APIVersionSchedule.lifecycle(provider: connection.provider, version: version) {
                status.deprecated = scheduled.deprecatedAt.map { $0 <= now } ?? false
                (status.deprecatedAt, status.sunsetAt, status.source) = (scheduled.deprecatedAt, scheduled.sunsetAt, scheduled.source)
            }
            return status
        }
        return APIVersionStatus(
            inUse: inUse, pinnedBy: pinnedBy, versions: versions.sorted { ($0.inUse ? 0 : 1, $0.version) < ($1.inUse ? 0 : 1, $1.version) })
    }

    /// The alert threshold `daysLeft` falls in: 90, 30 or 7 days before the sunset, 0 once past; `nil` further off.
    public static func threshold(daysLeft: Int) -> Int? {
        if daysLeft <= 0 { return 0 }
        return [7, 30, 90].first { daysLeft <= $0 }
    }
}
