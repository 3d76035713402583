import Foundation
import Synchronization

/// Wakes this process's idle workers when a job is enqueued or rescheduled locally, so an idle worker does not
/// sleep out its poll interval while work waits. (Other processes learn of work through PostgreSQL NOTIFY.)
final class JobWakeUps: Sendable {
    private let signals = Mutex<[ObjectIdentifier: WakeSignal]>([:])

    func register(_ signal: WakeSignal) {
        signals.withLock { $0[ObjectIdentifier(signal)] = signal }
    }

    func unregister(_ signal: WakeSignal) {
        _ = signals.withLock { $0.removeValue(forKey: ObjectIdentifier(signal)) }
    }

    /// Wakes every registered worker.
    func signal() {
        for signal in signals.withLock({ Array($0.values) }) { signal.signal() }
    }
}

/// A one-waiter wake-up flag: ``signal()`` wakes the current ``wait(upTo:)``, or the next one if nobody waits.
final class WakeSignal: Sendable {
    private struct State {
        var isPending = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        var nextWaiterID: UInt64 = 0
    }

    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter.continuation
            }
            state.isPending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at the first signal (or one already pending) or after `timeout`.
    func wait(upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForSignal() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.isPending || Task.isCancelled {
                        state.isPending = false
                        return true
                    }
                    state.waiter = (id, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let waiter = state.waiter, waiter.id == id else { return nil }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume()
        }
    }
}
