import NIOCore
import NIOPosix
import Tracing
import Synchronization

/// Shares one transaction (or one statement) among many concurrent callers.
///
/// A caller whose write must be durable before it answers (a webhook's 2xx, a delivery's attempt record) submits
/// its item and waits. One flush at a time takes everything submitted so far and hands it to `write`, which stores
/// the batch in a single transaction; then every waiting caller resumes with its own outcome. Reads batch the same
/// way (one `SELECT … WHERE id IN (…)` for many callers). While a flush runs, new items gather for the next one,
/// so under load batches grow and a commit's cost is shared, and when idle a lone item is flushed at once. Under
/// sustained load a flush can also wait a moment for company (``FlushGathering``).
public final class GroupCommit<Item: Sendable, Outcome: Sendable>: Sendable {
    /// Stores a batch in one transaction and returns each item's outcome, at its index.
    public typealias Writer = @Sendable ([Item]) async throws -> [Outcome]

    /// Resumed exactly once: every submitted item joins exactly one batch, and each batch resumes all of its
    /// continuations, with an outcome or with the write's error.
    private typealias Continuation = UnsafeContinuation<Outcome, any Error>

    /// Items and their callers side by side, so a batch hands its items to `write` without copying them out.
    private struct State {
        var items: [Item] = []
        var continuations: [Continuation] = []
        var flushing = false
        /// The flush waiting for company, resumed by the submission that reaches `target` or by its timer,
        /// whichever comes first; `generation` tells the timer whether the wait it was started for is still on.
        var gatherer: (continuation: UnsafeContinuation<Void, Never>, target: Int)?
        var generation = 0
        /// The most items seen waiting at once, halved (but not below what had gathered) when a wait runs out: a
        /// wait is only for as many as have been waiting, and only when they were many.
        var recentPeak = 0
    }

    private let maxBatch: Int
    private let write: Writer
    private let executor: (any TaskExecutor)?
    private let gathering: FlushGathering?
    /// Where a gathering wait's timer runs: an event loop's timers cost a heap entry on a loop that is awake anyway
    /// under load, where a task sleeping in Swift's executor cost a task and a wake-up of a dispatch timer thread for
    /// every flush (about 2% of ingest's CPU).
    private let timers: any EventLoop
    private let state = Mutex(State())

    /// Batches of at most `maxBatch` items, stored by `write`. Flushes start on `executor` when given (the store's,
    /// ``Database/executor``), so a flush that is mostly store calls stays on one thread; `gathering` lets them wait
    /// for company under load, timed on one of `timers`' event loops.
    public init(
        maxBatch: Int, executor: (any TaskExecutor)? = nil, gathering: FlushGathering? = nil,
        timers: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, write: @escaping Writer
    ) {
        self.maxBatch = max(1, maxBatch)
        self.executor = executor
        self.gathering = gathering
        self.timers = timers.next()
        self.write = write
    }

    /// How many submitted items wait for a flush, not counting the batch being written.
    public var waiting: Int { state.withLock { $0.items.count } }

    /// Stores `item` with whatever else is waiting, and returns its outcome once the batch is committed.
    public func submit(_ item: Item) async throws -> Outcome {
        try await withUnsafeThrowingContinuation { continuation in
            let (leads, gatherer) = state.withLock { state in
                state.items.append(item)
                state.continuations.append(continuation)
                state.recentPeak = max(state.recentPeak, state.items.count)
                var gatherer: UnsafeContinuation<Void, Never>?
                if let waiting = state.gatherer, state.items.count >= waiting.target {
                    gatherer = waiting.continuation
                    state.gatherer = nil
                }
                guard !state.flushing else { return (false, gatherer) }
                state.flushing = true
                return (true, gatherer)
            }
            gatherer?.resume()
            // The flush runs in a task of its own: it serves every waiting caller, so it must not be cancelled with
            // the one caller (whose client may hang up) that happened to start it. High priority because every
            // waiter's latency is the flush's: queued behind request tasks, a flush took twice as long under load.
            // Nor does it belong to that caller's trace: work it starts (a job) would otherwise join the trace of
            // whichever request led the batch, so each item carries its own trace context instead.
            if leads {
                Task(executorPreference: executor, priority: .high) {
                    await ServiceContext.$current.withValue(nil) { await self.flushUntilEmpty() }
                }
            }
        }
    }

    private func flushUntilEmpty() async {
        var followsAnother = false
        while true {
            if followsAnother, let gathering { await gather(gathering) }
            guard let (items, continuations) = nextBatch() else { return }
            followsAnother = true
            do {
                let outcomes = try await write(items)
                guard outcomes.count == items.count else {
                    throw GroupCommitError.outcomeCountMismatch(items: items.count, outcomes: outcomes.count)
                }
                for index in continuations.indices { continuations[index].resume(returning: outcomes[index]) }
            } catch {
                for continuation in continuations { continuation.resume(throwing: error) }
            }
        }
    }

    /// Whether a flush is waiting for company.
    var isGathering: Bool { state.withLock { $0.gatherer != nil } }

    /// When some items wait, but fewer than the target (other callers are active and the batch could grow), waits
    /// until the target is reached or the delay has passed. The target is at most the batch limit and at most the
    /// number lately seen waiting.
    private func gather(_ gathering: FlushGathering) async {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let generation: Int? = state.withLock { state in
                let target = min(gathering.target, maxBatch, state.recentPeak)
                // Only when many callers are active, as PostgreSQL's `commit_siblings` has it: a few gain little
                // from sharing a commit and lose throughput waiting for each other.
                let manyActive = state.recentPeak * 2 >= gathering.target
                guard manyActive, !state.items.isEmpty, state.items.count < target else { return nil }
                state.generation &+= 1
                state.gatherer = (continuation, target)
                return state.generation
            }
            guard let generation else { return continuation.resume() }
            // Never cancelled (cancelling from here would cost the loop a wake-up): a wait the target ended sooner
            // has a later generation, and the timer finds nothing to do.
            timers.scheduleTask(in: TimeAmount(gathering.delay)) { self.stopGathering(generation) }
        }
    }

    /// Resumes the flush waiting for company, unless a submission already did (or a later wait began).
    private func stopGathering(_ generation: Int) {
        let gatherer = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            guard state.generation == generation, let gatherer = state.gatherer else { return nil }
            state.gatherer = nil
            // The target was not reached in time: aim lower next time, by half at most, so a brief lull under
            // heavy load does not end gathering, and a few callers left after it stop being waited for.
            state.recentPeak = max(state.items.count, state.recentPeak / 2)
            return gatherer.continuation
        }
        gatherer?.resume()
    }

    /// Takes the waiting items (at most `maxBatch`), or ends the flush when there are none.
    private func nextBatch() -> (items: [Item], continuations: [Continuation])? {
        state.withLock { state in
            guard !state.items.isEmpty else {
                state.flushing = false
                return nil
            }
            guard state.items.count > maxBatch else {
                // The common case takes the arrays whole, without copying.
                defer {
                    state.items = []
                    state.continuations = []
                }
                return (state.items, state.continuations)
            }
            let batch = (Array(state.items.prefix(maxBatch)), Array(state.continuations.prefix(maxBatch)))
            state.items.removeFirst(maxBatch)
            state.continuations.removeFirst(maxBatch)
            return batch
        }
    }
}

/// How a ``GroupCommit`` trades a little latency for larger batches under sustained load, as PostgreSQL's
/// `commit_delay` does: a flush that follows another while some items, but fewer than `target`, are waiting first
/// waits for more, until `target` are waiting or `delay` has passed. It waits only when at least half the target has
/// been seen waiting at once (fewer callers gain little from sharing a commit and lose throughput waiting for each
/// other), and only for as many as were seen; a wait that runs out halves that figure. A flush that starts from idle
/// never waits, so a lone caller's latency is unchanged. Each flush has a cost of its own (statements, a commit, the
/// pages it writes), so fewer, larger flushes take less CPU per item.
public struct FlushGathering: Sendable {
    /// The longest a following flush waits for more items.
    public var delay: Duration
    /// With this many items waiting, a flush does not wait, or stops waiting.
    public var target: Int

    /// Waits of at most `delay`, ended as soon as `target` items wait.
    public init(delay: Duration, target: Int) {
        self.delay = delay
        self.target = target
    }
}

/// A group commit's writer broke its contract.
public enum GroupCommitError: Error, Sendable, CustomStringConvertible {
    /// The writer returned a different number of outcomes than it was given items.
    case outcomeCountMismatch(items: Int, outcomes: Int)

    public var description: String {
        switch self {
        case .outcomeCountMismatch(let items, let outcomes): "a batch of \(items) writes returned \(outcomes) outcomes"
        }
    }
}
