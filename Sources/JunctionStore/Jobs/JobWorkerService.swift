import Foundation
import JunctionCore
import Logging
import ServiceLifecycle
import Synchronization
import Tracing

/// A pool of workers for a set of job kinds, run as a service of the application's service group.
///
/// Each round leases a batch, runs the handlers concurrently (at most `concurrency` at once) while a heartbeat
/// keeps the leases alive, then completes the successes in one statement and records each failure. Idle, it
/// waits for a local enqueue, a PostgreSQL notification or the poll interval, whichever comes first. On graceful
/// shutdown it stops leasing, finishes the batch in hand and returns: in-flight work is drained, not dropped.
public final class JobWorkerService: Service {
    /// How the workers take and run jobs.
    public struct Configuration: Sendable {
        /// Jobs run at once.
        public var concurrency: Int = 16
        /// Jobs leased per round (at least `concurrency`, so a batch keeps every slot busy).
        public var batchSize: Int = 64
        /// How long a lease lasts without a heartbeat; a crashed worker's jobs return after this.
        public var leaseDuration: Duration = .seconds(30)
        /// Longest idle wait before looking for due work again (scheduled jobs, expired leases).
        public var pollInterval: Duration = .seconds(1)
        /// When failed jobs run again.
        public var retryPolicy = JobRetryPolicy()

        /// The default configuration.
        public init() {}
    }

    private let queue: JobQueue
    private let handlers: [String: any JobHandler]
    private let configuration: Configuration
    private let logger: Logger
    private let lastReap = Mutex<ContinuousClock.Instant?>(nil)

    /// Workers for the kinds in `handlers`.
    public init(queue: JobQueue, handlers: [String: any JobHandler], configuration: Configuration = .init(), logger: Logger) {
        self.queue = queue
        self.handlers = handlers
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let kinds = handlers.keys.sorted()
        guard !kinds.isEmpty else {
            // Nothing to work on yet, but a service that returns early would stop the whole group.
            try? await gracefulShutdown()
            return
        }
        let wakeUp = WakeSignal()
        queue.wakeUps.register(wakeUp)
        defer { queue.wakeUps.unregister(wakeUp) }
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let processed: Int
                do {
                    processed = try await runRound(kinds: kinds)
                } catch {
                    // A round cut short because the service was cancelled is not a failure worth an error line.
                    if !Task.isCancelled { logger.error("job round failed", metadata: ["error": "\(error)"]) }
                    processed = 0
                }
                if processed == 0 {
                    await wakeUp.wait(upTo: configuration.pollInterval)
                }
            }
        } onGracefulShutdown: {
            wakeUp.signal()
        }
    }

    /// Leases one batch and runs it to the end; returns how many jobs it held.
    func runRound(kinds: [String]) async throws -> Int {
        if reapIsDue(), try await queue.reapExpiredFinalAttempts() > 0 {
            logger.warning("jobs died after their final lease expired")
        }
        let jobs = try await queue.lease(
            kinds: kinds,
            limit: max(configuration.batchSize, configuration.concurrency),
            for: configuration.leaseDuration
        )
        guard !jobs.isEmpty else { return 0 }
        let outcomes = await withTaskGroup(of: Void.self, returning: [(LeasedJob, (any Error)?)].self) { group in
            group.addTask { await self.keepLeasesAlive(jobs) }
            let results = await runHandlers(jobs)
            group.cancelAll()
            return results
        }
        // Successes first, in one statement: a failure that cannot be recorded must not make finished jobs
        // run again when their leases expire.
        let succeeded = outcomes.compactMap { $0.1 == nil ? $0.0 : nil }
        let completed = try await queue.complete(succeeded)
        if completed.count < succeeded.count {
            logger.warning("completed jobs whose lease had expired", metadata: ["count": "\(succeeded.count - completed.count)"])
        }
        for case (let job, let error?) in outcomes {
            do {
                try await recordFailure(of: job, error: error)
            } catch {
                // The lease will expire and the job run again: the at-least-once promise holds.
                logger.error("could not record a job failure", metadata: ["job": "\(job.id)", "error": "\(error)"])
            }
        }
        return jobs.count
    }

    /// Reaping is a sweep, not per-job work: at most once a second, off the hot path of busy rounds.
    private func reapIsDue() -> Bool {
        lastReap.withLock { last in
            let now = ContinuousClock.now
            guard last.map({ now - $0 >= .seconds(1) }) ?? true else { return false }
            last = now
            return true
        }
    }

    private func runHandlers(_ jobs: [LeasedJob]) async -> [(LeasedJob, (any Error)?)] {
        await withTaskGroup(of: (LeasedJob, (any Error)?).self) { group in
            var results: [(LeasedJob, (any Error)?)] = []
            results.reserveCapacity(jobs.count)
            var pending = jobs.makeIterator()
            func startNext() -> Bool {
                guard let job = pending.next() else { return false }
                group.addTask {
                    guard let handler = self.handlers[job.kind] else {
                        return (job, JobError.permanent(reason: "no handler for job kind '\(job.kind)'"))
                    }
                    return await Self.traced(job) { try await handler.handle(job) }
                }
                return true
            }
            for _ in 0..<configuration.concurrency where !startNext() { break }
            while let result = await group.next() {
                results.append(result)
                _ = startNext()
            }
            return results
        }
    }

    /// Runs one job's handler in a span: a child of the span that enqueued it (so a request's trace continues
    /// through its jobs), or a new trace for a job nothing traced caused, such as a scheduled one.
    private static func traced(_ job: LeasedJob, _ body: () async throws -> Void) async -> (LeasedJob, (any Error)?) {
        await withSpan("job " + job.kind, context: job.trace?.serviceContext ?? .topLevel, ofKind: .consumer) { span in
            span.attributes["junction.job.id"] = job.id
            span.attributes["junction.job.kind"] = job.kind
            span.attributes["junction.job.attempt"] = job.attempt
            do {
                try await body()
                return (job, nil)
            } catch {
                span.recordError(error)
                span.setStatus(SpanStatus(code: .error))
                return (job, error)
            }
        }
    }

    private func keepLeasesAlive(_ jobs: [LeasedJob]) async {
        let interval = configuration.leaseDuration / 3
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
                _ = try await queue.heartbeat(jobs, extendBy: configuration.leaseDuration)
            } catch is CancellationError {
                return
            } catch {
                logger.warning("job heartbeat failed", metadata: ["error": "\(error)"])
            }
        }
    }

    private func recordFailure(of job: LeasedJob, error: any Error) async throws {
        var generator = SystemRandomNumberGenerator()
        let message: String
        let retryAt: Date
        switch error {
        case JobError.retry(let after, let reason):
            message = reason
            retryAt = Date().addingTimeInterval(Double(after.milliseconds) / 1000)
        case JobError.postpone(let after, _):
            try await queue.postpone(job, until: Date().addingTimeInterval(Double(after.milliseconds) / 1000))
            return
        case JobError.permanent(let reason):
            message = reason
            retryAt = Date()
            _ = try await queue.fail(job, error: message, retryAt: retryAt, forceDead: true)
            logger.error("job failed permanently", metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "reason": "\(reason)"])
            return
        default:
            message = (error as? any JunctionError)?.detail ?? String(describing: error)
            let delay = configuration.retryPolicy.delay(afterAttempt: job.attempt, using: &generator)
            retryAt = Date().addingTimeInterval(Double(delay.milliseconds) / 1000)
        }
        let outcome = try await queue.fail(job, error: message, retryAt: retryAt)
        logger.warning(
            "job attempt failed",
            metadata: ["job": "\(job.id)", "kind": "\(job.kind)", "attempt": "\(job.attempt)", "outcome": "\(outcome)"]
        )
    }
}
