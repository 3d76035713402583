/// How the client treats one connection's calls: retries, time limits, rate limit and idempotency.
public struct ClientPolicy: Sendable, Equatable {
    /// When and how often to retry.
    public var retry: RetryPolicy
    /// Limit for one attempt, from sending the request to the response head. A response that then stalls
    /// mid-body fails after the connection pool's read timeout (``APIClient/makeHTTPClient(connectTimeout:readTimeout:)``).
    public var requestTimeout: Duration
    /// Requests per second allowed to this connection (token bucket), or `nil` for no limit.
    public var requestsPerSecond: Double?
    /// The token bucket's burst size.
    public var burst: Int
    /// The header carrying an idempotency key on retried non-idempotent requests (`Idempotency-Key` for
    /// Stripe), or `nil` when the provider has none, in which case POST and PATCH are only retried when the
    /// request surely did not reach it (connection refused, 429).
    public var idempotencyKeyHeader: String?
    /// Pause before a 429 when a response says no more than this many requests remain.
    public var rateLimitReserve: Int

    /// A policy.
    public init(
        retry: RetryPolicy = RetryPolicy(),
        requestTimeout: Duration = .seconds(30),
        requestsPerSecond: Double? = nil,
        burst: Int = 10,
        idempotencyKeyHeader: String? = "Idempotency-Key",
        rateLimitReserve: Int = 0
    ) {
        self.retry = retry
        self.requestTimeout = requestTimeout
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
        self.idempotencyKeyHeader = idempotencyKeyHeader
        self.rateLimitReserve = rateLimitReserve
    }
}
