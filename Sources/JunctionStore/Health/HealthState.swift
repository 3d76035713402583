/// How a connection's provider is doing for it, from the calls made through it, its probes and its credentials.
public enum HealthState: String, Sendable, CaseIterable, Codable {
    /// Calls succeed.
    case healthy
    /// Calls fail more than the integration tolerates, or the last probe failed.
    case degraded
    /// Calls mostly fail, or probes keep failing; its syncs pause until it recovers.
    case down
    /// The provider refused its credentials (`invalid_grant`): a person must authorize it again.
    case needsReauth = "needs_reauth"
    /// Monitoring is paused for it (`settings.health.paused`).
    case paused

    /// Whether syncs of a connection in this state wait.
    public var pausesSyncs: Bool { self == .down || self == .needsReauth }
}
