import Synchronization

/// Admission control for inbound traffic: one token bucket per key (a connection, a source address), and a request
/// finding its bucket empty is refused with the wait until it would not be, for a `Retry-After`.
///
/// Memory is bounded: past `maximumKeys`, buckets that have refilled completely (and so remember nothing) are
/// dropped, and if all of them are still busy all but the current one are: a flood from many addresses cannot grow it
/// without end (at worst it forgets some limits for a moment).
public final class AdmissionLimiter: Sendable {
    private let buckets = Mutex<[String: TokenBucket]>([:])
    private let maximumKeys: Int

    /// A limiter remembering at most `maximumKeys` buckets.
    public init(maximumKeys: Int = 10_000) {
        self.maximumKeys = max(1, maximumKeys)
    }

    /// Admits one request for `key` under `ratePerSecond` (bursts of `burst`): `nil` when admitted, otherwise how
    /// long until it would be.
    public func admit(key: String, ratePerSecond: Double, burst: Int, now: ContinuousClock.Instant = .now) -> Duration? {
        buckets.withLock { buckets in
            // Updated in place: one hash of the key per request.
            let wait = Self.take(
                from: &buckets[key, default: TokenBucket(capacity: Double(burst), ratePerSecond: ratePerSecond, now: now)],
                ratePerSecond: ratePerSecond, burst: burst, now: now
            )
            if buckets.count > maximumKeys {
                let kept = buckets[key]
                buckets = buckets.filter { !$0.value.isFull(at: now) }
                if buckets.count > maximumKeys, let kept { buckets = [key: kept] }
            }
            return wait
        }
    }

    /// Takes a token from `bucket`, started afresh when its limits changed since it was made.
    private static func take(
        from bucket: inout TokenBucket, ratePerSecond: Double, burst: Int, now: ContinuousClock.Instant
    ) -> Duration? {
        if bucket.ratePerSecond != ratePerSecond || bucket.capacity != Double(max(1, burst)) {
            bucket = TokenBucket(capacity: Double(burst), ratePerSecond: ratePerSecond, now: now)
        }
        return bucket.takeIfAvailable(at: now)
    }
}
