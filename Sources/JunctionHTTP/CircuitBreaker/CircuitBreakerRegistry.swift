import Synchronization

/// One circuit breaker per upstream host, shared by every connection that calls it.
public final class CircuitBreakerRegistry: Sendable {
    private let breakers = Mutex<[String: CircuitBreakerStateMachine]>([:])
    private let configuration: CircuitBreakerStateMachine.Configuration

    /// A registry whose breakers use `configuration`.
    public init(configuration: CircuitBreakerStateMachine.Configuration = .init()) {
        self.configuration = configuration
    }

    /// Asks the breaker of `host` to let a request through.
    public func permission(host: String, at now: ContinuousClock.Instant = .now) -> CircuitBreakerStateMachine.Permission {
        breakers.withLock { breakers in
            breakers[host, default: CircuitBreakerStateMachine(configuration: configuration)].permission(at: now)
        }
    }

    /// Reports an outcome to the breaker of `host`.
    public func record(host: String, success: Bool, at now: ContinuousClock.Instant = .now) {
        breakers.withLock { breakers in
            breakers[host, default: CircuitBreakerStateMachine(configuration: configuration)].record(success: success, at: now)
        }
    }

    /// Every host's state, for `/metrics`.
    public var states: [String: CircuitBreakerStateMachine.State] {
        breakers.withLock { $0.mapValues(\.state) }
    }
}
