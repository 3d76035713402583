import Foundation
import JunctionCore
import JunctionStore
import SQLKit

/// Accepts messages for the application and fans each out to the endpoints subscribed to its type: the message,
/// one delivery per endpoint and one delivery job each are committed in one transaction (the outbox), so a message
/// accepted is a message delivered, whatever crashes afterwards.
public struct MessageDispatcher: Sendable {
    /// The job kind that makes deliveries.
    public static let deliverJobKind = "webhook.deliver"

    private let database: Database
    private let queue: JobQueue
    private let endpoints: EndpointRepository

    /// A dispatcher writing to `database` and scheduling deliveries on `queue`.
    public init(database: Database, queue: JobQueue) {
        self.database = database
        self.queue = queue
        self.endpoints = EndpointRepository(database: database)
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
        let message = MessageRecord(
            id: ResourceID.make(prefix: MessageRecord.idPrefix, at: now),
            eventType: eventType,
            payload: try payload.serialized(),
            idempotencyKey: idempotencyKey,
            createdAt: now
        )
        let publication = try await database.transaction { sql -> Publication in
            let inserted = try await sql.raw(
                """
                INSERT INTO webhook_messages (id, event_type, payload, idempotency_key, created_at) VALUES \
                (\(bind: message.id), \(bind: message.eventType), \(bind: message.payload), \(bind: message.idempotencyKey), \
                \(bind: now.epochMilliseconds)) ON CONFLICT DO NOTHING RETURNING id
                """
            ).all()
            guard !inserted.isEmpty else {
                guard let key = idempotencyKey,
                    let row = try await sql.raw("SELECT * FROM webhook_messages WHERE idempotency_key = \(bind: key)").first()
                else { throw WebhookStoreError.conflict("the message could not be stored") }
                return Publication(message: try DeliveryRepository.message(row), deliveries: 0, duplicate: true)
            }
            let targets = try await endpoints.enabled(using: sql).filter { $0.subscribes(to: eventType) }
            try await Self.scheduleDeliveries(of: message.id, to: targets, at: now, queue: queue, using: sql)
            return Publication(message: message, deliveries: targets.count, duplicate: false)
        }
        if publication.deliveries > 0 { queue.wakeLocalWorkers() }
        return publication
    }

    /// Creates one pending delivery per endpoint and its job, inside the caller's transaction.
    static func scheduleDeliveries(
        of messageID: String,
        to targets: [EndpointRecord],
        at now: Date,
        queue: JobQueue,
        using sql: any SQLDatabase
    ) async throws {
        guard !targets.isEmpty else { return }
        var rows: [SQLQueryString] = []
        var jobs: [JobRequest] = []
        for endpoint in targets {
            let id = ResourceID.make(prefix: DeliveryRecord.idPrefix, at: now)
            rows.append(
                """
                (\(bind: id), \(bind: messageID), \(bind: endpoint.id), 'pending', 0, \(bind: now.epochMilliseconds), \
                \(bind: now.epochMilliseconds), \(bind: now.epochMilliseconds))
                """
            )
            jobs.append(deliveryJob(id: id, attempts: endpoint.schedule.attempts))
        }
        try await sql.raw(
            """
            INSERT INTO webhook_deliveries (id, message_id, endpoint_id, status, attempts, next_attempt_at, created_at, updated_at) \
            VALUES \(rows.joined(separator: ", "))
            """
        ).run()
        _ = try await queue.enqueue(jobs, using: sql)
    }

    /// The job that makes a delivery's attempts.
    static func deliveryJob(id: String, attempts: Int) -> JobRequest {
        JobRequest(kind: deliverJobKind, payload: ["deliveryId": .string(id)], uniqueKey: id, maxAttempts: attempts)
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
