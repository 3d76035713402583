/// Where an inbound event stands in processing.
public enum WebhookEventStatus: String, Sendable, Codable, CaseIterable {
    /// Committed to the inbox, waiting for (or being) processed.
    case received
    /// Every handler succeeded.
    case processed
    /// A handler failed; it is tried again.
    case failed
    /// It failed its last attempt; replay processes it again.
    case dead
}
