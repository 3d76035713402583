import Foundation
import JunctionCore

/// A message for the application: one event type and payload, fanned out to every subscribed endpoint.
public struct MessageRecord: Sendable, Equatable {
    /// `msg_…`; also the `webhook-id` of its deliveries, which receivers dedup on.
    public var id: String
    /// Its event type.
    public var eventType: String
    /// The JSON body every delivery sends.
    public var payload: String
    /// The sender's key: a second message with the same key is the first one.
    public var idempotencyKey: String?
    /// When it was accepted.
    public var createdAt: Date
    /// The span that published it, which its deliveries continue; not stored (a delivery job keeps its own).
    public var trace: TraceContext? = nil

    /// The prefix of message ids.
    public static let idPrefix = "msg"
}

/// One message on its way to one endpoint.
public struct DeliveryRecord: Sendable, Equatable {
    /// `dlv_…`.
    public var id: String
    /// The message delivered.
    public var messageID: String
    /// The endpoint delivered to.
    public var endpointID: String
    /// Where it stands.
    public var status: DeliveryStatus
    /// Attempts made.
    public var attempts: Int
    /// The HTTP status of the last attempt, when it got one.
    public var lastStatusCode: Int?
    /// What went wrong last.
    public var lastError: String?
    /// When the next attempt is due, while pending.
    public var nextAttemptAt: Date?
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// The prefix of delivery ids.
    public static let idPrefix = "dlv"
}

/// One HTTP attempt of a delivery.
public struct DeliveryAttemptRecord: Sendable, Equatable {
    /// `att_…`.
    public var id: String
    /// The delivery.
    public var deliveryID: String
    /// Its message.
    public var messageID: String
    /// Its endpoint.
    public var endpointID: String
    /// 1 for the first attempt of the delivery.
    public var attempt: Int
    /// The response status, when a response came.
    public var statusCode: Int?
    /// The transport error or refusal, when there was one.
    public var error: String?
    /// Time to the response head.
    public var latency: Duration
    /// The first kilobyte of the response body.
    public var responseExcerpt: String?
    /// When it was made.
    public var createdAt: Date

    /// The prefix of attempt ids.
    public static let idPrefix = "att"

    /// Whether the endpoint accepted the delivery.
    public var succeeded: Bool { statusCode.map { (200..<300).contains($0) } ?? false }
}
