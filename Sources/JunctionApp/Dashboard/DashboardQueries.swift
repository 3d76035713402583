import Foundation
import JunctionCore
import JunctionStore
import SQLKit

/// What the dashboard reads that the management API has no route for: counts and hourly series for the overview, and
/// the connection list with each connection's health, filterable by health and searchable by name. Every query is
/// bounded: series read one day through an index on their time column, lists a page at a time by id.
public struct DashboardQueries: Sendable {
    /// The overview's figures.
    public struct Overview: Sendable {
        /// Connections per health state (a connection never judged counts as `healthy`).
        public var health: [String: Int]
        /// Every connection.
        public var connections: Int
        /// Alerts open now.
        public var openAlerts: Int
        /// Inbound events per hour over the last 24 hours, oldest first, and how many of them failed or died.
        public var events: [HourCount]
        /// Delivery attempts per hour over the last 24 hours, and how many failed.
        public var deliveries: [HourCount]
        /// Sync runs started in the last 24 hours, and how many failed.
        public var syncRuns: (total: Int, failed: Int)
    }

    /// One hour of a series.
    public struct HourCount: Sendable, Equatable {
        /// The hour's start.
        public var hour: Date
        /// Everything counted in it.
        public var total: Int
        /// The failures among them.
        public var failed: Int
    }

    /// A connection as the dashboard lists it.
    public struct ConnectionRow: Sendable, Equatable {
        /// The connection's id.
        public var id: String
        /// Its name.
        public var name: String
        /// Its provider.
        public var provider: String
        /// Its integration's key, if it has one.
        public var integration: String?
        /// The application's customer it belongs to.
        public var tenant: String?
        /// `active` or `reauthorization_required`.
        public var status: String
        /// Its health state (`healthy` until the monitor first judged it).
        public var health: String
        /// When a call last went through it.
        public var lastUsedAt: Date?
    }

    /// The list's filters; each one given must match.
    public struct ConnectionFilter: Sendable, Equatable {
        /// Only this provider's.
        public var provider: String?
        /// Only those of the integration with this key.
        public var integration: String?
        /// Only this tenant's.
        public var tenant: String?
        /// Only those in this health state.
        public var health: String?
        /// Part of the name or id, case-insensitive.
        public var search: String?

        /// Filters.
        public init(provider: String? = nil, integration: String? = nil, tenant: String? = nil, health: String? = nil, search: String? = nil) {
            self.provider = provider
            self.integration = integration
            self.tenant = tenant
            self.health = health
            self.search = search
        }
    }

    private let database: Database

    /// Queries over `database`.
    public init(database: Database) {
        self.database = database
    }

    /// The overview's figures at `now`.
    public func overview(at now: Date = Date()) async throws -> Overview {
        let dayAgo = now.addingTimeInterval(-86_400)
        // 24 hours of buckets, the last one the hour now running.
        let firstHour = (Int64(now.timeIntervalSince1970 / 3600) - 23) * 3_600_000
        return try await database.withSQL { sql in
            var health: [String: Int] = [:]
            for row in try await sql.raw(
                """
                SELECT COALESCE(h.state, 'healthy') AS state, COUNT(*) AS n FROM connections c \
                LEFT JOIN connection_health h ON h.connection_id = c.id GROUP BY COALESCE(h.state, 'healthy')
                """
            ).all() {
                health[try row.decode(column: "state", as: String.self)] = try row.decode(column: "n", as: Int.self)
            }
            let openAlerts = try await sql.raw("SELECT COUNT(*) AS n FROM alerts WHERE status = 'open'").first()?.decode(column: "n", as: Int.self) ?? 0
            let events = try await Self.hourly(
                sql,
                """
                SELECT received_at / 3600000 AS hour, COUNT(*) AS total, \
                SUM(CASE WHEN status IN ('failed', 'dead') THEN 1 ELSE 0 END) AS failed \
                FROM webhook_events WHERE received_at >= \(bind: firstHour) GROUP BY received_at / 3600000
                """, from: firstHour)
            let deliveries = try await Self.hourly(
                sql,
                """
                SELECT created_at / 3600000 AS hour, COUNT(*) AS total, \
                SUM(CASE WHEN status_code IS NULL OR status_code < 200 OR status_code >= 300 THEN 1 ELSE 0 END) AS failed \
                FROM webhook_delivery_attempts WHERE created_at >= \(bind: firstHour) GROUP BY created_at / 3600000
                """, from: firstHour)
            let runs = try await sql.raw(
                """
                SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) AS failed \
                FROM sync_runs WHERE started_at >= \(bind: dayAgo.epochMilliseconds)
                """
            ).first()
            return Overview(
                health: health, connections: health.values.reduce(0, +), openAlerts: openAlerts, events: events, deliveries: deliveries,
                syncRuns: (try runs?.decode(column: "total", as: Int.self) ?? 0, try runs?.decode(column: "failed", as: Int.self) ?? 0))
        }
    }

    /// 24 hours from `from` (epoch milliseconds of an hour's start), each hour present, empty ones as zero.
    private static func hourly(_ sql: any SQLDatabase, _ query: SQLQueryString, from: Int64) async throws -> [HourCount] {
        var counts: [Int64: (Int, Int)] = [:]
        for row in try await sql.raw(query).all() {
            counts[try row.decode(column: "hour", as: Int64.self)] = (
                try row.decode(column: "total", as: Int.self), try row.decode(column: "failed", as: Int?.self) ?? 0
            )
        }
        let first = from / 3_600_000
        return (0..<24).map { offset in
            let hour = first + Int64(offset)
            let (total, failed) = counts[hour] ?? (0, 0)
            return HourCount(hour: Date(epochMilliseconds: hour * 3_600_000), total: total, failed: failed)
        }
    }

    /// How many delivery attempts an endpoint made and how many succeeded.
    public struct Rate: Sendable, Equatable {
        /// Attempts made.
        public var total: Int
        /// Those answered 2xx.
        public var succeeded: Int
    }

    /// The delivery attempts of each of `endpointIDs` over the 24 hours before `now`.
    public func deliveryRates(endpointIDs: [String], at now: Date = Date()) async throws -> [String: Rate] {
        guard !endpointIDs.isEmpty else { return [:] }
        let since = now.addingTimeInterval(-86_400).epochMilliseconds
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                """
                SELECT endpoint_id, COUNT(*) AS total,                 SUM(CASE WHEN status_code >= 200 AND status_code < 300 THEN 1 ELSE 0 END) AS succeeded                 FROM webhook_delivery_attempts WHERE created_at >= \(bind: since) AND endpoint_id IN (\(binds: endpointIDs)) GROUP BY endpoint_id
                """
            ).all()
        }
        var rates: [String: Rate] = [:]
        for row in rows {
            rates[try row.decode(column: "endpoint_id", as: String.self)] = Rate(
                total: try row.decode(column: "total", as: Int.self), succeeded: try row.decode(column: "succeeded", as: Int?.self) ?? 0)
        }
        return rates
    }

    /// A page of connections after `cursor` (an id), in id order, with their health; the next page's cursor.
    public func connections(_ filter: ConnectionFilter, after cursor: String?, limit: Int) async throws -> (rows: [ConnectionRow], next: String?) {
        var conditions: [SQLQueryString] = []
        if let cursor { conditions.append("c.id > \(bind: cursor)") }
        if let provider = filter.provider { conditions.append("c.provider = \(bind: provider)") }
        if let tenant = filter.tenant { conditions.append("c.tenant = \(bind: tenant)") }
        if let integration = filter.integration { conditions.append("i.key = \(bind: integration)") }
        if let health = filter.health { conditions.append("COALESCE(h.state, 'healthy') = \(bind: health)") }
        if let search = filter.search?.lowercased(), !search.isEmpty {
            let pattern = "%" + search.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            conditions.append("(LOWER(c.name) LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(c.id) LIKE \(bind: pattern) ESCAPE '\\')")
        }
        let clause: SQLQueryString = conditions.isEmpty ? "" : "WHERE \(conditions.joined(separator: " AND "))"
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                """
                SELECT c.id, c.name, c.provider, c.tenant, c.status, c.last_used_at, i.key AS integration_key, \
                COALESCE(h.state, 'healthy') AS health FROM connections c \
                LEFT JOIN integrations i ON i.id = c.integration_id LEFT JOIN connection_health h ON h.connection_id = c.id \
                \(clause) ORDER BY c.id LIMIT \(bind: limit + 1)
                """
            ).all()
        }
        var result: [ConnectionRow] = []
        for row in rows.prefix(limit) {
            result.append(
                ConnectionRow(
                    id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
                    provider: try row.decode(column: "provider", as: String.self),
                    integration: try row.decode(column: "integration_key", as: String?.self), tenant: try row.decode(column: "tenant", as: String?.self),
                    status: try row.decode(column: "status", as: String.self), health: try row.decode(column: "health", as: String.self),
                    lastUsedAt: try row.decode(column: "last_used_at", as: Int64?.self).map(Date.init(epochMilliseconds:))))
        }
        return (result, rows.count > limit ? result.last?.id : nil)
    }
}
