import Foundation
import JunctionCore
import JunctionWebhooks

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
