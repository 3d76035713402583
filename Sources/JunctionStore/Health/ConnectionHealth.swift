import Foundation

/// A connection's health as stored: the state with its cause, and its probe's schedule and last outcome.
public struct ConnectionHealth: Sendable, Equatable {
    /// The connection.
    public var connectionID: String
    /// Its state.
    public var state: HealthState
    /// What put it there (`error_rate`, `probe`, `reauthorization`…), `nil` when healthy.
    public var cause: String?
    /// The facts behind the cause, for people.
    public var detail: String?
    /// Since when it has been in this state.
    public var since: Date
    /// When its next probe is due.
    public var nextProbeAt: Date?
    /// When it was last probed.
    public var lastProbeAt: Date?
    /// Whether that probe succeeded.
    public var lastProbeSucceeded: Bool?
    /// How long it took.
    public var lastProbeMilliseconds: Int?
    /// Why it failed.
    public var lastProbeError: String?
    /// Probes failed in a row.
    public var probeFailures: Int

    /// A health record.
    public init(
        connectionID: String, state: HealthState, cause: String? = nil, detail: String? = nil, since: Date, nextProbeAt: Date? = nil,
        lastProbeAt: Date? = nil, lastProbeSucceeded: Bool? = nil, lastProbeMilliseconds: Int? = nil, lastProbeError: String? = nil,
        probeFailures: Int = 0
    ) {
        (self.connectionID, self.state, self.cause, self.detail, self.since) = (connectionID, state, cause, detail, since)
        (self.nextProbeAt, self.lastProbeAt, self.lastProbeSucceeded) = (nextProbeAt, lastProbeAt, lastProbeSucceeded)
        (self.lastProbeMilliseconds, self.lastProbeError, self.probeFailures) = (lastProbeMilliseconds, lastProbeError, probeFailures)
    }
}

/// One change of a connection's health state.
public struct HealthTransition: Sendable, Equatable {
    /// `hev_…`, time-ordered.
    public var id: String
    /// The connection.
    public var connectionID: String
    /// The new state.
    public var state: HealthState
    /// The state before.
    public var previous: HealthState
    /// What caused it.
    public var cause: String?
    /// The facts behind it.
    public var detail: String?
    /// When.
    public var at: Date

    /// A transition.
    public init(id: String, connectionID: String, state: HealthState, previous: HealthState, cause: String?, detail: String?, at: Date) {
        (self.id, self.connectionID, self.state, self.previous, self.cause, self.detail, self.at) = (id, connectionID, state, previous, cause, detail, at)
    }

    /// The prefix of transition ids.
    public static let idPrefix = "hev"
}

/// Calls through a connection over a span of time, added up across nodes.
public struct CallCounts: Sendable, Equatable {
    /// Calls made.
    public var calls: Int = 0
    /// Calls that failed for the provider's reasons (5xx, timeouts, the network, an open circuit, refused credentials).
    public var errors: Int = 0
    /// Their summed latency.
    public var latencyMilliseconds: Int = 0

    /// Counts.
    public init(calls: Int = 0, errors: Int = 0, latencyMilliseconds: Int = 0) {
        (self.calls, self.errors, self.latencyMilliseconds) = (calls, errors, latencyMilliseconds)
    }

    /// The share of calls that failed (0 without calls).
    public var errorRate: Double { calls == 0 ? 0 : Double(errors) / Double(calls) }

    /// Adds `other`.
    public mutating func add(_ other: CallCounts) {
        calls += other.calls
        errors += other.errors
        latencyMilliseconds += other.latencyMilliseconds
    }
}
