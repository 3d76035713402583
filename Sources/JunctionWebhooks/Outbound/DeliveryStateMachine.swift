import Foundation

/// What one run of a delivery job does, decided without I/O: whether to send at all, and after the attempt, what
/// the delivery and its endpoint become. ``WebhookDeliverer`` does the reading, sending and writing around it.
///
/// The rules, in the order they apply:
/// - a delivery that is no longer pending is left alone (delivered already, failed by hand, endpoint deleted);
/// - a disabled endpoint's delivery fails without an attempt;
/// - a paused endpoint's delivery waits without using an attempt (resuming makes it due at once);
/// - on an ordered endpoint, a delivery that is not the oldest pending one waits behind it (no attempt used);
/// - 2xx: delivered, and the endpoint's failure streak ends;
/// - `410 Gone`: the delivery fails and the endpoint is disabled;
/// - anything else: retried after the schedule's next delay, or the endpoint's `Retry-After` if longer (up to a
///   bound); after the schedule's last attempt the delivery fails (a dead letter);
/// - an endpoint whose deliveries have all failed for `disableAfter` is disabled, and a delivery that would
///   otherwise be retried fails with it.
public struct DeliveryStateMachine: Sendable, Equatable {
    /// The machine's limits.
    public struct Limits: Sendable, Equatable {
        /// An endpoint failing this long without one success is disabled.
        public var disableAfter: Duration
        /// Longest `Retry-After` honoured, so an endpoint cannot park a delivery forever.
        public var maximumRetryAfter: Duration

        /// Limits: five days of failures, one day of `Retry-After` by default.
        public init(disableAfter: Duration = .seconds(5 * 86_400), maximumRetryAfter: Duration = .seconds(86_400)) {
            self.disableAfter = disableAfter
            self.maximumRetryAfter = maximumRetryAfter
        }
    }

    /// What the deliverer does before sending.
    public enum Admission: Sendable, Equatable {
        /// Nothing: the delivery is settled.
        case skip
        /// Fail the delivery without an attempt, for this reason.
        case fail(reason: String)
        /// Try again after this long without using an attempt: an earlier delivery to an ordered endpoint goes first.
        case waitBehind(deliveryID: String, recheckAfter: Duration)
        /// Try again after this long without using an attempt: the endpoint is paused.
        case hold(recheckAfter: Duration)
        /// Make the attempt.
        case send
    }

    /// What an attempt came back with.
    public enum AttemptResult: Sendable, Equatable {
        /// The endpoint answered with this status, and perhaps a `Retry-After`.
        case answered(status: Int, retryAfter: Duration?)
        /// No answer: connection refused, timed out, or the request could not be made.
        case unreachable(error: String)
    }

    /// What the delivery becomes after an attempt, to be recorded with the attempt.
    public enum Verdict: Sendable, Equatable {
        /// Delivered.
        case delivered
        /// The endpoint is gone (410): the delivery fails and the endpoint is disabled for this reason.
        case gone(disableReason: String)
        /// Out of attempts: a dead letter.
        case exhausted
        /// Try again after this long.
        case retry(after: Duration)

        /// The delivery's status to record.
        public var status: DeliveryStatus {
            switch self {
            case .delivered: .succeeded
            case .gone, .exhausted: .failed
            case .retry: .pending
            }
        }
    }

    /// What follows once the attempt is recorded and the endpoint's failure streak is known.
    public enum FollowUp: Sendable, Equatable {
        /// Nothing more: a retry stays scheduled, or the delivery is settled.
        case none
        /// Disable the endpoint for this reason.
        case disableEndpoint(reason: String)
        /// Fail the (still pending) delivery, then disable the endpoint, both for these reasons.
        case failAndDisable(deliveryReason: String, endpointReason: String)
    }

    /// The limits it applies.
    public let limits: Limits

    /// A machine with these limits.
    public init(limits: Limits = .init()) {
        self.limits = limits
    }

    /// Whether a delivery in `delivery` state to an endpoint in `endpoint` state is sent; `head` is the oldest pending
    /// delivery of an ordered endpoint (and when it is next due), `nil` when the endpoint is not ordered.
    public func admit(
        deliveryID: String,
        delivery: DeliveryStatus?,
        endpoint: EndpointStatus,
        disabledReason: String?,
        head: (id: String, dueIn: Duration?)?
    ) -> Admission {
        guard delivery == .pending else { return .skip }
        switch endpoint {
        case .disabled: return .fail(reason: "the endpoint is disabled: \(disabledReason ?? "by an operator")")
        // Resuming makes held deliveries due at once; the recheck only matters if that hand-over was lost to a crash.
        case .paused: return .hold(recheckAfter: .seconds(60))
        case .enabled: break
        }
        if let head, head.id != deliveryID {
            // The one ahead makes the next due as soon as it settles; until then look again when it is next due, and
            // at least once a minute in case that hand-over was lost to a crash.
            let recheck = min(max(head.dueIn ?? .zero, .milliseconds(200)), .seconds(60))
            return .waitBehind(deliveryID: head.id, recheckAfter: recheck)
        }
        return .send
    }

    /// What attempt number `attempt` (1-based) makes of the delivery; `scheduledDelay` is the schedule's wait after
    /// it (`nil` when it was the last), `now` names the time in a 410's reason.
    public func verdict(on result: AttemptResult, scheduledDelay: Duration?, now: Date) -> Verdict {
        var retryAfter: Duration? = nil
        if case .answered(let status, let after) = result {
            if (200..<300).contains(status) { return .delivered }
            if status == 410 { return .gone(disableReason: "the endpoint answered 410 Gone at \(now.formatted(.iso8601))") }
            retryAfter = after
        }
        guard let scheduledDelay else { return .exhausted }
        return .retry(after: max(scheduledDelay, min(retryAfter ?? .zero, limits.maximumRetryAfter)))
    }

    /// What follows `verdict` once recorded, given since when every delivery to the endpoint has failed (`nil` when
    /// the last one succeeded).
    public func followUp(after verdict: Verdict, failingSince: Date?, now: Date) -> FollowUp {
        switch verdict {
        case .delivered, .gone:
            return .none
        case .exhausted, .retry:
            guard let failingSince, now.timeIntervalSince(failingSince) >= limits.disableAfter.seconds else { return .none }
            let reason = "every delivery failed since \(failingSince.formatted(.iso8601))"
            if case .exhausted = verdict { return .disableEndpoint(reason: reason) }
            return .failAndDisable(
                deliveryReason: "the endpoint has failed for \(Self.describe(limits.disableAfter)) and is now disabled",
                endpointReason: reason)
        }
    }

    /// A span in the largest whole unit that fits: "5 days", "36 hours", "90 seconds".
    static func describe(_ duration: Duration) -> String {
        let seconds = Int(duration.components.seconds)
        for (unit, size) in [("day", 86_400), ("hour", 3_600), ("minute", 60)] where seconds >= size && seconds % size == 0 {
            let count = seconds / size
            return "\(count) \(unit)\(count == 1 ? "" : "s")"
        }
        return "\(seconds) second\(seconds == 1 ? "" : "s")"
    }
}

extension Duration {
    /// The span in seconds, as a `TimeInterval`.
    fileprivate var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
