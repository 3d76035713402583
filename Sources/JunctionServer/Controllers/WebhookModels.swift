import Foundation
import JunctionCore
import JunctionWebhooks

/// An inbound event as the API shows it.
struct EventResponse: Encodable {
    var id: String
    var connectionId: String
    var provider: String
    var type: String
    var externalId: String
    var occurredAt: Date?
    var receivedAt: Date
    var status: String
    var attempts: Int
    var replays: Int
    var lastError: String?
    var processedAt: Date?
    /// The normalized event, on the single-event route only.
    var event: JSONValue?
    /// The processing attempts, on the single-event route only.
    var processingAttempts: [ProcessingAttemptResponse]?

    init(_ record: WebhookEventRecord, detail: [WebhookEventAttempt]? = nil, normalized: NormalizedEvent? = nil) {
        id = record.id
        connectionId = record.connectionID
        provider = record.provider
        type = record.type
        externalId = record.externalID
        occurredAt = record.occurredAt
        receivedAt = record.receivedAt
        status = record.status
        attempts = record.attempts
        replays = record.replays
        lastError = record.lastError
        processedAt = record.processedAt
        if let detail {
            event = (normalized ?? WebhookEventProcessor.normalize(record)).json
            processingAttempts = detail.map(ProcessingAttemptResponse.init)
        }
    }
}

/// One processing run of an inbound event.
struct ProcessingAttemptResponse: Encodable {
    var attempt: Int
    var succeeded: Bool
    var error: String?
    var startedAt: Date
    var durationMs: Int64

    init(_ attempt: WebhookEventAttempt) {
        self.attempt = attempt.attempt
        succeeded = attempt.succeeded
        error = attempt.error
        startedAt = attempt.startedAt
        durationMs = attempt.duration.milliseconds
    }
}

/// `POST /api/v1/endpoints`.
struct CreateEndpointRequest: StrictRequestBody {
    static let fieldNames: Set<String> = ["url", "eventTypes", "description", "rateLimit", "retrySchedule", "ordered"]
    var url: String
    var eventTypes: [String]?
    var description: String?
    var rateLimit: Int?
    var retrySchedule: [Int]?
    var ordered: Bool?
}

/// `PATCH /api/v1/endpoints/{id}`: members present replace, `null` removes `rateLimit` or `retrySchedule`.
struct UpdateEndpointRequest: StrictRequestBody {
    static let fieldNames: Set<String> = ["url", "eventTypes", "description", "rateLimit", "retrySchedule", "ordered", "enabled"]
    var url: String?
    var eventTypes: [String]?
    var description: String?
    var rateLimit: Int?
    var retrySchedule: [Int]?
    var ordered: Bool?
    var enabled: Bool?
}

/// An endpoint as the API shows it; `secret` only in the responses that create or rotate it.
struct EndpointResponse: Encodable {
    var id: String
    var url: String
    var description: String
    var eventTypes: [String]
    var rateLimit: Int?
    var retrySchedule: [Int]
    var ordered: Bool
    var status: String
    var disabledReason: String?
    var failingSince: Date?
    var createdAt: Date
    var updatedAt: Date
    var secret: String?

    init(_ record: EndpointRecord, secret: String? = nil) {
        id = record.id
        url = record.url
        description = record.description
        eventTypes = record.eventTypes.map(\.text)
        rateLimit = record.rateLimit
        retrySchedule = record.schedule.delays
        ordered = record.ordered
        status = record.status.rawValue
        disabledReason = record.disabledReason
        failingSince = record.failingSince
        createdAt = record.createdAt
        updatedAt = record.updatedAt
        self.secret = secret
    }
}

/// `POST /api/v1/endpoints/{id}/secret/rotate`.
struct RotatedSecretResponse: Encodable {
    var secret: String
    var previousSecretExpiresAt: Date
}

/// One delivery attempt.
struct AttemptResponse: Encodable {
    var id: String
    var deliveryId: String
    var messageId: String
    var endpointId: String
    var attempt: Int
    var statusCode: Int?
    var succeeded: Bool
    var error: String?
    var latencyMs: Int64
    var responseExcerpt: String?
    var createdAt: Date

    init(_ record: DeliveryAttemptRecord) {
        id = record.id
        deliveryId = record.deliveryID
        messageId = record.messageID
        endpointId = record.endpointID
        attempt = record.attempt
        statusCode = record.statusCode
        succeeded = record.succeeded
        error = record.error
        latencyMs = record.latency.milliseconds
        responseExcerpt = record.responseExcerpt
        createdAt = record.createdAt
    }
}

/// `POST /api/v1/messages`.
struct CreateMessageRequest: StrictRequestBody {
    static let fieldNames: Set<String> = ["eventType", "payload", "idempotencyKey"]
    var eventType: String
    var payload: JSONValue
    var idempotencyKey: String?
}

/// A message as the API shows it.
struct MessageResponse: Encodable {
    var id: String
    var eventType: String
    var payload: JSONValue
    var idempotencyKey: String?
    var createdAt: Date
    /// Deliveries created by this request (on `POST`); 0 for a repeated idempotency key.
    var deliveriesCreated: Int?
    /// Whether the idempotency key had been used before (on `POST`).
    var duplicate: Bool?
    /// The message's deliveries (on `GET`).
    var deliveries: [DeliveryResponse]?

    init(_ record: MessageRecord, deliveriesCreated: Int? = nil, duplicate: Bool? = nil, deliveries: [DeliveryRecord]? = nil) {
        id = record.id
        eventType = record.eventType
        payload = (try? JSONValue.parse(record.payload)) ?? .string(record.payload)
        idempotencyKey = record.idempotencyKey
        createdAt = record.createdAt
        self.deliveriesCreated = deliveriesCreated
        self.duplicate = duplicate
        self.deliveries = deliveries?.map(DeliveryResponse.init)
    }
}

/// A message's delivery to one endpoint.
struct DeliveryResponse: Encodable {
    var id: String
    var endpointId: String
    var status: String
    var attempts: Int
    var lastStatusCode: Int?
    var lastError: String?
    var nextAttemptAt: Date?
    var updatedAt: Date

    init(_ record: DeliveryRecord) {
        id = record.id
        endpointId = record.endpointID
        status = record.status.rawValue
        attempts = record.attempts
        lastStatusCode = record.lastStatusCode
        lastError = record.lastError
        nextAttemptAt = record.nextAttemptAt
        updatedAt = record.updatedAt
    }
}

/// How many deliveries a retry or recover scheduled.
struct ResendResponse: Encodable {
    var scheduled: Int
}

/// Parses the ISO 8601 times query parameters carry.
enum QueryTime {
    static func parse(_ text: String?, name: String) throws -> Date? {
        guard let text else { return nil }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        throw ProblemDetails.badRequest(
            "query parameter '\(name)' must be an ISO 8601 time such as 2026-11-29T12:00:00Z, not '\(text.prefix(64))'")
    }
}
