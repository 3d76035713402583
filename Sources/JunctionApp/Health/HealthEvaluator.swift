import Foundation
import JunctionStore

/// Judges a connection's health from what is known of it: its settings, the calls made through it in the window
/// (all nodes), its probes, and its credentials' status. Pure, so every rule is tested without a clock or a server.
public enum HealthEvaluator {
    /// A judgement: the state, what caused it, and the facts for people.
    public struct Verdict: Sendable, Equatable {
        /// The state.
        public var state: HealthState
        /// `error_rate`, `probe`, `reauthorization`, `paused`; `nil` when healthy.
        public var cause: String?
        /// The facts.
        public var detail: String?

        /// A verdict.
        public init(state: HealthState, cause: String? = nil, detail: String? = nil) {
            (self.state, self.cause, self.detail) = (state, cause, detail)
        }
    }

    /// The connection's state: `paused` and `needs_reauth` first (they say why nothing else counts), then the worse of
    /// the window (with at least `minimumCalls` calls, its error rate against the thresholds) and the probes (one
    /// failure degrades, two in a row mean down).
    ///
    /// A connection `degraded` or `down` for its error rate recovers only on evidence: enough calls in the window
    /// under the thresholds, or a probe that succeeded since it went there. Calls that merely stopped (its syncs
    /// paused, its callers gave up) leave it where it is, or it would flap with the window.
    public static func evaluate(
        settings: HealthSettings, window: CallCounts, probeFailures: Int, lastProbeError: String?, connectionStatus: String,
        statusReason: String?, previous: ConnectionHealth? = nil
    ) -> Verdict {
        if settings.paused { return Verdict(state: .paused, cause: "paused", detail: "monitoring is paused (settings.health.paused)") }
        if connectionStatus == "reauthorization_required" {
            return Verdict(
                state: .needsReauth, cause: "reauthorization",
                detail: statusReason ?? "the provider refused the connection's credentials; authorize it again")
        }
        var verdict = Verdict(state: .healthy)
        if window.calls >= settings.minimumCalls {
            let rate = window.errorRate
            let facts =
                "\(window.errors) of \(window.calls) calls failed in the last \(describe(settings.window)) (\(Int((rate * 100).rounded()))%)"
            if rate >= settings.downErrorRate {
                verdict = Verdict(state: .down, cause: "error_rate", detail: facts)
            } else if rate >= settings.degradedErrorRate {
                verdict = Verdict(state: .degraded, cause: "error_rate", detail: facts)
            }
        }
        if verdict.state == .healthy, window.calls < settings.minimumCalls, let previous, previous.cause == "error_rate",
            previous.state == .degraded || previous.state == .down,
            !(previous.lastProbeSucceeded == true && (previous.lastProbeAt ?? .distantPast) > previous.since)
        {
            verdict = Verdict(
                state: previous.state, cause: "error_rate",
                detail: (previous.detail ?? "calls failed")
                    + "; too few calls since (\(window.calls) of \(settings.minimumCalls)) and no successful probe to say it recovered")
        }
        if probeFailures > 0, verdict.state != .down {
            let facts = "\(probeFailures) probe\(probeFailures == 1 ? "" : "s") in a row failed: \(lastProbeError ?? "no answer")"
            if probeFailures >= 2 {
                verdict = Verdict(state: .down, cause: "probe", detail: facts)
            } else if verdict.state == .healthy {
                verdict = Verdict(state: .degraded, cause: "probe", detail: facts)
            }
        }
        return verdict
    }

    /// `5m`, `90s`, `1h`.
    static func describe(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}
