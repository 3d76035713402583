import Synchronization

/// A first-come, first-served async lock: one holder at a time, waiters resumed in order.
///
/// The SQLite driver shares one connection; statements of concurrent tasks must not land inside another
/// task's transaction, so every use of the connection passes this gate. A lock rather than an actor: taking a free
/// gate does not suspend and releasing it does not hop executors (an actor switches to its executor and back on
/// every store call).
final class SerialGate: Sendable {
    private struct State {
        var isHeld = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `body` holding the gate, after every caller that came first.
    func withGate<Result: Sendable>(_ body: @Sendable () async throws -> Result) async throws -> Result {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        let acquired = state.withLock { state in
            guard !state.isHeld else { return false }
            state.isHeld = true
            return true
        }
        if acquired { return }
        await withCheckedContinuation { continuation in
            // Released between the check above and now: take the gate at once instead of waiting for nobody.
            let acquiredNow = state.withLock { state in
                guard state.isHeld else {
                    state.isHeld = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if acquiredNow { continuation.resume() }
        }
    }

    /// Hands the gate to the longest waiter (it stays held) or frees it.
    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.isHeld = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
