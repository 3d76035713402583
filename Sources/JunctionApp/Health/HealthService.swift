import Foundation
import JunctionConnectors
import JunctionCore
import JunctionStore

/// What people read of health: a connection's state with its window, probe and history; the alerts; the operational
/// events.
public struct HealthService: Sendable {
    /// A connection's health as the API shows it.
    public struct Report: Sendable {
        /// The stored state (`healthy` before the monitor first judged it).
        public var health: ConnectionHealth
        /// The calls in its window, from every node.
        public var window: CallCounts
        /// Its effective settings.
        public var settings: HealthSettings
        /// Its changes of state, newest first.
        public var history: [HealthTransition]
    }

    private let database: Database
    private let catalog: ProviderCatalog

    /// A service over the store; `catalog` names the providers' default API versions.
    public init(database: Database, catalog: ProviderCatalog) {
        self.database = database
        self.catalog = catalog
    }

    /// Where the API versions the connection uses and used stand at `now`.
    public func versions(connectionID: String, at now: Date = Date()) async throws -> APIVersionStatus {
        let record = try await ConnectionRepository(database: database).existing(id: connectionID)
        var integrationSettings: JSONValue?
        if let id = record.integrationID { integrationSettings = try await IntegrationRepository(database: database).find(id: id)?.settings }
        return APIVersionStatus.make(
            connection: record, integrationSettings: integrationSettings, defaultVersion: catalog.provider(named: record.provider)?.defaultAPIVersion,
            notices: try await APIVersionRepository(database: database).notices(connectionID: connectionID), at: now)
    }

    /// The connection's health at `now`, with up to `historyLimit` changes.
    public func report(connectionID: String, at now: Date = Date(), historyLimit: Int = 50) async throws -> Report {
        // The settings only: the credentials stay sealed.
        let record = try await ConnectionRepository(database: database).existingResolved(id: connectionID)
        let settings = (try? HealthSettings(settings: record.settings)) ?? HealthSettings()
        let repository = HealthRepository(database: database)
        let health = try await repository.find(connectionID: connectionID) ?? ConnectionHealth(connectionID: connectionID, state: .healthy, since: record.createdAt)
        let start = now.addingTimeInterval(-settings.window.inSeconds)
        var window = CallCounts()
        for (_, count) in try await repository.callCounts(since: start)[connectionID] ?? [:] { window.add(count) }
        return Report(health: health, window: window, settings: settings, history: try await repository.history(connectionID: connectionID, limit: historyLimit))
    }

    /// A page of alerts, newest first.
    public func alerts(page: PageRequest, status: String?, connectionID: String?) async throws -> Page<Alert> {
        var parsed: Alert.Status?
        if let status {
            guard let value = Alert.Status(rawValue: status) else {
                throw ApplicationError.invalid(
                    "query parameter 'status' must be \(Alert.Status.allCases.map(\.rawValue).joined(separator: ", ")), not '\(status.prefix(64))'")
            }
            parsed = value
        }
        try Self.checkConnectionFilter(connectionID)
        let alerts = try await AlertRepository(database: database).list(
            before: page.cursor, status: parsed, connectionID: connectionID, limit: page.limit + 1)
        return Page(fetched: alerts, limit: page.limit, cursor: \.id)
    }

    /// The alert with `id`.
    public func alert(id: String) async throws -> Alert {
        guard ResourceID.isWellFormed(id, prefix: Alert.idPrefix), let alert = try await AlertRepository(database: database).find(id: id) else {
            throw ApplicationError.notFound("alert", id: id, prefix: Alert.idPrefix)
        }
        return alert
    }

    /// Marks the alert acknowledged by `person` (an alert already acknowledged or resolved stays as it is).
    public func acknowledge(id: String, by person: String?) async throws -> Alert {
        if let person, !ConnectionValidation.isPlainText(person, maximum: 200) {
            throw ApplicationError.invalid("query parameter 'by' must be 1 to 200 characters without control characters")
        }
        guard ResourceID.isWellFormed(id, prefix: Alert.idPrefix),
            let alert = try await AlertRepository(database: database).acknowledge(id: id, by: person, at: Date())
        else { throw ApplicationError.notFound("alert", id: id, prefix: Alert.idPrefix) }
        return alert
    }

    /// A page of operational events, newest first, of one connection and one type when given.
    public func operationalEvents(page: PageRequest, connectionID: String?, type: String?) async throws -> Page<OperationalEvent> {
        try Self.checkConnectionFilter(connectionID)
        if let type, type.isEmpty || type.count > 100 || !type.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) {
            throw ApplicationError.invalid("query parameter 'type' must be an event type like connection.health.down")
        }
        let events = try await OperationalEventRepository(database: database).page(
            before: page.cursor, connectionID: connectionID, type: type, limit: page.limit + 1)
        return Page(fetched: events, limit: page.limit, cursor: \.id)
    }

    /// A `connectionId` filter must be a connection id (a malformed one is a mistake, not an empty list).
    private static func checkConnectionFilter(_ connectionID: String?) throws(ApplicationError) {
        if let connectionID, !ResourceID.isWellFormed(connectionID, prefix: ConnectionRecord.idPrefix) {
            throw .invalid("query parameter 'connectionId' is not a connection id: '\(connectionID.prefix(64))'")
        }
    }
}
