import Foundation
import JunctionCore

/// An inbound event as stored in the inbox, with its processing state.
public struct WebhookEventRecord: Sendable, Equatable {
    /// Junction's id (`evt_…`).
    public var id: String
    /// The connection it arrived for.
    public var connectionID: String
    /// The verifier's name, which prefixes the normalized type.
    public var provider: String
    /// The provider's event id, the dedup key.
    public var externalID: String
    /// The provider's type, unprefixed.
    public var providerType: String
    /// When the provider says it happened.
    public var occurredAt: Date?
    /// When it was received.
    public var receivedAt: Date
    /// The headers kept from the request.
    public var headers: [String: String]
    /// The body as received.
    public var body: String
    /// Where it stands in processing.
    public var status: WebhookEventStatus
    /// Processing attempts so far, across replays.
    public var attempts: Int
    /// How often it was replayed.
    public var replays: Int
    /// The last processing error.
    public var lastError: String?
    /// When it was last processed successfully.
    public var processedAt: Date?
    /// The span of the request that delivered it, which its processing continues.
    public var trace: TraceContext? = nil

    /// The normalized type, such as `stripe.customer.created`.
    public var type: String { provider + "." + providerType }
}

/// One run of the handlers over an event.
public struct WebhookEventAttempt: Sendable, Equatable {
    /// 1 for the first run, counting on across replays.
    public var attempt: Int
    /// Whether every handler succeeded.
    public var succeeded: Bool
    /// What failed.
    public var error: String?
    /// When the run started.
    public var startedAt: Date
    /// How long it took.
    public var duration: Duration
}

/// An inbound event in the shape handlers and the application see, whatever the provider.
public struct NormalizedEvent: Sendable, Equatable, Codable {
    /// Junction's id.
    public var id: String
    /// The connection it arrived for.
    public var connectionId: String
    /// The verifier's name.
    public var provider: String
    /// `<provider>.<provider's type>`, such as `stripe.customer.created`.
    public var type: String
    /// When the provider says it happened, else when it was received.
    public var occurredAt: Date
    /// The event's data (Stripe's `data.object`, Slack's `event`, otherwise the body).
    public var data: JSONValue
    /// The connector resource the event concerns (`customers`), when the provider's event types say.
    public var resource: String?
    /// The data in the application's shape, when the connection has a mapping for ``resource``.
    public var mapped: JSONValue?
    /// The version of the mapping that produced ``mapped``.
    public var mappingVersion: Int?
    /// Why the data could not be mapped (the event is forwarded anyway, unmapped).
    public var mappingError: String?

    /// A normalized event.
    public init(id: String, connectionId: String, provider: String, type: String, occurredAt: Date, data: JSONValue) {
        self.id = id
        self.connectionId = connectionId
        self.provider = provider
        self.type = type
        self.occurredAt = occurredAt
        self.data = data
    }

    /// The provider's own event type, without Junction's prefix (`customer.created`).
    public var providerType: String {
        type.hasPrefix(provider + ".") ? String(type.dropFirst(provider.count + 1)) : type
    }

    /// The event as a JSON object, with `occurredAt` in ISO 8601; the mapping's fields only when there are any.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "connectionId": .string(connectionId), "provider": .string(provider), "type": .string(type),
            "occurredAt": .string(occurredAt.formatted(.iso8601)), "data": data,
        ]
        if let resource { members["resource"] = .string(resource) }
        if let mapped { members["mapped"] = mapped }
        if let mappingVersion { members["mappingVersion"] = .number(Double(mappingVersion)) }
        if let mappingError { members["mappingError"] = .string(mappingError) }
        return .object(members)
    }
}
