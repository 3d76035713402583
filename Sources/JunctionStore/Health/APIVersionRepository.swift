import Foundation
import JunctionCore

import SQLKit

/// The API version notices providers sent, per connection, version and endpoint, and the sunset thresholds already
/// alerted.
public struct APIVersionRepository: Sendable {
    let database: Database

    /// A repository over `database`.
    public init(database: Database) {
        self.database = database
    }

    /// Stores `notices`: a notice already known takes the latest word and keeps when it was first seen.
    public func save(_ notices: [APIVersionNotice]) async throws {
        guard !notices.isEmpty else { return }
        try await database.withSQL { sql in
            for chunk in notices.chunked(into: 200) {
                var insert = sql.insert(into: "api_version_notices").columns(
                    "connection_id", "version", "endpoint", "deprecated", "deprecated_at", "sunset_at", "link", "first_seen_at", "last_seen_at")
                for notice in chunk {
                    insert = insert.values([
                        SQLBind(notice.key.connectionID), SQLBind(notice.key.version), SQLBind(notice.key.endpoint),
                        SQLBind(notice.notice.deprecated ? 1 : 0), SQLBind(notice.notice.deprecatedAt?.epochMilliseconds),
                        SQLBind(notice.notice.sunsetAt?.epochMilliseconds), SQLBind(notice.notice.link),
                        SQLBind(notice.firstSeenAt.epochMilliseconds), SQLBind(notice.lastSeenAt.epochMilliseconds),
                    ])
                }
                try await insert.onConflict(with: ["connection_id", "version", "endpoint"]) { update in
                    update.set(excludedValueOf: "deprecated").set(excludedValueOf: "deprecated_at").set(excludedValueOf: "sunset_at")
                        .set(excludedValueOf: "link").set(excludedValueOf: "last_seen_at")
                }.run()
            }
        }
    }

    /// The notices about the connection's calls, or every connection's (`nil`), newest word first.
    public func notices(connectionID: String?) async throws -> [APIVersionNotice] {
        let condition: SQLQueryString = connectionID.map { "connection_id = \(bind: $0)" } ?? "1 = 1"
        let query: SQLQueryString = "SELECT * FROM api_version_notices WHERE " + condition + " ORDER BY last_seen_at DESC"
        return try await database.withSQL { sql in try await sql.raw(query).all() }.map { row in
            var notice = APIVersionNotice(
                key: .init(
                    connectionID: try row.decode(column: "connection_id", as: String.self), version: try row.decode(column: "version", as: String.self),
                    endpoint: try row.decode(column: "endpoint", as: String.self)),
                notice: DeprecationNotice(
                    deprecated: try row.decode(column: "deprecated", as: Int64.self) != 0,
                    deprecatedAt: try row.decode(column: "deprecated_at", as: Int64?.self).map(Date.init(epochMilliseconds:)),
                    sunsetAt: try row.decode(column: "sunset_at", as: Int64?.self).map(Date.init(epochMilliseconds:)),
                    link: try row.decode(column: "link", as: String?.self)),
                seenAt: Date(epochMilliseconds: try row.decode(column: "last_seen_at", as: Int64.self)))
            notice.firstSeenAt = Date(epochMilliseconds: try row.decode(column: "first_seen_at", as: Int64.self))
            return notice
        }
    }

    /// The sunset threshold (days) last alerted for the connection's version, `nil` when none was.
    public func alertedThreshold(connectionID: String, version: String) async throws -> Int? {
        try await database.withSQL { sql in
            try await sql.raw(
                "SELECT threshold FROM api_version_alerts WHERE connection_id = \(bind: connectionID) AND version = \(bind: version)"
            ).first()?.decode(column: "threshold", as: Int64.self)
        }.map(Int.init)
    }

    /// Notes that the threshold was alerted, with `sql` (in the alert's transaction).
    public static func noteAlerted(connectionID: String, version: String, threshold: Int, using sql: any SQLDatabase) async throws {
        try await sql.raw(
            """
            INSERT INTO api_version_alerts (connection_id, version, threshold) VALUES (\(bind: connectionID), \(bind: version), \(bind: threshold)) \
            ON CONFLICT (connection_id, version) DO UPDATE SET threshold = excluded.threshold
            """
        ).run()
    }
}
