import Foundation
import JunctionCore

/// Work to be done later, durably: a kind (which handler runs it), a JSON payload and how to schedule it.
public struct JobRequest: Sendable, Equatable {
    /// The handler's name, such as `webhook.process` or `token.refresh`.
    public var kind: String
    /// The handler's input.
    public var payload: JSONValue
    /// At most one waiting or running job per kind holds this key; a second enqueue with it is a no-op.
    public var uniqueKey: String?
    /// Earliest time the job may run; `nil` means now.
    public var runAt: Date?
    /// Attempts before the job is dead; `nil` takes the queue's default.
    public var maxAttempts: Int?
    /// Overrides the kind's priority for this one job; higher runs first.
    public var priority: Int?
    /// The span that caused the job, whose child the job's run becomes. Defaults to the span of the task making the
    /// request; work gathered from many requests (a group commit's flush) names each item's own.
    public var trace: TraceContext?

    /// A job request.
    public init(
        kind: String,
        payload: JSONValue = .object([:]),
        uniqueKey: String? = nil,
        runAt: Date? = nil,
        maxAttempts: Int? = nil,
        priority: Int? = nil,
        trace: TraceContext? = .current
    ) {
        self.kind = kind
        self.payload = payload
        self.uniqueKey = uniqueKey
        self.runAt = runAt
        self.maxAttempts = maxAttempts
        self.priority = priority
        self.trace = trace
    }
}

/// What became of one enqueue.
public enum EnqueueOutcome: Sendable, Hashable {
    /// A new job with this id.
    case enqueued(id: Int64)
    /// A job with the same kind and unique key is already waiting or running; nothing was added.
    case duplicate
}

/// A job a worker holds under a lease. The lease token fences it: once the lease expires and another worker
/// takes the job, this holder's complete, fail and heartbeat calls no longer affect it.
public struct LeasedJob: Sendable, Equatable {
    /// The job's id.
    public let id: Int64
    /// The handler's name.
    public let kind: String
    /// The handler's input.
    public let payload: JSONValue
    /// The dedup key it was enqueued with.
    public let uniqueKey: String?
    /// Which attempt this is, starting at 1.
    public let attempt: Int
    /// The attempt after which a failure makes the job dead.
    public let maxAttempts: Int
    /// When the job was first enqueued.
    public let enqueuedAt: Date
    /// Proof of this lease; a new lease of the same job gets a new token.
    public let leaseToken: String
    /// The span that caused the job, if tracing was on when it was enqueued.
    public var trace: TraceContext? = nil

    /// Whether a failure now would be the last one.
    public var isFinalAttempt: Bool { attempt >= maxAttempts }
}

/// What became of a failed attempt.
public enum JobFailureOutcome: Sendable, Equatable {
    /// The job will run again at this time.
    case retryScheduled(Date)
    /// The job used its last attempt and is kept as dead for inspection.
    case dead
    /// The lease had already expired and another worker holds the job; this failure changed nothing.
    case leaseLost
}

/// Queue depth for one kind, for `/metrics` and `junction jobs stats`.
public struct JobKindStatistics: Sendable, Equatable {
    /// The job kind.
    public var kind: String
    /// Jobs waiting, whether due now or scheduled later.
    public var queued: Int
    /// Jobs under a lease.
    public var running: Int
    /// Jobs that used every attempt.
    public var dead: Int
    /// How long the oldest due, unleased job has waited; zero when none waits.
    public var oldestReadyAge: Duration

    /// Statistics for one kind.
    public init(kind: String, queued: Int, running: Int, dead: Int, oldestReadyAge: Duration) {
        self.kind = kind
        self.queued = queued
        self.running = running
        self.dead = dead
        self.oldestReadyAge = oldestReadyAge
    }
}
