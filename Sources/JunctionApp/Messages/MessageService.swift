import JunctionCore
import JunctionStore
import JunctionWebhooks

/// Messages for the application's endpoints: published (fanned out to every subscribed endpoint, once per
/// idempotency key), shown with their deliveries, and their failed deliveries resent.
public struct MessageService: Sendable {
    /// A message with its deliveries.
    public struct Detail: Sendable {
        /// The message.
        public var message: MessageRecord
        /// One per endpoint it was fanned out to.
        public var deliveries: [DeliveryRecord]
    }

    private let dispatcher: MessageDispatcher
    private let deliveries: DeliveryRepository

    /// A service publishing through `dispatcher`.
    public init(database: Database, queue: JobQueue, dispatcher: MessageDispatcher) {
        self.dispatcher = dispatcher
        self.deliveries = DeliveryRepository(database: database, queue: queue)
    }

    /// Longest event type.
    public static let maximumEventTypeLength = 200
    /// Longest idempotency key.
    public static let maximumIdempotencyKeyLength = 255

    /// Accepts a message and schedules a delivery to each endpoint subscribed to `eventType`; a key used before returns
    /// the earlier message instead.
    public func publish(eventType: String, payload: JSONValue, idempotencyKey: String?) async throws -> MessageDispatcher.Publication {
        guard !eventType.isEmpty, eventType.count <= Self.maximumEventTypeLength,
            !eventType.contains(where: { $0.isWhitespace || $0 == "*" })
        else {
            throw ApplicationError.invalid(
                "field 'eventType' must be 1 to \(Self.maximumEventTypeLength) characters, without spaces or '*'", code: "invalid-field")
        }
        if let key = idempotencyKey, key.isEmpty || key.count > Self.maximumIdempotencyKeyLength {
            throw ApplicationError.invalid(
                "field 'idempotencyKey' must be 1 to \(Self.maximumIdempotencyKeyLength) characters", code: "invalid-field")
        }
        return try await dispatcher.publish(eventType: eventType, payload: payload, idempotencyKey: idempotencyKey)
    }

    /// The message with `id` and its deliveries.
    public func detail(id: String) async throws -> Detail {
        let message = try await find(id)
        return Detail(message: message, deliveries: try await deliveries.deliveries(ofMessage: message.id))
    }

    /// Resends the message's failed deliveries, each with a fresh set of attempts; how many were scheduled.
    public func retry(id: String) async throws -> Int {
        let message = try await find(id)
        return try await deliveries.retry(messageID: message.id)
    }

    private func find(_ id: String) async throws -> MessageRecord {
        guard ResourceID.isWellFormed(id, prefix: MessageRecord.idPrefix), let message = try await deliveries.message(id: id) else {
            throw ApplicationError.notFound("message", id: id, prefix: MessageRecord.idPrefix)
        }
        return message
    }
}
