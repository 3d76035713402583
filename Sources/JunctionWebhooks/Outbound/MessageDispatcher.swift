import Foundation
import JunctionCore
import JunctionStore
import SQLKit

/// Accepts messages for the application and fans each out to the endpoints subscribed to its type: the message,
/// one delivery per endpoint and one delivery job each are committed in one transaction (the outbox), so a message
/// accepted is a message delivered, whatever crashes afterwards. Messages published at the same time share that
/// transaction (``GroupCommit``).
public struct MessageDispatcher: Sendable {
    /// The job kind that makes deliveries.
    public static let deliverJobKind = "webhook.deliver"

    private let publications: GroupCommit<MessageRecord, Publication>

    /// A dispatcher writing to `database` and scheduling deliveries on `queue`.
    public init(database: Database, queue: JobQueue) {
        self.publications = GroupCommit(maxBatch: 128, executor: database.executor) { messages in
            try await Self.write(messages, database: database, queue: queue)
        }
    }

    /// What `publish` did.
    public struct Publication: Sendable, Equatable {
        /// The message (the earlier one, for a repeated idempotency key).
        public var message: MessageRecord
        /// Deliveries created now; 0 for a duplicate.
        public var deliveries: Int
        /// Whether the idempotency key had been used: nothing new was sent.
        public var duplicate: Bool
    }

    /// Accepts a message and schedules its deliveries.
    public func publish(eventType: String, payload: JSONValue, idempotencyKey: String?, at now: Date = Date()) async throws -> Publication {
        try await publications.submit(
            MessageRecord(
                id: ResourceID.make(prefix: MessageRecord.idPrefix, at: now),
                eventType: eventType,
                payload: try payload.serialized(),
                idempotencyKey: idempotencyKey,
                createdAt: now,
                trace: .current
            )
        )
    }

    /// Stores a batch of messages with their deliveries and jobs in one transaction.
    static func write(_ messages: [MessageRecord], database: Database, queue: JobQueue) async throws -> [Publication] {
        let values = messages.map { message -> SQLQueryString in
            """
            (\(bind: message.id), \(bind: message.eventType), \(bind: message.payload), \(bind: message.idempotencyKey), \
            \(bind: message.createdAt.epochMilliseconds))
            """
        }.joined(separator: ", ")
        let publications = try await database.transaction { sql -> [Publication] in
            let inserted = Set(
                try await sql.raw(
                    """
                    INSERT INTO webhook_messages (id, event_type, payload, idempotency_key, created_at) VALUES \(values) \
                    ON CONFLICT DO NOTHING RETURNING id
                    """
                ).all().map { try $0.decode(column: "id", as: String.self) }
            )
            // A message not inserted repeats an idempotency key (perhaps of one earlier in this very batch).
            let repeatedKeys = messages.filter { !inserted.contains($0.id) }.compactMap(\.idempotencyKey)
            var earlier: [String: MessageRecord] = [:]
            if !repeatedKeys.isEmpty {
                let keys = Set(repeatedKeys).sorted()
                for row in try await sql.raw("SELECT * FROM webhook_messages WHERE idempotency_key IN (\(binds: keys))").all() {
                    let message = try DeliveryRepository.message(row)
                    if let key = message.idempotencyKey { earlier[key] = message }
                }
            }
            let endpoints = try await EndpointRepository.receiving(using: sql)
            var fanOut: [(message: MessageRecord, endpoint: EndpointRecord)] = []
            var publications: [Publication] = []
            for message in messages {
                guard inserted.contains(message.id) else {
                    guard let key = message.idempotencyKey, let first = earlier[key] else {
                        throw WebhookStoreError.conflict("message \(message.id) could not be stored")
                    }
                    publications.append(Publication(message: first, deliveries: 0, duplicate: true))
                    continue
                }
                let targets = endpoints.filter { $0.subscribes(to: message.eventType) }
                fanOut += targets.map { (message, $0) }
                publications.append(Publication(message: message, deliveries: targets.count, duplicate: false))
            }
            try await scheduleDeliveries(fanOut, at: messages[0].createdAt, queue: queue, using: sql)
            return publications
        }
        if publications.contains(where: { $0.deliveries > 0 }) { queue.wakeLocalWorkers() }
        return publications
    }

    /// Creates one pending delivery per (message, endpoint) pair and its job, inside the caller's transaction. Each job
    /// continues the trace of its message's publisher.
    static func scheduleDeliveries(
        _ targets: [(message: MessageRecord, endpoint: EndpointRecord)],
        at now: Date,
        queue: JobQueue,
        using sql: any SQLDatabase
    ) async throws {
        guard !targets.isEmpty else { return }
        var rows: [SQLQueryString] = []
        var jobs: [JobRequest] = []
        for (message, endpoint) in targets {
            let id = ResourceID.make(prefix: DeliveryRecord.idPrefix, at: now)
            rows.append(
                """
                (\(bind: id), \(bind: message.id), \(bind: endpoint.id), 'pending', 0, \(bind: now.epochMilliseconds), \
                \(bind: now.epochMilliseconds), \(bind: now.epochMilliseconds))
                """
            )
            jobs.append(deliveryJob(id: id, attempts: endpoint.schedule.attempts, trace: message.trace))
        }
        try await sql.raw(
            """
            INSERT INTO webhook_deliveries (id, message_id, endpoint_id, status, attempts, next_attempt_at, created_at, updated_at) \
            VALUES \(rows.joined(separator: ", "))
            """
        ).run()
        _ = try await queue.enqueue(jobs, using: sql)
    }

    /// The job that makes a delivery's attempts. The deliverer decides when the schedule is spent; the two spare job
    /// attempts only matter when a worker dies mid-attempt, so such a delivery still reaches a final state.
    static func deliveryJob(id: String, attempts: Int, trace: TraceContext? = .current) -> JobRequest {
        JobRequest(kind: deliverJobKind, payload: ["deliveryId": .string(id)], uniqueKey: id, maxAttempts: attempts + 2, trace: trace)
    }
}

/// A store write that could not be made for a reason other than the database failing.
public enum WebhookStoreError: Error, Sendable, CustomStringConvertible {
    /// A concurrent change got in the way.
    case conflict(String)

    public var description: String {
        switch self {
        case .conflict(let message): message
        }
    }
}
