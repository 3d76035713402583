import Synchronization

/// Shares one transaction (or one statement) among many concurrent callers.
///
/// A caller whose write must be durable before it answers (a webhook's 2xx, a delivery's attempt record) submits
/// its item and waits. One flush at a time takes everything submitted so far and hands it to `write`, which stores
/// the batch in a single transaction; then every waiting caller resumes with its own outcome. Reads batch the same
/// way (one `SELECT … WHERE id IN (…)` for many callers). While a flush runs, new items gather for the next one,
/// so under load batches grow and a commit's cost is shared, and when idle a lone item is flushed at once, with no
/// timer adding latency. Under sustained load a flush can wait a moment for company (``FlushGathering``).
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
    }

    private let maxBatch: Int
    private let write: Writer
    private let executor: (any TaskExecutor)?
    private let gathering: FlushGathering?
    private let state = Mutex(State())

    /// Batches of at most `maxBatch` items, stored by `write`. Flushes start on `executor` when given (the store's,
    /// ``Database/executor``), so a flush that is mostly store calls stays on one thread; `gathering` lets them wait
    /// for company under load.
    public init(maxBatch: Int, executor: (any TaskExecutor)? = nil, gathering: FlushGathering? = nil, write: @escaping Writer) {
        self.maxBatch = max(1, maxBatch)
        self.executor = executor
        self.gathering = gathering
        self.write = write
    }

    /// Stores `item` with whatever else is waiting, and returns its outcome once the batch is committed.
    public func submit(_ item: Item) async throws -> Outcome {
        try await withUnsafeThrowingContinuation { continuation in
            let leads = state.withLock { state in
                state.items.append(item)
                state.continuations.append(continuation)
                guard !state.flushing else { return false }
                state.flushing = true
                return true
            }
            // The flush runs in a task of its own: it serves every waiting caller, so it must not be cancelled with
            // the one caller (whose client may hang up) that happened to start it. High priority because every
            // waiter's latency is the flush's: queued behind request tasks, a flush took twice as long under load.
            if leads { Task(executorPreference: executor, priority: .high) { await self.flushUntilEmpty() } }
        }
    }

    private func flushUntilEmpty() async {
        var followsAnother = false
        while true {
            if followsAnother, let gathering, shouldGather(upTo: gathering.target) {
                // Never cancelled (see `submit`); a sleep cut short would only flush sooner.
                try? await Task.sleep(for: gathering.delay)
            }
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

    /// Whether some items wait, but fewer than `target`: other callers are active and the batch could grow.
    private func shouldGather(upTo target: Int) -> Bool {
        state.withLock { !$0.items.isEmpty && $0.items.count < target }
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

/// How a ``GroupCommit`` trades a little latency for larger batches under sustained load, as PostgreSQL's `commit_delay` does: a
/// flush that follows another while some items, but fewer than `target`, are waiting first waits `delay` for
/// more. A flush that starts from idle never waits, so a lone caller's latency is unchanged. Each flush has a
/// cost of its own (statements, a commit, the pages it writes), so fewer, larger flushes take less CPU per item.
public struct FlushGathering: Sendable {
    /// How long a following flush waits for more items.
    public var delay: Duration
    /// With this many items waiting, a flush does not wait.
    public var target: Int

    /// Waits of `delay` while fewer than `target` items wait.
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
