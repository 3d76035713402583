import Synchronization

/// One circuit breaker per upstream host, shared by every connection that calls it.
public final class CircuitBreakerRegistry: Sendable {
    private let breakers = Mutex<[String: CircuitBreaker]>([:])
    private let configuration: CircuitBreakerStateMachine.Configuration

    /// A registry whose breakers use `configuration`.
    public init(configuration: CircuitBreakerStateMachine.Configuration = .init()) {
        self.configuration = configuration
    }

    /// The breaker of `host`, created closed on first use. A call looks it up once and reports to it directly.
    public func breaker(host: String) -> CircuitBreaker {
        breakers.withLock { breakers in
            if let breaker = breakers[host] { return breaker }
            let breaker = CircuitBreaker(configuration: configuration)
            breakers[host] = breaker
            return breaker
        }
    }

    /// Asks the breaker of `host` to let a request through.
    public func permission(host: String, at now: ContinuousClock.Instant = .now) -> CircuitBreakerStateMachine.Permission {
        breaker(host: host).permission(at: now)
    }

    /// Reports an outcome to the breaker of `host`.
    public func record(host: String, success: Bool, at now: ContinuousClock.Instant = .now) {
        breaker(host: host).record(success: success, at: now)
    }

    /// Every host's state, for `/metrics`.
    public var states: [String: CircuitBreakerStateMachine.State] {
        breakers.withLock { $0 }.mapValues(\.state)
    }
}
