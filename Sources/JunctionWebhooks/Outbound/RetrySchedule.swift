/// When a failed delivery is tried again: the delays after each failed attempt, in seconds, with jitter.
///
/// The default follows Svix: immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h; eight attempts over
/// about 28 hours. An endpoint's `retrySchedule` replaces the delays.
public struct RetrySchedule: Sendable, Equatable {
    /// Seconds to wait after failed attempt 1, 2, …; the delivery is dead after `delays.count + 1` attempts.
    public let delays: [Int]
    /// Each delay is scaled by a random factor in `1 ± jitter`, so endpoints recovering together are not stampeded.
    public let jitter: Double

    /// The default schedule.
    public static let standard = RetrySchedule(delays: [5, 300, 1800, 7200, 18_000, 36_000, 36_000])!

    /// Longest single delay accepted: one week.
    public static let maximumDelay = 7 * 86_400

    /// A schedule, or `nil` when a delay is negative or longer than a week, or there are more than 20.
    public init?(delays: [Int], jitter: Double = 0.2) {
        guard delays.count <= 20, delays.allSatisfy({ (0...Self.maximumDelay).contains($0) }) else { return nil }
        self.delays = delays
        self.jitter = min(max(jitter, 0), 0.5)
    }

    /// Attempts a delivery gets in all.
    public var attempts: Int { delays.count + 1 }

    /// The wait after failed attempt number `attempt` (1-based), or `nil` when that was the last.
    public func delay(afterAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        let base = Double(delays[attempt - 1])
        let factor = jitter > 0 ? Double.random(in: (1 - jitter)...(1 + jitter), using: &generator) : 1
        return .milliseconds(Int64((base * factor * 1000).rounded()))
    }
}
