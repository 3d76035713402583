import Foundation
import Logging
import Synchronization

/// Wakes this process's idle workers when work arrives: at once for jobs enqueued or rescheduled by this
/// process, and through one shared PostgreSQL LISTEN connection for jobs other nodes enqueue. The listener runs
/// while at least one worker is registered, so a process holds one listening connection however many worker
/// services it runs.
final class JobWakeUps: Sendable {
    private struct State {
        var signals: [ObjectIdentifier: WakeSignal] = [:]
        var listener: Task<Void, Never>?
    }

    private let state = Mutex(State())
    private let database: Database
    private let logger: Logger

    init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    func register(_ signal: WakeSignal) {
        state.withLock { state in
            state.signals[ObjectIdentifier(signal)] = signal
            if state.listener == nil, database.dialect == .postgres {
                state.listener = Task { [self] in await listenForOtherNodes() }
            }
        }
    }

    func unregister(_ signal: WakeSignal) {
        let listener = state.withLock { state -> Task<Void, Never>? in
            state.signals.removeValue(forKey: ObjectIdentifier(signal))
            guard state.signals.isEmpty else { return nil }
            defer { state.listener = nil }
            return state.listener
        }
        listener?.cancel()
    }

    /// Wakes every registered worker.
    func signal() {
        for signal in state.withLock({ Array($0.signals.values) }) { signal.signal() }
    }

    private func listenForOtherNodes() async {
        while !Task.isCancelled {
            do {
                guard let notifications = try await database.listen(channel: JobQueue.notificationChannel) else { return }
                for try await _ in notifications { signal() }
            } catch {
                if Task.isCancelled { return }
                logger.warning("job notification listener stopped; reconnecting", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
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
