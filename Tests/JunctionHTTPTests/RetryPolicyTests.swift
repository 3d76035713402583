import Foundation
import HTTPTypes
import JunctionCore
import JunctionHTTP
import Testing

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test("backoff ceilings double from the base and stop at the maximum")
    func ceilings() {
        let policy = RetryPolicy(maximumAttempts: 10, baseDelay: .milliseconds(100), maximumDelay: .seconds(1))
        #expect(
            (1...6).map { policy.backoffCeiling(afterAttempt: $0) } == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
            ])
    }

    @Test("full jitter spreads delays over the whole range and never past the ceiling")
    func jitter() {
        let policy = RetryPolicy(baseDelay: .milliseconds(100), maximumDelay: .seconds(10))
        var generator = SystemRandomNumberGenerator()
        let delays = (0..<2000).map { _ in policy.backoff(afterAttempt: 3, using: &generator) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= .milliseconds(400) })
        #expect(delays.contains { $0 < .milliseconds(40) })
        #expect(delays.contains { $0 > .milliseconds(360) })
    }

    @Test("retries stop at the attempt cap and at the time budget")
    func caps() {
        var generator = SystemRandomNumberGenerator()
        let policy = RetryPolicy(maximumAttempts: 3, baseDelay: .milliseconds(10), maximumTotalTime: .seconds(5))
        #expect(policy.decision(afterAttempt: 3, elapsed: .zero, retryAfter: nil, using: &generator) == .giveUp(.attemptsExhausted))
        guard case .retry = policy.decision(afterAttempt: 2, elapsed: .zero, retryAfter: nil, using: &generator) else {
            Issue.record("attempt 2 of 3 should retry")
            return
        }
        #expect(
            policy.decision(afterAttempt: 1, elapsed: .seconds(4), retryAfter: .seconds(2), using: &generator)
                == .giveUp(.timeBudgetExhausted))
        #expect(
            policy.decision(afterAttempt: 1, elapsed: .seconds(1), retryAfter: .seconds(2), using: &generator) == .retry(after: .seconds(2))
        )
        #expect(
            RetryPolicy.none.decision(afterAttempt: 1, elapsed: .zero, retryAfter: nil, using: &generator) == .giveUp(.attemptsExhausted))
    }

    @Test("Retry-After is read as seconds or as an HTTP-date")
    func retryAfter() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RetryAfter.delay(from: "120", now: now) == .seconds(120))
        #expect(RetryAfter.delay(from: "1.5", now: now) == .milliseconds(1500))
        #expect(RetryAfter.delay(from: "Tue, 14 Nov 2023 22:13:50 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.delay(from: "Tuesday, 14-Nov-23 22:13:50 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.delay(from: "Tue, 14 Nov 2023 22:00:00 GMT", now: now) == .zero)
        #expect(RetryAfter.delay(from: "soon", now: now) == nil)
        #expect(RetryAfter.delay(from: "-3", now: now) == nil)
        #expect(RetryAfter.delay(from: nil, now: now) == nil)
    }
}

@Suite("Rate limits")
struct RateLimitTests {
    @Test("a token bucket allows its burst, then paces at its rate")
    func tokenBucket() {
        let start = ContinuousClock.now
        var bucket = TokenBucket(capacity: 3, ratePerSecond: 10, now: start)
        #expect((0..<3).map { _ in bucket.take(at: start) } == [.zero, .zero, .zero])
        let fourth = bucket.take(at: start)
        #expect(fourth > .milliseconds(99) && fourth < .milliseconds(101))
        let fifth = bucket.take(at: start)
        #expect(fifth > .milliseconds(199) && fifth < .milliseconds(201))
        #expect(bucket.take(at: start + .seconds(2)) == .zero)
    }

    @Test("the limiter pauses a connection when its quota is spent")
    func pause() {
        let limiter = RateLimiter()
        let now = ContinuousClock.now
        #expect(limiter.reserve(key: "a", requestsPerSecond: nil, burst: 1, now: now) == .zero)
        limiter.pause(key: "a", for: .seconds(3), now: now)
        #expect(limiter.reserve(key: "a", requestsPerSecond: nil, burst: 1, now: now + .seconds(1)) == .seconds(2))
        #expect(limiter.reserve(key: "b", requestsPerSecond: nil, burst: 1, now: now) == .zero)
        #expect(limiter.reserve(key: "a", requestsPerSecond: nil, burst: 1, now: now + .seconds(4)) == .zero)
    }

    @Test("rate-limit headers of every convention are read")
    func hints() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(
            RateLimitHint.parse([.init("X-RateLimit-Remaining")!: "0", .init("X-RateLimit-Reset")!: "30"], now: now)
                == RateLimitHint(remaining: 0, limit: nil, resetAfter: .seconds(30)))
        #expect(
            RateLimitHint.parse([.init("X-RateLimit-Remaining")!: "5", .init("X-RateLimit-Reset")!: "1700000060"], now: now)?.resetAfter
                == .seconds(60))
        #expect(
            RateLimitHint.parse([.init("RateLimit")!: "limit=100, remaining=0, reset=7"], now: now)
                == RateLimitHint(remaining: 0, limit: 100, resetAfter: .seconds(7)))
        #expect(
            RateLimitHint.parse(
                [.init("RateLimit-Remaining")!: "2", .init("RateLimit-Limit")!: "60", .init("RateLimit-Reset")!: "9"], now: now)
                == RateLimitHint(remaining: 2, limit: 60, resetAfter: .seconds(9)))
        #expect(
            RateLimitHint.parse([.init("Sforce-Limit-Info")!: "api-usage=4990/5000"], now: now)
                == RateLimitHint(remaining: 10, limit: 5000, resetAfter: nil))
        #expect(RateLimitHint.parse([.contentType: "application/json"], now: now) == nil)
        #expect(try #require(RateLimitHint.parse([.init("X-RateLimit-Remaining")!: "1"], now: now)).isExhausted(reserve: 1))
    }
}

@Suite("Circuit breaker")
struct CircuitBreakerTests {
    static let configuration = CircuitBreakerStateMachine.Configuration(
        window: .seconds(10), minimumVolume: 4, failureRateThreshold: 0.5, coolDown: .seconds(5)
    )

    @Test("stays closed below the minimum volume, opens at the failure rate")
    func opens() {
        var breaker = CircuitBreakerStateMachine(configuration: Self.configuration)
        let t0 = ContinuousClock.now
        for _ in 0..<3 { breaker.record(success: false, at: t0) }
        #expect(breaker.state == .closed, "three outcomes are under the minimum volume")
        breaker.record(success: true, at: t0)
        #expect(breaker.state == .open, "three failures in four outcomes is over half")
        #expect(breaker.permission(at: t0 + .seconds(1)) == .refused(retryAfter: .seconds(4)))
    }

    @Test("a healthy failure rate keeps it closed, and old outcomes leave the window")
    func window() {
        var breaker = CircuitBreakerStateMachine(configuration: Self.configuration)
        let t0 = ContinuousClock.now
        for _ in 0..<3 { breaker.record(success: true, at: t0) }
        breaker.record(success: false, at: t0)
        #expect(breaker.state == .closed)
        // Eleven seconds later the earlier successes are out of the window; new failures alone count.
        for index in 0..<3 { breaker.record(success: false, at: t0 + .seconds(11) + .milliseconds(index)) }
        #expect(breaker.state == .closed, "three in-window outcomes are under the minimum volume")
        breaker.record(success: false, at: t0 + .seconds(11) + .milliseconds(5))
        #expect(breaker.state == .open)
    }

    @Test("after the cool-down one probe goes; success closes, failure reopens")
    func halfOpen() {
        var breaker = CircuitBreakerStateMachine(configuration: Self.configuration)
        let t0 = ContinuousClock.now
        for _ in 0..<4 { breaker.record(success: false, at: t0) }
        #expect(breaker.state == .open)
        #expect(breaker.permission(at: t0 + .seconds(5)) == .probe)
        #expect(breaker.state == .halfOpen)
        guard case .refused = breaker.permission(at: t0 + .seconds(5)) else {
            Issue.record("a second request during the probe must be refused")
            return
        }
        breaker.record(success: false, at: t0 + .seconds(6))
        #expect(breaker.state == .open)
        #expect(breaker.permission(at: t0 + .seconds(8)) == .refused(retryAfter: .seconds(3)))
        #expect(breaker.permission(at: t0 + .seconds(11)) == .probe)
        breaker.record(success: true, at: t0 + .seconds(11))
        #expect(breaker.state == .closed)
        #expect(breaker.permission(at: t0 + .seconds(11)) == .allowed)
        #expect(breaker.totals(at: t0 + .seconds(11)) == (0, 0))
    }
}

@Suite("Client policy from connection settings")
struct ClientPolicySettingsTests {
    @Test("settings.client overrides the defaults and ignores values of the wrong type")
    func overrides() throws {
        let settings = try JSONValue.parse(
            #"{"client": {"maxAttempts": 6, "baseDelayMs": 50, "maxDelayMs": 2000, "totalTimeoutSeconds": 9, "requestTimeoutSeconds": 4,"#
                + #" "retryOn": [429], "retryTransportErrors": false, "requestsPerSecond": 12.5, "burst": 3, "idempotencyKeyHeader": null, "rateLimitReserve": "x"}}"#
        )
        let policy = ClientPolicy(settings: settings)
        #expect(policy.retry.maximumAttempts == 6)
        #expect(policy.retry.baseDelay == .milliseconds(50))
        #expect(policy.retry.maximumDelay == .seconds(2))
        #expect(policy.retry.maximumTotalTime == .seconds(9))
        #expect(policy.requestTimeout == .seconds(4))
        #expect(policy.retry.retryableStatuses == [429])
        #expect(policy.retry.retriesTransportErrors == false)
        #expect(policy.requestsPerSecond == 12.5)
        #expect(policy.burst == 3)
        #expect(policy.idempotencyKeyHeader == nil)
        #expect(policy.rateLimitReserve == 0, "a string is ignored")
        #expect(ClientPolicy(settings: ["baseURL": "x"]) == ClientPolicy())
    }
}
