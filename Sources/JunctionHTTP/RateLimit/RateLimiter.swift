import Synchronization

/// Paces requests per connection: a token bucket for the configured rate, and a pause when a provider's
/// headers say the quota is spent (so the client slows down before it is answered 429).
public final class RateLimiter: Sendable {
    private struct Entry {
        var bucket: TokenBucket?
        var pausedUntil: ContinuousClock.Instant?
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// Set once any key has a bucket or a pause (entries are never removed), so calls on an unlimited
    /// connection skip the lock entirely until then.
    private let hasEntries = Atomic<Bool>(false)

    /// A rate limiter with no buckets yet.
    public init() {}

    /// How long the caller must wait before sending for `key`, taking a token now. Zero means go.
    public func reserve(key: String, requestsPerSecond: Double?, burst: Int, now: ContinuousClock.Instant = .now) -> Duration {
        if requestsPerSecond == nil, !hasEntries.load(ordering: .acquiring) { return .zero }
        return entries.withLock { entries in
            // The common case, no limit configured and no pause: nothing to record.
            guard requestsPerSecond != nil || entries[key] != nil else { return .zero }
            var entry = entries[key] ?? Entry()
            var wait = Duration.zero
            if let pausedUntil = entry.pausedUntil {
                if pausedUntil > now { wait = pausedUntil - now } else { entry.pausedUntil = nil }
            }
            if let rate = requestsPerSecond {
                if entry.bucket == nil || entry.bucket?.ratePerSecond != rate {
                    entry.bucket = TokenBucket(capacity: Double(burst), ratePerSecond: rate, now: now)
                }
                wait = max(wait, entry.bucket?.take(at: now + wait) ?? .zero)
            }
            entries[key] = entry
            hasEntries.store(true, ordering: .releasing)
            return wait
        }
    }

    /// Stops requests for `key` until `now + duration` (a spent quota, a 429's `Retry-After`).
    public func pause(key: String, for duration: Duration, now: ContinuousClock.Instant = .now) {
        guard duration > .zero else { return }
        entries.withLock { entries in
            let until = now + duration
            var entry = entries[key] ?? Entry()
            entry.pausedUntil = max(entry.pausedUntil ?? until, until)
            entries[key] = entry
            hasEntries.store(true, ordering: .releasing)
        }
    }
}
