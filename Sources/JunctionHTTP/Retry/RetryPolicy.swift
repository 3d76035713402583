import Foundation
import HTTPTypes

/// When and how often a failed request is tried again: exponential backoff with full jitter, capped in
/// attempts and in total time, and never sooner than a server's `Retry-After`.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included; 1 disables retries.
    public var maximumAttempts: Int
    /// The backoff ceiling before the second attempt; it doubles each attempt.
    public var baseDelay: Duration
    /// The largest backoff ceiling.
    public var maximumDelay: Duration
    /// No retry starts later than this after the first attempt began.
    public var maximumTotalTime: Duration
    /// Statuses worth retrying.
    public var retryableStatuses: Set<Int>
    /// Whether connection failures and timeouts are retried.
    public var retriesTransportErrors: Bool

    /// A policy; the defaults suit most provider APIs.
    public init(
        maximumAttempts: Int = 4,
        baseDelay: Duration = .milliseconds(250),
        maximumDelay: Duration = .seconds(20),
        maximumTotalTime: Duration = .seconds(60),
        retryableStatuses: Set<Int> = RetryPolicy.defaultRetryableStatuses,
        retriesTransportErrors: Bool = true
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.maximumTotalTime = maximumTotalTime
        self.retryableStatuses = retryableStatuses
        self.retriesTransportErrors = retriesTransportErrors
    }

    /// 408, 429 and the 5xx statuses that signal a passing condition.
    public static let defaultRetryableStatuses: Set<Int> = [408, 429, 500, 502, 503, 504]

    /// No retries at all.
    public static let none = RetryPolicy(maximumAttempts: 1)

    /// The full-jitter backoff after failed attempt `attempt` (1-based): uniform in [0, min(max, base·2^(attempt−1))].
    public func backoff(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = backoffCeiling(afterAttempt: attempt)
        guard ceiling > .zero else { return .zero }
        let nanoseconds = Double(ceiling.components.seconds) * 1e9 + Double(ceiling.components.attoseconds) / 1e9
        return .nanoseconds(Int64(Double.random(in: 0...nanoseconds, using: &generator)))
    }

    /// The upper bound of the jittered backoff after `attempt`.
    public func backoffCeiling(afterAttempt attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let scaled = baseDelay * (1 << exponent)
        return min(scaled, maximumDelay)
    }

    /// What to do after a failed attempt: wait this long and retry, or give up.
    ///
    /// - Parameters:
    ///   - attempt: the attempt that just failed (1-based).
    ///   - elapsed: time since the first attempt began.
    ///   - retryAfter: the server's `Retry-After`, which is honoured when it fits in the time budget.
    public func decision(
        afterAttempt attempt: Int,
        elapsed: Duration,
        retryAfter: Duration?,
        using generator: inout some RandomNumberGenerator
    ) -> RetryDecision {
        guard attempt < maximumAttempts else { return .giveUp(.attemptsExhausted) }
        let wait = retryAfter.map { max($0, .zero) } ?? backoff(afterAttempt: attempt, using: &generator)
        guard elapsed + wait <= maximumTotalTime else { return .giveUp(.timeBudgetExhausted) }
        return .retry(after: wait)
    }
}

/// The outcome of ``RetryPolicy/decision(afterAttempt:elapsed:retryAfter:using:)``.
public enum RetryDecision: Sendable, Equatable {
    /// Try again after this delay.
    case retry(after: Duration)
    /// Stop and report the last failure.
    case giveUp(Reason)

    /// Why retrying stopped.
    public enum Reason: Sendable, Equatable {
        /// Every allowed attempt was made.
        case attemptsExhausted
        /// The next wait would pass the total time budget.
        case timeBudgetExhausted
    }
}
