import Foundation
import JunctionCore

/// Runs jobs of one kind. Handlers must be idempotent: a job whose worker dies mid-run is run again.
public protocol JobHandler: Sendable {
    /// Does the job's work. Throwing schedules a retry (``JobRetryPolicy``), or a ``JobError`` chooses.
    func handle(_ job: LeasedJob) async throws
}

/// A handler made from a closure.
public struct ClosureJobHandler: JobHandler {
    let body: @Sendable (LeasedJob) async throws -> Void

    /// A handler that runs `body`.
    public init(_ body: @escaping @Sendable (LeasedJob) async throws -> Void) {
        self.body = body
    }

    public func handle(_ job: LeasedJob) async throws {
        try await body(job)
    }
}

/// What a handler throws to steer its job's retry.
public enum JobError: Error, Sendable {
    /// Retry no earlier than after this delay (e.g. a provider's `Retry-After`).
    case retry(after: Duration, reason: String)
    /// Retrying cannot help (bad payload, deleted connection): the job becomes dead now.
    case permanent(reason: String)
    /// The job cannot start yet (it waits its turn behind another): run it again after the delay, and do not
    /// count this run as an attempt.
    case postpone(after: Duration, reason: String)
}

/// When a failed job runs again: exponential backoff with full jitter, capped.
public struct JobRetryPolicy: Sendable {
    /// Delay before the second attempt, before jitter.
    public var baseDelay: Duration
    /// Longest delay between attempts.
    public var maximumDelay: Duration

    /// A retry policy.
    public init(baseDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(3600)) {
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    /// The delay after failed attempt number `attempt` (1-based): uniform in [0, min(max, base·2^(attempt-1))].
    public func delay(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let exponent = Double(min(max(attempt - 1, 0), 40))
        let ceiling = min(Double(maximumDelay.milliseconds), Double(baseDelay.milliseconds) * pow(2, exponent))
        return .milliseconds(Int64(Double.random(in: 0...max(ceiling, 0), using: &generator)))
    }
}
