import Foundation
import JunctionCore

/// An application endpoint that receives outbound webhooks.
public struct EndpointRecord: Sendable, Equatable {
    /// `ep_…`.
    public var id: String
    /// Where deliveries are POSTed.
    public var url: String
    /// What the endpoint is for, for people.
    public var description: String
    /// The event types it receives.
    public var eventTypes: [EventTypePattern]
    /// Deliveries per second at most; `nil` for no limit.
    public var rateLimit: Int?
    /// Its own retry delays, replacing ``RetrySchedule/standard``.
    public var retrySchedule: [Int]?
    /// Whether deliveries go out one at a time in the order their messages were accepted: a delivery waits until
    /// every earlier one to the endpoint has succeeded or failed for good.
    public var ordered: Bool
    /// Whether it receives deliveries.
    public var status: EndpointStatus
    /// Why it was disabled (a `410 Gone`, five days of failures, an operator).
    public var disabledReason: String?
    /// Since when every delivery has failed; cleared by a success.
    public var failingSince: Date?
    /// Bumped by each secret rotation, so caches of the secrets know when to reload.
    public var secretVersion: Int
    /// When it was created.
    public var createdAt: Date
    /// When it was last changed.
    public var updatedAt: Date

    /// The prefix of endpoint ids.
    public static let idPrefix = "ep"

    /// The schedule its failed deliveries follow.
    public var schedule: RetrySchedule {
        retrySchedule.flatMap { RetrySchedule(delays: $0) } ?? .standard
    }

    /// Whether it receives events of `type` (a paused endpoint does: its deliveries wait).
    public func subscribes(to type: String) -> Bool {
        status != .disabled && eventTypes.contains { $0.matches(type) }
    }

    /// An endpoint.
    public init(
        id: String,
        url: String,
        description: String,
        eventTypes: [EventTypePattern],
        rateLimit: Int?,
        retrySchedule: [Int]?,
        ordered: Bool = false,
        status: EndpointStatus = .enabled,
        disabledReason: String? = nil,
        failingSince: Date? = nil,
        secretVersion: Int = 1,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.url = url
        self.description = description
        self.eventTypes = eventTypes
        self.rateLimit = rateLimit
        self.retrySchedule = retrySchedule
        self.ordered = ordered
        self.status = status
        self.disabledReason = disabledReason
        self.failingSince = failingSince
        self.secretVersion = secretVersion
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
