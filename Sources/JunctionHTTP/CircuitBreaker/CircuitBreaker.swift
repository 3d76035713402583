import Synchronization

/// The circuit breaker of one host: a ``CircuitBreakerStateMachine`` behind a lock, with the "closed" state
/// mirrored in an atomic so the common case, a healthy host, grants permission without taking the lock.
public final class CircuitBreaker: Sendable {
    private let machine: Mutex<CircuitBreakerStateMachine>
    private let closed = Atomic<Bool>(true)

    /// A closed breaker.
    public init(configuration: CircuitBreakerStateMachine.Configuration) {
        machine = Mutex(CircuitBreakerStateMachine(configuration: configuration))
    }

    /// Asks to send a request.
    public func permission(at now: ContinuousClock.Instant = .now) -> CircuitBreakerStateMachine.Permission {
        // A closed breaker always allows; its state only leaves `closed` in `record`, under the lock.
        if closed.load(ordering: .acquiring) { return .allowed }
        return update { $0.permission(at: now) }
    }

    /// Reports the outcome of a request that was allowed.
    public func record(success: Bool, at now: ContinuousClock.Instant = .now) {
        update { $0.record(success: success, at: now) }
    }

    /// The current state.
    public var state: CircuitBreakerStateMachine.State {
        machine.withLock { $0.state }
    }

    private func update<Result>(_ body: (inout CircuitBreakerStateMachine) -> Result) -> Result {
        machine.withLock { machine in
            let result = body(&machine)
            closed.store(machine.state == .closed, ordering: .releasing)
            return result
        }
    }
}
