import Foundation
import JunctionCore
import SQLKit

/// Connections' health: call counts added up from every node, the current state with its probe schedule, and the
/// history of state changes with their outbound announcement.
public struct HealthRepository: Sendable {
    /// The width of a call-count bucket.
    public static let bucketMilliseconds: Int64 = 10_000

    let database: Database

    /// A repository over `database`.
    public init(database: Database) {
        self.database = database
    }

    // MARK: Call counts

    /// Adds `counts` (by connection and bucket start) to what other nodes counted, all or nothing (so counts put back
    /// after a failure are not counted twice).
    public func add(_ counts: [String: [Int64: CallCounts]]) async throws {
        let rows = counts.flatMap { connection, buckets in buckets.map { (connection, $0.key, $0.value) } }
        guard !rows.isEmpty else { return }
        try await database.transaction { sql in
            for chunk in rows.chunked(into: 200) {
                var insert = sql.insert(into: "connection_call_stats").columns("connection_id", "bucket", "calls", "errors", "latency_ms")
                for (connection, bucket, count) in chunk {
                    insert = insert.values([
                        SQLBind(connection), SQLBind(bucket), SQLBind(count.calls), SQLBind(count.errors), SQLBind(count.latencyMilliseconds),
                    ])
                }
                try await insert.onConflict(with: ["connection_id", "bucket"]) { update in
                    update.set("calls", to: SQLRaw("connection_call_stats.calls + excluded.calls"))
                        .set("errors", to: SQLRaw("connection_call_stats.errors + excluded.errors"))
                        .set("latency_ms", to: SQLRaw("connection_call_stats.latency_ms + excluded.latency_ms"))
                }.run()
            }
        }
    }

    /// Call counts per connection and bucket since `start` (inclusive), for every connection that had calls.
    public func callCounts(since start: Date) async throws -> [String: [Int64: CallCounts]] {
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                "SELECT connection_id, bucket, calls, errors, latency_ms FROM connection_call_stats WHERE bucket >= \(bind: Self.bucket(of: start))"
            ).all()
        }
        var counts: [String: [Int64: CallCounts]] = [:]
        for row in rows {
            counts[try row.decode(column: "connection_id", as: String.self), default: [:]][try row.decode(column: "bucket", as: Int64.self)] =
                CallCounts(
                    calls: Int(try row.decode(column: "calls", as: Int64.self)), errors: Int(try row.decode(column: "errors", as: Int64.self)),
                    latencyMilliseconds: Int(try row.decode(column: "latency_ms", as: Int64.self)))
        }
        return counts
    }

    /// Forgets counts older than `cutoff`.
    public func pruneCallCounts(before cutoff: Date) async throws {
        try await database.withSQL { sql in
            try await sql.raw("DELETE FROM connection_call_stats WHERE bucket < \(bind: Self.bucket(of: cutoff))").run()
        }
    }

    /// The start of the bucket `date` falls in.
    public static func bucket(of date: Date) -> Int64 {
        let milliseconds = date.epochMilliseconds
        return milliseconds - ((milliseconds % bucketMilliseconds) + bucketMilliseconds) % bucketMilliseconds
    }

    // MARK: State

    /// Every connection's health as stored, by connection.
    public func all() async throws -> [String: ConnectionHealth] {
        let rows = try await database.withSQL { sql in try await sql.raw("SELECT * FROM connection_health").all() }
        return Dictionary(try rows.map(Self.health(from:)).map { ($0.connectionID, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Every tracked connection's state with its provider, for metrics.
    public func states() async throws -> [(connectionID: String, provider: String, state: HealthState)] {
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                """
                SELECT connection_health.connection_id AS id, connections.provider AS provider, connection_health.state AS state \
                FROM connection_health JOIN connections ON connections.id = connection_health.connection_id
                """
            ).all()
        }
        return try rows.map {
            (
                try $0.decode(column: "id", as: String.self), try $0.decode(column: "provider", as: String.self),
                HealthState(rawValue: try $0.decode(column: "state", as: String.self)) ?? .healthy
            )
        }
    }

    /// The connection's health, `nil` before it was first evaluated.
    public func find(connectionID: String) async throws -> ConnectionHealth? {
        try await database.withSQL { sql in
            try await sql.raw("SELECT * FROM connection_health WHERE connection_id = \(bind: connectionID)").first()
        }.map(Self.health(from:))
    }

    /// Starts tracking a connection as `state`, probing first at `firstProbe`; nothing when it is tracked already.
    public func track(connectionID: String, state: HealthState, firstProbe: Date?, at now: Date) async throws {
        try await database.withSQL { sql in
            try await sql.raw(
                """
                INSERT INTO connection_health (connection_id, state, since, next_probe_at, probe_failures, updated_at) \
                VALUES (\(bind: connectionID), \(bind: state.rawValue), \(bind: now.epochMilliseconds), \
                \(bind: firstProbe?.epochMilliseconds), 0, \(bind: now.epochMilliseconds)) ON CONFLICT (connection_id) DO NOTHING
                """
            ).run()
        }
    }

    /// Takes the connections whose probe is due at `now` (at most `limit`), and moves each one's next probe to what
    /// `next` says: one statement per connection that only succeeds while it is still due, so of several nodes one
    /// takes each probe.
    public func claimProbes(at now: Date, limit: Int, next: (String) -> Date) async throws -> [String] {
        let due = try await database.withSQL { sql in
            try await sql.raw(
                """
                SELECT connection_id, next_probe_at FROM connection_health WHERE next_probe_at IS NOT NULL \
                AND next_probe_at <= \(bind: now.epochMilliseconds) ORDER BY next_probe_at LIMIT \(bind: limit)
                """
            ).all().map { (try $0.decode(column: "connection_id", as: String.self), try $0.decode(column: "next_probe_at", as: Int64.self)) }
        }
        var claimed: [String] = []
        for (connection, dueAt) in due {
            let nextAt = next(connection).epochMilliseconds
            let moved = try await database.withSQL { sql in
                try await sql.raw(
                    """
                    UPDATE connection_health SET next_probe_at = \(bind: nextAt) \
                    WHERE connection_id = \(bind: connection) AND next_probe_at = \(bind: dueAt) RETURNING connection_id
                    """
                ).all()
            }
            if !moved.isEmpty { claimed.append(connection) }
        }
        return claimed
    }

    /// Sets when the connection is probed next (`nil`: never).
    public func scheduleProbe(connectionID: String, at date: Date?) async throws {
        try await database.withSQL { sql in
            try await sql.raw(
                "UPDATE connection_health SET next_probe_at = \(bind: date?.epochMilliseconds) WHERE connection_id = \(bind: connectionID)"
            ).run()
        }
    }

    /// Records a probe's outcome (`error` `nil` when it succeeded).
    public func recordProbe(connectionID: String, at date: Date, milliseconds: Int, error: String?) async throws {
        try await database.withSQL { sql in
            try await sql.raw(
                """
                UPDATE connection_health SET last_probe_at = \(bind: date.epochMilliseconds), last_probe_ok = \(bind: error == nil ? 1 : 0), \
                last_probe_ms = \(bind: milliseconds), last_probe_error = \(bind: error), \
                probe_failures = \(unsafeRaw: error == nil ? "0" : "probe_failures + 1"), updated_at = \(bind: date.epochMilliseconds) \
                WHERE connection_id = \(bind: connectionID)
                """
            ).run()
        }
    }

    /// Moves the connection to `state` for `cause`, recording the change, in one transaction with `alongside` (the
    /// alerts it opens or resolves). `nil` when the state was already that: then only a new cause is written, with
    /// `alongside` (its alert), and nothing at all when the cause is the same too. The move is conditional on the state
    /// it read, so of two nodes judging at once (a lease expiring mid-tick) one makes it.
    public func transition(
        connectionID: String, to state: HealthState, cause: String?, detail: String?, at now: Date,
        alongside: @Sendable (any SQLDatabase) async throws -> Void
    ) async throws -> HealthTransition? {
        try await database.transaction { sql in
            guard
                let row = try await sql.raw(
                    "SELECT state, cause FROM connection_health WHERE connection_id = \(bind: connectionID)"
                ).first()
            else { return nil }
            let previous = HealthState(rawValue: try row.decode(column: "state", as: String.self)) ?? .healthy
            let previousCause = try row.decode(column: "cause", as: String?.self)
            guard previous != state else {
                // The same state, perhaps for another reason now: the cause and facts stay current.
                try await sql.raw(
                    """
                    UPDATE connection_health SET cause = \(bind: cause), detail = \(bind: detail), updated_at = \(bind: now.epochMilliseconds) \
                    WHERE connection_id = \(bind: connectionID)
                    """
                ).run()
                if previousCause != cause { try await alongside(sql) }
                return nil
            }
            let moved = try await sql.raw(
                """
                UPDATE connection_health SET state = \(bind: state.rawValue), cause = \(bind: cause), detail = \(bind: detail), \
                since = \(bind: now.epochMilliseconds), updated_at = \(bind: now.epochMilliseconds) \
                WHERE connection_id = \(bind: connectionID) AND state = \(bind: previous.rawValue) RETURNING connection_id
                """
            ).all()
            guard !moved.isEmpty else { return nil }
            let change = HealthTransition(
                id: ResourceID.make(prefix: HealthTransition.idPrefix, at: now), connectionID: connectionID, state: state, previous: previous,
                cause: cause, detail: detail, at: now)
            try await sql.raw(
                """
                INSERT INTO connection_health_events (id, connection_id, state, previous, cause, detail, created_at, announced) \
                VALUES (\(bind: change.id), \(bind: connectionID), \(bind: state.rawValue), \(bind: previous.rawValue), \(bind: cause), \
                \(bind: detail), \(bind: now.epochMilliseconds), 0)
                """
            ).run()
            try await alongside(sql)
            return change
        }
    }

    /// The connection's state changes, newest first.
    public func history(connectionID: String, limit: Int) async throws -> [HealthTransition] {
        try await database.withSQL { sql in
            try await sql.raw(
                "SELECT * FROM connection_health_events WHERE connection_id = \(bind: connectionID) ORDER BY id DESC LIMIT \(bind: limit)"
            ).all()
        }.map(Self.transition(from:))
    }

    /// State changes whose message has not gone out yet, oldest first.
    public func unannounced(limit: Int) async throws -> [HealthTransition] {
        try await database.withSQL { sql in
            try await sql.raw("SELECT * FROM connection_health_events WHERE announced = 0 ORDER BY id LIMIT \(bind: limit)").all()
        }.map(Self.transition(from:))
    }

    /// Notes that the change's message was accepted.
    public func markAnnounced(_ id: String) async throws {
        try await database.withSQL { sql in
            try await sql.raw("UPDATE connection_health_events SET announced = 1 WHERE id = \(bind: id)").run()
        }
    }

    /// Forgets a deleted connection's health (its history goes with it) and the API version notices of its calls.
    public func forget(connectionID: String, using sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM connection_health WHERE connection_id = \(bind: connectionID)").run()
        try await sql.raw("DELETE FROM connection_health_events WHERE connection_id = \(bind: connectionID)").run()
        try await sql.raw("DELETE FROM connection_call_stats WHERE connection_id = \(bind: connectionID)").run()
        try await sql.raw("DELETE FROM api_version_notices WHERE connection_id = \(bind: connectionID)").run()
        try await sql.raw("DELETE FROM api_version_alerts WHERE connection_id = \(bind: connectionID)").run()
    }

    static func health(from row: any SQLRow) throws -> ConnectionHealth {
        ConnectionHealth(
            connectionID: try row.decode(column: "connection_id", as: String.self),
            state: HealthState(rawValue: try row.decode(column: "state", as: String.self)) ?? .healthy,
            cause: try row.decode(column: "cause", as: String?.self), detail: try row.decode(column: "detail", as: String?.self),
            since: Date(epochMilliseconds: try row.decode(column: "since", as: Int64.self)),
            nextProbeAt: try row.decode(column: "next_probe_at", as: Int64?.self).map(Date.init(epochMilliseconds:)),
            lastProbeAt: try row.decode(column: "last_probe_at", as: Int64?.self).map(Date.init(epochMilliseconds:)),
            lastProbeSucceeded: try row.decode(column: "last_probe_ok", as: Int64?.self).map { $0 != 0 },
            lastProbeMilliseconds: try row.decode(column: "last_probe_ms", as: Int64?.self).map(Int.init),
            lastProbeError: try row.decode(column: "last_probe_error", as: String?.self),
            probeFailures: Int(try row.decode(column: "probe_failures", as: Int64.self)))
    }

    static func transition(from row: any SQLRow) throws -> HealthTransition {
        HealthTransition(
            id: try row.decode(column: "id", as: String.self), connectionID: try row.decode(column: "connection_id", as: String.self),
            state: HealthState(rawValue: try row.decode(column: "state", as: String.self)) ?? .healthy,
            previous: HealthState(rawValue: try row.decode(column: "previous", as: String.self)) ?? .healthy,
            cause: try row.decode(column: "cause", as: String?.self), detail: try row.decode(column: "detail", as: String?.self),
            at: Date(epochMilliseconds: try row.decode(column: "created_at", as: Int64.self)))
    }
}
