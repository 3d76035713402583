import JunctionCore
/// A token bucket: `capacity` tokens, refilled at `ratePerSecond`. A request takes one token; when the bucket
/// is empty, ``take(at:)`` says how long until one is there. Pure state: the caller supplies the time.
public struct TokenBucket: Sendable, Equatable {
    /// Most tokens the bucket holds (the burst size).
    public let capacity: Double
    /// Tokens added per second.
    public let ratePerSecond: Double
    private(set) var tokens: Double
    private(set) var updatedAt: ContinuousClock.Instant

    /// A full bucket.
    public init(capacity: Double, ratePerSecond: Double, now: ContinuousClock.Instant) {
        self.capacity = max(1, capacity)
        self.ratePerSecond = max(ratePerSecond, 0.000_001)
        self.tokens = self.capacity
        self.updatedAt = now
    }

    /// Takes a token. Returns zero when one was available, otherwise the wait after which the token taken now
    /// (the bucket goes into debt, so waiters are served in order) becomes available.
    public mutating func take(at now: ContinuousClock.Instant) -> Duration {
        refill(at: now)
        tokens -= 1
        guard tokens < 0 else { return .zero }
        return .clampedSeconds(-tokens / ratePerSecond)
    }

    /// Takes a token if one is there and returns `nil`; otherwise leaves the bucket as it is and returns the wait
    /// until a token will be there. For admission control, where a refused request is not queued.
    public mutating func takeIfAvailable(at now: ContinuousClock.Instant) -> Duration? {
        refill(at: now)
        guard tokens < 1 else {
            tokens -= 1
            return nil
        }
        return .clampedSeconds((1 - tokens) / ratePerSecond)
    }

    /// Whether the bucket is full at `now`: it remembers nothing a new bucket would not, so it can be dropped.
    public func isFull(at now: ContinuousClock.Instant) -> Bool {
        var copy = self
        copy.refill(at: now)
        return copy.tokens >= capacity
    }

    /// Empties the bucket until `instant`, when a server says the quota is spent until then.
    public mutating func drain(until instant: ContinuousClock.Instant, now: ContinuousClock.Instant) {
        refill(at: now)
        let seconds = Double((instant - now).components.seconds) + Double((instant - now).components.attoseconds) / 1e18
        tokens = min(tokens, -seconds * ratePerSecond)
    }

    private mutating func refill(at now: ContinuousClock.Instant) {
        guard now > updatedAt else { return }
        let elapsed = now - updatedAt
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(capacity, tokens + seconds * ratePerSecond)
        updatedAt = now
    }
}
