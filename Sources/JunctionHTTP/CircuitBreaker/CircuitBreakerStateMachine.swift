/// A circuit breaker for one upstream host, as a pure state machine (the caller supplies the time).
///
/// - **closed**: requests flow; outcomes go into a sliding window of buckets. Once the window holds at least
///   `minimumVolume` outcomes and the failure rate reaches `failureRateThreshold`, the breaker opens.
/// - **open**: requests are refused for `coolDown`, so a failing host gets room to recover and callers fail fast.
/// - **halfOpen**: after the cool-down, `probeCount` probe requests go through; a success closes the breaker,
///   a failure opens it again for another cool-down.
public struct CircuitBreakerStateMachine: Sendable {
    /// The breaker's thresholds.
    public struct Configuration: Sendable, Equatable {
        /// Length of the sliding window.
        public var window: Duration
        /// Outcomes the window must hold before the failure rate counts.
        public var minimumVolume: Int
        /// Failure rate (0…1) that opens the breaker.
        public var failureRateThreshold: Double
        /// How long an open breaker refuses requests.
        public var coolDown: Duration
        /// Concurrent probes allowed while half-open.
        public var probeCount: Int

        /// A configuration; the defaults open after half of at least 20 requests in 30 s failed.
        public init(
            window: Duration = .seconds(30),
            minimumVolume: Int = 20,
            failureRateThreshold: Double = 0.5,
            coolDown: Duration = .seconds(15),
            probeCount: Int = 1
        ) {
            self.window = window
            self.minimumVolume = max(1, minimumVolume)
            self.failureRateThreshold = failureRateThreshold
            self.coolDown = coolDown
            self.probeCount = max(1, probeCount)
        }
    }

    /// The three states, for metrics and logs.
    public enum State: String, Sendable, Equatable {
        case closed
        case open
        case halfOpen = "half_open"

        /// The gauge value exported to `/metrics` (0 closed, 1 open, 2 half-open).
        public var gaugeValue: Double {
            switch self {
            case .closed: 0
            case .open: 1
            case .halfOpen: 2
            }
        }
    }

    /// Whether a request may go.
    public enum Permission: Sendable, Equatable {
        /// Go; report the outcome with ``record(success:at:)``.
        case allowed
        /// Go as the half-open probe; report the outcome.
        case probe
        /// Refused; the breaker may let requests through again after this long.
        case refused(retryAfter: Duration)
    }

    private struct Bucket {
        var start: ContinuousClock.Instant
        var successes = 0
        var failures = 0
    }

    /// The configuration in force.
    public let configuration: Configuration
    /// The current state.
    public private(set) var state: State = .closed
    private var buckets: [Bucket] = []
    /// Sums over `buckets`, kept in step so a request's outcome is judged without a pass over the window.
    private var windowSuccesses = 0
    private var windowFailures = 0
    private var openedAt: ContinuousClock.Instant?
    private var probesInFlight = 0
    private static let bucketCount = 10

    /// A closed breaker.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Asks to send a request at `now`.
    public mutating func permission(at now: ContinuousClock.Instant) -> Permission {
        switch state {
        case .closed:
            return .allowed
        case .open:
            let elapsed = now - (openedAt ?? now)
            guard elapsed >= configuration.coolDown else { return .refused(retryAfter: configuration.coolDown - elapsed) }
            state = .halfOpen
            probesInFlight = 1
            return .probe
        case .halfOpen:
            guard probesInFlight < configuration.probeCount else { return .refused(retryAfter: .milliseconds(100)) }
            probesInFlight += 1
            return .probe
        }
    }

    /// Reports the outcome of a request that was allowed at `now`.
    public mutating func record(success: Bool, at now: ContinuousClock.Instant) {
        switch state {
        case .halfOpen:
            probesInFlight = max(0, probesInFlight - 1)
            if success {
                state = .closed
                clearWindow()
                openedAt = nil
            } else {
                open(at: now)
            }
        case .open:
            // A request allowed before the breaker opened finished late; it changes nothing.
            return
        case .closed:
            add(success: success, at: now)
            // `add` dropped every bucket that left the window, so the running sums are the window's totals.
            let volume = windowSuccesses + windowFailures
            if volume >= configuration.minimumVolume,
                Double(windowFailures) / Double(volume) >= configuration.failureRateThreshold
            {
                open(at: now)
            }
        }
    }

    /// Successes and failures inside the window ending at `now`.
    public func totals(at now: ContinuousClock.Instant) -> (successes: Int, failures: Int) {
        var successes = 0
        var failures = 0
        for bucket in buckets where now - bucket.start < configuration.window {
            successes += bucket.successes
            failures += bucket.failures
        }
        return (successes, failures)
    }

    private mutating func open(at now: ContinuousClock.Instant) {
        state = .open
        openedAt = now
        probesInFlight = 0
        clearWindow()
    }

    private mutating func clearWindow() {
        buckets.removeAll()
        windowSuccesses = 0
        windowFailures = 0
    }

    private mutating func add(success: Bool, at now: ContinuousClock.Instant) {
        let width = configuration.window / Self.bucketCount
        let window = configuration.window
        // Buckets are in time order, so the expired ones are a prefix.
        if let oldest = buckets.first, now - oldest.start >= window {
            let expired = buckets.prefix { now - $0.start >= window }
            for bucket in expired {
                windowSuccesses -= bucket.successes
                windowFailures -= bucket.failures
            }
            buckets.removeFirst(expired.count)
        }
        if buckets.last.map({ now - $0.start >= width }) ?? true {
            buckets.append(Bucket(start: now))
        }
        if success {
            buckets[buckets.count - 1].successes += 1
            windowSuccesses += 1
        } else {
            buckets[buckets.count - 1].failures += 1
            windowFailures += 1
        }
    }
}
