/// Where a delivery stands.
public enum DeliveryStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for its next attempt.
    case pending
    /// The endpoint accepted it.
    case succeeded
    /// A dead letter: out of attempts, refused by the endpoint with 410, or its endpoint disabled; resent by retry
    /// or recover.
    case failed
}

/// Whether an endpoint receives deliveries.
public enum EndpointStatus: String, Sendable, Codable, CaseIterable {
    /// It receives the events it subscribes to.
    case enabled
    /// It receives nothing until enabled again (by an operator, after a `410 Gone` or a long failure streak).
    case disabled
    /// Held by an operator: messages still make its deliveries, which wait without using any attempt, and are sent
    /// in order once it is resumed.
    case paused
}
