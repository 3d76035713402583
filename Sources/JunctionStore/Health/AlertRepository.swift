import Foundation
import JunctionCore
import SQLKit

/// Alerts: raised once per connection and cause, acknowledged by people, resolved when the cause goes away.
public struct AlertRepository: Sendable {
    let database: Database

    /// A repository over `database`.
    public init(database: Database) {
        self.database = database
    }

    /// Raises the alert for `connectionID` and `cause`: the one not yet resolved takes the new severity and facts and
    /// counts an occurrence, else a new one opens. Returns it, and whether it is new.
    @discardableResult
    public static func raise(
        connectionID: String, cause: String, severity: Alert.Severity, title: String, detail: String, at now: Date, using sql: any SQLDatabase
    ) async throws -> (alert: Alert, opened: Bool) {
        for _ in 0..<2 {
            if let row = try await sql.raw(
                """
                UPDATE alerts SET severity = \(bind: severity.rawValue), title = \(bind: title), detail = \(bind: detail), \
                occurrences = occurrences + 1, updated_at = \(bind: now.epochMilliseconds) \
                WHERE connection_id = \(bind: connectionID) AND cause = \(bind: cause) AND status <> 'resolved' RETURNING *
                """
            ).first() {
                return (try alert(from: row), false)
            }
            // Two raisers at once: the active-alert index lets one insert; the other updates it on its second pass.
            if let row = try await sql.raw(
                """
                INSERT INTO alerts (id, connection_id, cause, severity, status, title, detail, occurrences, opened_at, updated_at) \
                VALUES (\(bind: ResourceID.make(prefix: Alert.idPrefix, at: now)), \(bind: connectionID), \(bind: cause), \
                \(bind: severity.rawValue), 'open', \(bind: title), \(bind: detail), 1, \(bind: now.epochMilliseconds), \
                \(bind: now.epochMilliseconds)) ON CONFLICT DO NOTHING RETURNING *
                """
            ).first() {
                return (try alert(from: row), true)
            }
        }
        throw AlertError.raceLost
    }

    /// Resolves the connection's unresolved alerts whose cause is one of `causes`; returns them.
    @discardableResult
    public static func resolve(connectionID: String, causes: [String], at now: Date, using sql: any SQLDatabase) async throws -> [Alert] {
        guard !causes.isEmpty else { return [] }
        return try await sql.raw(
            """
            UPDATE alerts SET status = 'resolved', resolved_at = \(bind: now.epochMilliseconds), updated_at = \(bind: now.epochMilliseconds) \
            WHERE connection_id = \(bind: connectionID) AND cause IN (\(binds: causes)) AND status <> 'resolved' RETURNING *
            """
        ).all().map(alert(from:))
    }

    /// Resolves the connection's unresolved alerts whose cause starts with `prefix` (no `%` or `_` in it), except
    /// `keeping`; returns them.
    @discardableResult
    public static func resolve(connectionID: String, causePrefix prefix: String, keeping: String?, at now: Date, using sql: any SQLDatabase)
        async throws -> [Alert]
    {
        try await sql.raw(
            """
            UPDATE alerts SET status = 'resolved', resolved_at = \(bind: now.epochMilliseconds), updated_at = \(bind: now.epochMilliseconds) \
            WHERE connection_id = \(bind: connectionID) AND status <> 'resolved' AND cause LIKE \(bind: prefix + "%") \
            AND cause <> \(bind: keeping ?? "") RETURNING *
            """
        ).all().map(alert(from:))
    }

    /// The connections with an unresolved alert whose cause starts with `prefix` (no `%` or `_` in it).
    public func connections(withUnresolvedCausePrefix prefix: String) async throws -> Set<String> {
        Set(
            try await database.withSQL { sql in
                try await sql.raw(
                    "SELECT DISTINCT connection_id FROM alerts WHERE status <> 'resolved' AND cause LIKE \(bind: prefix + "%") AND connection_id IS NOT NULL"
                ).all()
            }.map { try $0.decode(column: "connection_id", as: String.self) })
    }

    /// Whether the connection has an unresolved alert for `cause`.
    public func isActive(connectionID: String, cause: String) async throws -> Bool {
        try await database.withSQL { sql in
            try await sql.raw(
                "SELECT id FROM alerts WHERE connection_id = \(bind: connectionID) AND cause = \(bind: cause) AND status <> 'resolved'"
            ).first()
        } != nil
    }

    /// Raises an alert in its own transaction (see ``raise(connectionID:cause:severity:title:detail:at:using:)``).
    @discardableResult
    public func raise(connectionID: String, cause: String, severity: Alert.Severity, title: String, detail: String, at now: Date) async throws
        -> (alert: Alert, opened: Bool)
    {
        try await database.transaction { sql in
            try await Self.raise(connectionID: connectionID, cause: cause, severity: severity, title: title, detail: detail, at: now, using: sql)
        }
    }

    /// Marks an open alert acknowledged by `person`; `nil` when there is no such alert. An alert already acknowledged
    /// or resolved is answered as it is.
    public func acknowledge(id: String, by person: String?, at now: Date) async throws -> Alert? {
        try await database.transaction { sql in
            _ = try await sql.raw(
                """
                UPDATE alerts SET status = 'acknowledged', acknowledged_at = \(bind: now.epochMilliseconds), acknowledged_by = \(bind: person), \
                updated_at = \(bind: now.epochMilliseconds) WHERE id = \(bind: id) AND status = 'open'
                """
            ).run()
            return try await sql.raw("SELECT * FROM alerts WHERE id = \(bind: id)").first().map(Self.alert(from:))
        }
    }

    /// The alert with `id`.
    public func find(id: String) async throws -> Alert? {
        try await database.withSQL { sql in try await sql.raw("SELECT * FROM alerts WHERE id = \(bind: id)").first() }.map(Self.alert(from:))
    }

    /// A page of alerts, newest first, older than the id `cursor`, narrowed by status and connection when given.
    public func list(before cursor: String?, status: Alert.Status?, connectionID: String?, limit: Int) async throws -> [Alert] {
        let query = PageQuery.sql(
            from: "alerts", after: cursor, filters: [("status", status?.rawValue), ("connection_id", connectionID)], limit: limit,
            newestFirst: true)
        return try await database.withSQL { sql in try await sql.raw(query).all() }.map(Self.alert(from:))
    }

    /// Counts of unresolved alerts by severity.
    public func unresolvedCounts() async throws -> [Alert.Severity: Int] {
        let rows = try await database.withSQL { sql in
            try await sql.raw("SELECT severity, COUNT(*) AS n FROM alerts WHERE status <> 'resolved' GROUP BY severity").all()
        }
        var counts: [Alert.Severity: Int] = [:]
        for row in rows {
            if let severity = Alert.Severity(rawValue: try row.decode(column: "severity", as: String.self)) {
                counts[severity] = Int(try row.decode(column: "n", as: Int64.self))
            }
        }
        return counts
    }

    static func alert(from row: any SQLRow) throws -> Alert {
        Alert(
            id: try row.decode(column: "id", as: String.self), connectionID: try row.decode(column: "connection_id", as: String?.self),
            cause: try row.decode(column: "cause", as: String.self),
            severity: Alert.Severity(rawValue: try row.decode(column: "severity", as: String.self)) ?? .warning,
            status: Alert.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .open,
            title: try row.decode(column: "title", as: String.self), detail: try row.decode(column: "detail", as: String.self),
            occurrences: Int(try row.decode(column: "occurrences", as: Int64.self)),
            openedAt: Date(epochMilliseconds: try row.decode(column: "opened_at", as: Int64.self)),
            updatedAt: Date(epochMilliseconds: try row.decode(column: "updated_at", as: Int64.self)),
            acknowledgedAt: try row.decode(column: "acknowledged_at", as: Int64?.self).map(Date.init(epochMilliseconds:)),
            acknowledgedBy: try row.decode(column: "acknowledged_by", as: String?.self),
            resolvedAt: try row.decode(column: "resolved_at", as: Int64?.self).map(Date.init(epochMilliseconds:)))
    }
}

/// Why an alert could not be raised.
public enum AlertError: Error, Sendable {
    /// Another raiser kept inserting and resolving it between this one's update and insert (twice): a bug or a storm.
    case raceLost
}
