import JunctionCore

extension ClientPolicy {
    /// A connection's policy from its `settings.client`, over `defaults`:
    ///
    ///     "client": {"maxAttempts": 5, "baseDelayMs": 200, "maxDelayMs": 10000, "totalTimeoutSeconds": 60,
    ///                "requestTimeoutSeconds": 20, "retryOn": [429, 503], "retryTransportErrors": true,
    ///                "requestsPerSecond": 25, "burst": 50, "idempotencyKeyHeader": "Idempotency-Key",
    ///                "rateLimitReserve": 2}
    ///
    /// Values of the wrong type are ignored rather than fatal: a connection keeps working on its defaults.
    public init(settings: JSONValue, defaults: ClientPolicy = ClientPolicy()) {
        self = defaults
        guard let client = settings["client"]?.objectValue else { return }
        func number(_ key: String) -> Double? {
            if case .number(let value) = client[key], value.isFinite, value >= 0 { return value }
            return nil
        }
        if let attempts = number("maxAttempts") { retry.maximumAttempts = max(1, Int(min(attempts, 100))) }
        if let base = number("baseDelayMs") { retry.baseDelay = .clampedSeconds(base / 1000, maximum: 3600) }
        if let maximum = number("maxDelayMs") { retry.maximumDelay = .clampedSeconds(maximum / 1000, maximum: 86_400) }
        if let total = number("totalTimeoutSeconds") { retry.maximumTotalTime = .clampedSeconds(total, maximum: 86_400) }
        if let timeout = number("requestTimeoutSeconds"), timeout > 0 { requestTimeout = .clampedSeconds(timeout, maximum: 3600) }
        if case .array(let statuses) = client["retryOn"] {
            retry.retryableStatuses = Set(
                statuses.compactMap { value in
                    if case .number(let status) = value, (100...599).contains(status) { return Int(status) }
                    return nil
                })
        }
        if case .bool(let transport) = client["retryTransportErrors"] { retry.retriesTransportErrors = transport }
        if let rate = number("requestsPerSecond"), rate > 0 { requestsPerSecond = rate }
        if let burst = number("burst"), burst >= 1 { self.burst = Int(min(burst, 1_000_000)) }
        if client["idempotencyKeyHeader"] == .null { idempotencyKeyHeader = nil }
        if let header = client["idempotencyKeyHeader"]?.stringValue { idempotencyKeyHeader = header }
        if let reserve = number("rateLimitReserve") { rateLimitReserve = Int(min(reserve, 1_000_000)) }
    }
}
