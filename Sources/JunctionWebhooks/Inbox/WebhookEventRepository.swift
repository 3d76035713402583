import Foundation
import JunctionCore
import JunctionStore
import SQLKit

/// Reads the inbox and records how processing went.
public struct WebhookEventRepository: Sendable {
    let database: Database

    /// A repository over `database`.
    public init(database: Database) {
        self.database = database
    }

    /// What `GET /api/v1/events` may filter on.
    public struct Filter: Sendable {
        /// Only this connection's events.
        public var connectionID: String?
        /// Only this normalized type (`stripe.customer.created`), or a prefix ending in `*` (`stripe.*`).
        public var type: String?
        /// Only events in this status.
        public var status: WebhookEventStatus?
        /// Received at or after.
        public var since: Date?
        /// Received before.
        public var until: Date?

        /// A filter; `nil` members do not filter.
        public init(connectionID: String? = nil, type: String? = nil, status: WebhookEventStatus? = nil, since: Date? = nil, until: Date? = nil) {
            self.connectionID = connectionID
            self.type = type
            self.status = status
            self.since = since
            self.until = until
        }
    }

    /// Newest first, after `cursor` (an event id from the previous page).
    public func list(_ filter: Filter, before cursor: String?, limit: Int) async throws -> [WebhookEventRecord] {
        var conditions: [SQLQueryString] = ["1 = 1"]
        if let cursor { conditions.append("id < \(bind: cursor)") }
        if let connectionID = filter.connectionID { conditions.append("connection_id = \(bind: connectionID)") }
        if let status = filter.status { conditions.append("status = \(bind: status.rawValue)") }
        if let since = filter.since { conditions.append("received_at >= \(bind: since.epochMilliseconds)") }
        if let until = filter.until { conditions.append("received_at < \(bind: until.epochMilliseconds)") }
        if let type = filter.type, type != "*" {
            // The normalized type is provider + "." + type; match on both columns so the indexes stay usable.
            let (provider, rest) = type.split(separator: ".", maxSplits: 1).map(String.init).pair
            if let provider { conditions.append("provider = \(bind: provider)") }
            if let rest {
                if rest.hasSuffix("*") {
                    conditions.append("type LIKE \(bind: Self.likePrefix(String(rest.dropLast()))) ESCAPE '\\'")
                } else {
                    conditions.append("type = \(bind: rest)")
                }
            }
        }
        let query: SQLQueryString =
            "SELECT * FROM webhook_events WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT \(bind: limit)"
        let rows = try await database.withSQL { sql in try await sql.raw(query).all() }
        return try rows.map(Self.record)
    }

    /// One event.
    public func find(id: String) async throws -> WebhookEventRecord? {
        try await find(ids: [id])[id]
    }

    /// Events by id, in one statement; missing ones are absent.
    public func find(ids: [String]) async throws -> [String: WebhookEventRecord] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await database.withSQL { sql in
            try await sql.raw("SELECT * FROM webhook_events WHERE id IN (\(binds: ids))").all()
        }
        var records: [String: WebhookEventRecord] = [:]
        for row in rows {
            let record = try Self.record(row)
            records[record.id] = record
        }
        return records
    }

    /// The event's processing attempts, oldest first.
    public func attempts(ofEvent id: String) async throws -> [WebhookEventAttempt] {
        let rows = try await database.withSQL { sql in
            try await sql.raw("SELECT * FROM webhook_event_attempts WHERE event_id = \(bind: id) ORDER BY attempt").all()
        }
        return try rows.map { row in
            WebhookEventAttempt(
                attempt: try row.decode(column: "attempt", as: Int.self),
                succeeded: try row.decode(column: "succeeded", as: Int.self) != 0,
                error: try row.decode(column: "error", as: String?.self),
                startedAt: Date(epochMilliseconds: try row.decode(column: "started_at", as: Int64.self)),
                duration: .milliseconds(try row.decode(column: "duration_ms", as: Int64.self))
            )
        }
    }

    /// One processing run to record.
    public struct AttemptWrite: Sendable {
        /// The event.
        public var eventID: String
        /// Whether every handler succeeded.
        public var succeeded: Bool
        /// What failed.
        public var error: String?
        /// When the run started.
        public var startedAt: Date
        /// How long it took.
        public var duration: Duration
        /// The event's status afterwards.
        public var status: WebhookEventStatus

        /// A run to record.
        public init(eventID: String, succeeded: Bool, error: String?, startedAt: Date, duration: Duration, status: WebhookEventStatus) {
            self.eventID = eventID
            self.succeeded = succeeded
            self.error = error.map { String($0.prefix(2000)) }
            self.startedAt = startedAt
            self.duration = duration
            self.status = status
        }
    }

    /// Records processing runs and their events' resulting statuses, in one transaction of two statements.
    public func recordAttempts(_ writes: [AttemptWrite]) async throws {
        guard !writes.isEmpty else { return }
        let now = Date().epochMilliseconds
        let values = writes.map { write -> SQLQueryString in
            "(\(bind: write.eventID), \(bind: write.status.rawValue), \(bind: write.error), \(bind: write.succeeded ? 1 : 0))"
        }.joined(separator: ", ")
        try await database.transaction { sql in
            // VALUES columns are column1… on both engines; the casts type PostgreSQL's NULL parameters.
            let rows = try await sql.raw(
                """
                UPDATE webhook_events SET attempts = webhook_events.attempts + 1, status = v.column2, \
                last_error = CAST(v.column3 AS TEXT), \
                processed_at = CASE WHEN CAST(v.column4 AS INTEGER) = 1 THEN \(bind: now) ELSE webhook_events.processed_at END \
                FROM (VALUES \(values)) AS v WHERE webhook_events.id = v.column1 RETURNING webhook_events.id, webhook_events.attempts
                """
            ).all()
            var attempts: [String: Int] = [:]
            for row in rows { attempts[try row.decode(column: "id", as: String.self)] = try row.decode(column: "attempts", as: Int.self) }
            let inserts = writes.compactMap { write -> SQLQueryString? in
                guard let attempt = attempts[write.eventID] else { return nil }
                return """
                    (\(bind: write.eventID), \(bind: attempt), \(bind: write.succeeded ? 1 : 0), \(bind: write.error), \
                    \(bind: write.startedAt.epochMilliseconds), \(bind: write.duration.milliseconds))
                    """
            }
            guard !inserts.isEmpty else { return }
            try await sql.raw(
                """
                INSERT INTO webhook_event_attempts (event_id, attempt, succeeded, error, started_at, duration_ms) \
                VALUES \(inserts.joined(separator: ", "))
                """
            ).run()
        }
    }

    /// Queues the event to be processed again: its status goes back to `received` and its replay count up, so the
    /// messages it forwards are new ones rather than duplicates of the first run's. `nil` when there is no such event.
    public func replay(id: String, queue: JobQueue) async throws -> WebhookEventRecord? {
        let record = try await database.transaction { sql -> WebhookEventRecord? in
            guard
                let row = try await sql.raw(
                    "UPDATE webhook_events SET status = 'received', replays = replays + 1, last_error = NULL WHERE id = \(bind: id) RETURNING *"
                ).first()
            else { return nil }
            _ = try await queue.enqueue(
                [WebhookEventProcessor.job(for: [id], uniqueKey: "replay:" + id)],
                using: sql
            )
            return try Self.record(row)
        }
        queue.wakeLocalWorkers()
        return record
    }

    /// `LIKE` pattern matching values that start with `prefix`, its own wildcards escaped.
    static func likePrefix(_ prefix: String) -> String {
        prefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
    }

    static func record(_ row: any SQLRow) throws -> WebhookEventRecord {
        let headersText = try row.decode(column: "headers", as: String.self)
        let headers = (try? JSONValue.parse(headersText))?.objectValue?.compactMapValues(\.stringValue) ?? [:]
        return WebhookEventRecord(
            id: try row.decode(column: "id", as: String.self),
            connectionID: try row.decode(column: "connection_id", as: String.self),
            provider: try row.decode(column: "provider", as: String.self),
            externalID: try row.decode(column: "external_id", as: String.self),
            providerType: try row.decode(column: "type", as: String.self),
            occurredAt: try row.decode(column: "occurred_at", as: Int64?.self).map(Date.init(epochMilliseconds:)),
            receivedAt: Date(epochMilliseconds: try row.decode(column: "received_at", as: Int64.self)),
            headers: headers,
            body: try row.decode(column: "body", as: String.self),
            status: try row.decode(column: "status", as: WebhookEventStatus.self),
            attempts: try row.decode(column: "attempts", as: Int.self),
            replays: try row.decode(column: "replays", as: Int.self),
            lastError: try row.decode(column: "last_error", as: String?.self),
            processedAt: try row.decode(column: "processed_at", as: Int64?.self).map(Date.init(epochMilliseconds:)),
            trace: TraceContext(serialized: try row.decode(column: "trace_context", as: String?.self))
        )
    }
}

extension Array where Element == String {
    /// The first two elements, for `split(maxSplits: 1)` results.
    fileprivate var pair: (String?, String?) {
        (first, count > 1 ? self[1] : nil)
    }
}
