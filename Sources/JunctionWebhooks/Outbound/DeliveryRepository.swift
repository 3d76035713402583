import Foundation
import JunctionCore
import JunctionStore
import SQLKit

/// Reads and writes messages, deliveries and their attempts.
public struct DeliveryRepository: Sendable {
    let database: Database
    let queue: JobQueue

    /// A repository over `database`; resends are scheduled on `queue`.
    public init(database: Database, queue: JobQueue) {
        self.database = database
        self.queue = queue
    }

    /// Everything one attempt needs, read in one statement.
    public struct DeliveryContext: Sendable {
        /// The delivery.
        public var delivery: DeliveryRecord
        /// Its message.
        public var message: MessageRecord
        /// Its endpoint.
        public var endpoint: EndpointRecord
    }

    /// The deliveries with their messages and endpoints, by delivery id, in one statement; missing ones are absent.
    public func contexts(ofDeliveries ids: [String]) async throws -> [String: DeliveryContext] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                """
                SELECT d.id AS d_id, d.message_id AS d_message_id, d.endpoint_id AS d_endpoint_id, d.status AS d_status, \
                d.attempts AS d_attempts, d.last_status_code AS d_last_status_code, d.last_error AS d_last_error, \
                d.next_attempt_at AS d_next_attempt_at, d.created_at AS d_created_at, d.updated_at AS d_updated_at, \
                m.event_type AS m_event_type, m.payload AS m_payload, m.idempotency_key AS m_idempotency_key, \
                m.created_at AS m_created_at, e.* \
                FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id \
                JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id IN (\(binds: ids))
                """
            ).all()
        }
        var contexts: [String: DeliveryContext] = [:]
        for row in rows {
            let delivery = try Self.delivery(row, prefix: "d_")
            contexts[delivery.id] = DeliveryContext(
                delivery: delivery,
                message: MessageRecord(
                    id: delivery.messageID,
                    eventType: try row.decode(column: "m_event_type", as: String.self),
                    payload: try row.decode(column: "m_payload", as: String.self),
                    idempotencyKey: try row.decode(column: "m_idempotency_key", as: String?.self),
                    createdAt: Date(epochMilliseconds: try row.decode(column: "m_created_at", as: Int64.self))
                ),
                endpoint: try EndpointRepository.record(row)
            )
        }
        return contexts
    }

    /// How an attempt changes its delivery and endpoint.
    public struct AttemptResult: Sendable {
        /// The delivery's status afterwards (`pending` when another attempt is scheduled).
        public var deliveryStatus: DeliveryStatus
        /// When the next attempt is due, if pending.
        public var nextAttemptAt: Date?
    }

    /// One attempt to record, with what it does to its delivery.
    public struct AttemptWrite: Sendable {
        /// The attempt.
        public var attempt: DeliveryAttemptRecord
        /// The delivery's state afterwards.
        public var result: AttemptResult
        /// Whether the endpoint was in a failure streak when the attempt was made (a success ends it).
        public var endpointWasFailing: Bool

        /// An attempt to record.
        public init(attempt: DeliveryAttemptRecord, result: AttemptResult, endpointWasFailing: Bool) {
            self.attempt = attempt
            self.result = result
            self.endpointWasFailing = endpointWasFailing
        }
    }

    /// Records attempts, their deliveries' new states and their endpoints' failure streaks, in one transaction of
    /// a few statements whatever the batch size. Returns, for each failed attempt, when its endpoint's current
    /// failure streak began (`nil` for successes).
    public func record(_ writes: [AttemptWrite]) async throws -> [Date?] {
        guard !writes.isEmpty else { return [] }
        let now = writes.map(\.attempt.createdAt).max()?.epochMilliseconds ?? Date().epochMilliseconds
        let attemptRows: [SQLQueryString] = writes.map { write in
            let attempt = write.attempt
            return """
                (\(bind: attempt.id), \(bind: attempt.deliveryID), \(bind: attempt.messageID), \(bind: attempt.endpointID), \
                \(bind: attempt.attempt), \(bind: attempt.statusCode), \(bind: attempt.error), \(bind: attempt.latency.milliseconds), \
                \(bind: attempt.responseExcerpt), \(bind: attempt.createdAt.epochMilliseconds))
                """
        }
        let deliveryRows: [SQLQueryString] = writes.map { write in
            """
            (\(bind: write.attempt.deliveryID), \(bind: write.result.deliveryStatus.rawValue), \(bind: write.attempt.attempt), \
            \(bind: write.attempt.statusCode), \(bind: write.attempt.error), \(bind: write.result.nextAttemptAt?.epochMilliseconds), \
            \(bind: write.attempt.createdAt.epochMilliseconds))
            """
        }
        let recovered = Set(writes.filter { $0.attempt.succeeded && $0.endpointWasFailing }.map(\.attempt.endpointID))
        let failing = Set(writes.filter { !$0.attempt.succeeded }.map(\.attempt.endpointID))
        let attemptValues = attemptRows.joined(separator: ", ")
        let deliveryValues = deliveryRows.joined(separator: ", ")
        let streaks = try await database.transaction { sql -> [String: Date] in
            try await sql.raw(
                """
                INSERT INTO webhook_delivery_attempts (id, delivery_id, message_id, endpoint_id, attempt, status_code, error, \
                latency_ms, response_excerpt, created_at) VALUES \(attemptValues)
                """
            ).run()
            // One statement for the whole batch; VALUES columns are column1… on both engines, and the casts give
            // PostgreSQL the types its untyped NULL parameters lack.
            try await sql.raw(
                """
                UPDATE webhook_deliveries SET status = v.column2, attempts = CAST(v.column3 AS INTEGER), \
                last_status_code = CAST(v.column4 AS INTEGER), last_error = CAST(v.column5 AS TEXT), \
                next_attempt_at = CAST(v.column6 AS BIGINT), updated_at = CAST(v.column7 AS BIGINT) \
                FROM (VALUES \(deliveryValues)) AS v WHERE webhook_deliveries.id = v.column1
                """
            ).run()
            if !recovered.isEmpty {
                try await sql.raw("UPDATE webhook_endpoints SET failing_since = NULL WHERE id IN (\(binds: recovered.sorted()))").run()
            }
            guard !failing.isEmpty else { return [:] }
            let rows = try await sql.raw(
                """
                UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, \(bind: now)) \
                WHERE id IN (\(binds: failing.sorted())) RETURNING id, failing_since
                """
            ).all()
            var streaks: [String: Date] = [:]
            for row in rows {
                if let since = try row.decode(column: "failing_since", as: Int64?.self) {
                    streaks[try row.decode(column: "id", as: String.self)] = Date(epochMilliseconds: since)
                }
            }
            return streaks
        }
        return writes.map { $0.attempt.succeeded ? nil : streaks[$0.attempt.endpointID] }
    }

    /// The oldest pending delivery to the endpoint: the one an ordered endpoint sends next.
    public func head(ofEndpoint endpointID: String) async throws -> (id: String, nextAttemptAt: Date?)? {
        let row = try await database.withSQL { sql in
            try await sql.raw(
                """
                SELECT id, next_attempt_at FROM webhook_deliveries WHERE endpoint_id = \(bind: endpointID) AND status = 'pending' \
                ORDER BY created_at, id LIMIT 1
                """
            ).first()
        }
        guard let row else { return nil }
        return (
            try row.decode(column: "id", as: String.self),
            try row.decode(column: "next_attempt_at", as: Int64?.self).map(Date.init(epochMilliseconds:))
        )
    }

    /// Marks a delivery failed without an attempt (its endpoint is disabled, its URL refused).
    public func fail(deliveryID: String, reason: String, at now: Date = Date()) async throws {
        try await database.withSQL { sql in
            try await sql.raw(
                """
                UPDATE webhook_deliveries SET status = 'failed', last_error = \(bind: reason), next_attempt_at = NULL, \
                updated_at = \(bind: now.epochMilliseconds) WHERE id = \(bind: deliveryID)
                """
            ).run()
        }
    }

    /// The endpoint's attempts, newest first, before `cursor`.
    public func attempts(ofEndpoint endpointID: String, before cursor: String?, limit: Int) async throws -> [DeliveryAttemptRecord] {
        let rows = try await database.withSQL { sql in
            if let cursor {
                return try await sql.raw(
                    """
                    SELECT * FROM webhook_delivery_attempts WHERE endpoint_id = \(bind: endpointID) AND id < \(bind: cursor) \
                    ORDER BY id DESC LIMIT \(bind: limit)
                    """
                ).all()
            }
            return try await sql.raw(
                "SELECT * FROM webhook_delivery_attempts WHERE endpoint_id = \(bind: endpointID) ORDER BY id DESC LIMIT \(bind: limit)"
            ).all()
        }
        return try rows.map(Self.attempt)
    }

    /// The message with `id`.
    public func message(id: String) async throws -> MessageRecord? {
        let row = try await database.withSQL { sql in
            try await sql.raw("SELECT * FROM webhook_messages WHERE id = \(bind: id)").first()
        }
        return try row.map(Self.message)
    }

    /// The message's deliveries.
    public func deliveries(ofMessage id: String) async throws -> [DeliveryRecord] {
        let rows = try await database.withSQL { sql in
            try await sql.raw("SELECT * FROM webhook_deliveries WHERE message_id = \(bind: id) ORDER BY id").all()
        }
        return try rows.map { try Self.delivery($0, prefix: "") }
    }

    /// Sends the message's failed deliveries again, each with a fresh set of attempts. Returns how many.
    public func retry(messageID: String) async throws -> Int {
        try await resend(where: "message_id = \(bind: messageID) AND status = 'failed'")
    }

    /// Makes the deliveries a paused endpoint held due now, as it resumes; how many. Only those already due: one
    /// waiting out a retry delay keeps its schedule.
    @discardableResult
    public func releaseHeld(endpointID: String, at now: Date = Date()) async throws -> Int {
        let stamp = now.epochMilliseconds
        let released = try await database.withSQL { sql in
            try await sql.raw(
                """
                UPDATE jobs SET available_at = \(bind: stamp) WHERE kind = \(bind: MessageDispatcher.deliverJobKind) AND status = 'queued' \
                AND available_at > \(bind: stamp) AND unique_key IN (SELECT id FROM webhook_deliveries WHERE endpoint_id = \(bind: endpointID) \
                AND status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= \(bind: stamp))) RETURNING id
                """
            ).all().count
        }
        if released > 0 { try await queue.notifyAvailable() }
        return released
    }

    /// Sends again every delivery to the endpoint that failed and was created at or after `since`. Returns how many.
    public func recover(endpointID: String, since: Date) async throws -> Int {
        try await resend(
            where: "endpoint_id = \(bind: endpointID) AND status = 'failed' AND created_at >= \(bind: since.epochMilliseconds)"
        )
    }

    private func resend(where condition: SQLQueryString) async throws -> Int {
        let now = Date()
        let count = try await database.transaction { sql in
            let rows = try await sql.raw(
                """
                UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = \(bind: now.epochMilliseconds), \
                updated_at = \(bind: now.epochMilliseconds) WHERE \(condition) RETURNING id, endpoint_id
                """
            ).all()
            guard !rows.isEmpty else { return 0 }
            let endpointIDs = Set(try rows.map { try $0.decode(column: "endpoint_id", as: String.self) })
            var attempts: [String: Int] = [:]
            for id in endpointIDs {
                let row = try await sql.raw("SELECT * FROM webhook_endpoints WHERE id = \(bind: id)").first()
                attempts[id] = try row.map(EndpointRepository.record)?.schedule.attempts ?? RetrySchedule.standard.attempts
            }
            let jobs = try rows.map { row in
                MessageDispatcher.deliveryJob(
                    id: try row.decode(column: "id", as: String.self),
                    attempts: attempts[try row.decode(column: "endpoint_id", as: String.self)] ?? RetrySchedule.standard.attempts
                )
            }
            _ = try await queue.enqueue(jobs, using: sql)
            return rows.count
        }
        if count > 0 { queue.wakeLocalWorkers() }
        return count
    }

    static func message(_ row: any SQLRow) throws -> MessageRecord {
        MessageRecord(
            id: try row.decode(column: "id", as: String.self),
            eventType: try row.decode(column: "event_type", as: String.self),
            payload: try row.decode(column: "payload", as: String.self),
            idempotencyKey: try row.decode(column: "idempotency_key", as: String?.self),
            createdAt: Date(epochMilliseconds: try row.decode(column: "created_at", as: Int64.self))
        )
    }

    static func delivery(_ row: any SQLRow, prefix: String) throws -> DeliveryRecord {
        DeliveryRecord(
            id: try row.decode(column: prefix + "id", as: String.self),
            messageID: try row.decode(column: prefix + "message_id", as: String.self),
            endpointID: try row.decode(column: prefix + "endpoint_id", as: String.self),
            status: try row.decode(column: prefix + "status", as: DeliveryStatus.self),
            attempts: try row.decode(column: prefix + "attempts", as: Int.self),
            lastStatusCode: try row.decode(column: prefix + "last_status_code", as: Int?.self),
            lastError: try row.decode(column: prefix + "last_error", as: String?.self),
            nextAttemptAt: try row.decode(column: prefix + "next_attempt_at", as: Int64?.self).map(Date.init(epochMilliseconds:)),
            createdAt: Date(epochMilliseconds: try row.decode(column: prefix + "created_at", as: Int64.self)),
            updatedAt: Date(epochMilliseconds: try row.decode(column: prefix + "updated_at", as: Int64.self))
        )
    }

    static func attempt(_ row: any SQLRow) throws -> DeliveryAttemptRecord {
        DeliveryAttemptRecord(
            id: try row.decode(column: "id", as: String.self),
            deliveryID: try row.decode(column: "delivery_id", as: String.self),
            messageID: try row.decode(column: "message_id", as: String.self),
            endpointID: try row.decode(column: "endpoint_id", as: String.self),
            attempt: try row.decode(column: "attempt", as: Int.self),
            statusCode: try row.decode(column: "status_code", as: Int?.self),
            error: try row.decode(column: "error", as: String?.self),
            latency: .milliseconds(try row.decode(column: "latency_ms", as: Int64.self)),
            responseExcerpt: try row.decode(column: "response_excerpt", as: String?.self),
            createdAt: Date(epochMilliseconds: try row.decode(column: "created_at", as: Int64.self))
        )
    }
}
