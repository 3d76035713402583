import AsyncHTTPClient
import Foundation
import HTTPTypes
import JunctionCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Tracing

/// The one resilient HTTP client every connector uses. Over a shared AsyncHTTPClient (pooled connections,
/// HTTP/1.1 and HTTP/2) it adds, per call: pacing by the connection's token bucket and the provider's own
/// rate-limit headers, a per-host circuit breaker, retries with full-jitter backoff that honour `Retry-After`,
/// an idempotency key so a retried POST never creates twice, a per-attempt timeout and a total time budget,
/// provider error bodies mapped into ``APIError``, and logs with every secret redacted.
public final class APIClient: Sendable {
    /// Limits that apply to every call.
    public struct Configuration: Sendable {
        /// Largest response body collected in memory.
        public var maximumResponseBytes: Int = 32 * 1024 * 1024
        /// When set, the only hosts provider calls may go to (an egress allow-list, lower-case): a call to any
        /// other host fails before a connection is made. `nil` allows every host.
        public var allowedHosts: Set<String>?

        /// The default configuration; `allowedHosts` restricts where calls may go.
        public init(allowedHosts: Set<String>? = nil) {
            self.allowedHosts = allowedHosts
        }
    }

    /// The underlying client.
    public let httpClient: HTTPClient
    /// Circuit breakers by host.
    public let breakers: CircuitBreakerRegistry
    /// Token buckets and pauses by connection.
    public let rateLimiter: RateLimiter
    private let configuration: Configuration
    private let logger: Logger
    private let redactor = Redactor()
    private let sleep: @Sendable (Duration) async throws -> Void

    /// The process-wide connection pool behind every ``APIClient`` that is not given its own.
    public static let sharedHTTPClient = makeHTTPClient()

    /// A connection pool configured for provider calls. Unlike `HTTPClient.shared` it fails a refused
    /// connection at once (the client's retry policy decides what happens next, instead of the pool retrying
    /// silently until the deadline) and never follows redirects (a redirect to another host must not carry the
    /// connection's credentials). `readTimeout` bounds how long a response may stall mid-body.
    public static func makeHTTPClient(connectTimeout: Duration = .seconds(10), readTimeout: Duration = .seconds(30)) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .nanoseconds(connectTimeout.nanoseconds), read: .nanoseconds(readTimeout.nanoseconds)),
            decompression: .disabled
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        configuration.httpVersion = .automatic
        OutboundTracing.disableBuiltInTracing(&configuration)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// A client. `sleep` is injectable so tests of long backoffs run instantly.
    public init(
        httpClient: HTTPClient = APIClient.sharedHTTPClient,
        breakers: CircuitBreakerRegistry = CircuitBreakerRegistry(),
        rateLimiter: RateLimiter = RateLimiter(),
        configuration: Configuration = .init(),
        logger: Logger = Logger(label: "junction.http"),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.httpClient = httpClient
        self.breakers = breakers
        self.rateLimiter = rateLimiter
        self.configuration = configuration
        self.logger = logger
        self.sleep = sleep
    }

    /// Sends `request` under `policy`, retrying as the policy allows. Throws ``APIError``. When the host's
    /// circuit is open, `fallback` (for instance, the last good response) answers instead, if given.
    public func execute(
        _ request: APIRequest,
        policy: ClientPolicy = ClientPolicy(),
        fallback: (@Sendable (APIError) async throws -> APIResponse)? = nil
    ) async throws -> APIResponse {
        let outcome = try await perform(
            request,
            policy: policy,
            send: { request, attempt in try await self.send(request, timeout: policy.requestTimeout, attempt: attempt) },
            errorBody: { $0 }
        )
        switch outcome {
        case .answered(let answer, let attempt):
            return APIResponse(status: answer.status, headers: answer.headers, body: answer.body, attempt: attempt)
        case .circuitOpen(let error):
            guard let fallback else { throw error }
            return try await fallback(error)
        }
    }

    /// Like ``execute(_:policy:fallback:)``, but hands back the body as it arrives instead of collecting it:
    /// for the proxy and for large downloads. Retries happen only before a successful head arrives; once the
    /// body streams, the caller owns it. Error answers (4xx/5xx) are still mapped, with their body read.
    ///
    /// With `passingErrorsThrough`, a provider's final error answer is returned as it came (status, headers and
    /// body) instead of thrown, as a proxy needs; failures to reach the provider are still thrown.
    public func stream(
        _ request: APIRequest,
        policy: ClientPolicy = ClientPolicy(),
        passingErrorsThrough: Bool = false
    ) async throws -> APIStreamingResponse {
        var replay: (@Sendable (Data) -> HTTPClientResponse.Body)?
        if passingErrorsThrough {
            replay = { data in HTTPClientResponse.Body.bytes(ByteBuffer(bytes: data)) }
        }
        let send: @Sendable (APIRequest, Int) async throws -> Answer<HTTPClientResponse.Body> = { request, attempt in
            let response = try await self.httpClient.execute(
                self.outbound(request, attempt: attempt), timeout: .nanoseconds(Int64(policy.requestTimeout.nanoseconds))
            )
            return Answer(status: Int(response.status.code), headers: ResponseHeaders(wire: response.headers), body: response.body)
        }
        let readErrorBody: @Sendable (HTTPClientResponse.Body) async -> Data = { body in
            guard let buffer = try? await body.collect(upTo: 256 * 1024) else { return Data() }
            return Data(buffer.readableBytesView)
        }
        let outcome = try await perform(request, policy: policy, passErrorsThrough: replay, send: send, errorBody: readErrorBody)
        switch outcome {
        case .answered(let answer, let attempt):
            return APIStreamingResponse(status: answer.status, headers: answer.headers, body: answer.body, attempt: attempt)
        case .circuitOpen(let error):
            throw error
        }
    }

    /// One attempt's answer: the head, and the body in whatever form the caller asked for.
    struct Answer<Body: Sendable>: Sendable {
        var status: Int
        var headers: ResponseHeaders
        var body: Body
    }

    enum Outcome<Body: Sendable>: Sendable {
        case answered(Answer<Body>, attempt: Int)
        case circuitOpen(APIError)
    }

    /// The attempt loop shared by ``execute(_:policy:fallback:)`` and ``stream(_:policy:)``: pacing, breaker,
    /// idempotency key, classification, retry decisions and logs.
    private func perform<Body: Sendable>(
        _ request: APIRequest,
        policy: ClientPolicy,
        passErrorsThrough: (@Sendable (Data) -> Body)? = nil,
        send: (APIRequest, Int) async throws -> Answer<Body>,
        errorBody: @Sendable (Body) async -> Data
    ) async throws -> Outcome<Body> {
        var request = request
        var replayable = request.isIdempotent
        if !replayable, let name = policy.idempotencyKeyHeader.flatMap({ HTTPField.Name($0) }) {
            if request.headers[name] == nil, policy.retry.maximumAttempts > 1 {
                // One key for every attempt: the provider recognizes the retry and does not repeat the effect.
                request.headers[name] = UUID().uuidString.lowercased()
            }
            replayable = request.headers[name] != nil
        }
        let host = request.host  // parsed once: URL parsing is the costliest step of the bookkeeping
        if let allowed = configuration.allowedHosts, !allowed.contains(host.lowercased()) {
            throw APIError.hostNotAllowed(host)
        }
        let breaker = breakers.breaker(host: host)
        let rateKey = request.connectionID ?? host
        let start = ContinuousClock.now
        var generator = SystemRandomNumberGenerator()
        var attempt = 0
        while true {
            attempt += 1
            let wait = rateLimiter.reserve(key: rateKey, requestsPerSecond: policy.requestsPerSecond, burst: policy.burst)
            if wait > .zero { try await sleep(wait) }

            if case .refused(let retryAfter) = breaker.permission() {
                logger.warning("circuit open; request not sent", metadata: metadata(request, attempt: attempt))
                return .circuitOpen(.circuitOpen(host: host, retryAfter: retryAfter))
            }

            let failure: APIError
            let retryAfter: Duration?
            let retryable: Bool
            var errorAnswer: Answer<Body>?
            // The clock is read only when the latency will be logged.
            let attemptStart = logger.logLevel <= .debug ? ContinuousClock.now : nil
            do {
                let answer = try await OutboundTracing.withClientSpan(method: request.method.rawValue) { span in
                    if span.isRecording { describe(request, attempt: attempt, host: host, on: span) }
                    let answer = try await send(request, attempt)
                    OutboundTracing.record(status: answer.status, on: span)
                    return answer
                }
                breaker.record(success: answer.status < 500)
                if let hint = RateLimitHint.parse(answer.headers), hint.isExhausted(reserve: policy.rateLimitReserve),
                    let reset = hint.resetAfter
                {
                    rateLimiter.pause(key: rateKey, for: reset)
                }
                if let attemptStart {
                    logger.debug(
                        "provider answered",
                        metadata: metadata(request, attempt: attempt).merging(
                            ["status": "\(answer.status)", "latencyMs": "\((ContinuousClock.now - attemptStart).milliseconds)"]
                        ) { $1 }
                    )
                }
                if answer.status < 400 { return .answered(answer, attempt: attempt) }
                let body = await errorBody(answer.body)
                errorAnswer = passErrorsThrough.map { Answer(status: answer.status, headers: answer.headers, body: $0(body)) }
                retryAfter = RetryAfter.delay(from: answer.headers["Retry-After"])
                if answer.status == 429 || answer.status == 503, let retryAfter { rateLimiter.pause(key: rateKey, for: retryAfter) }
                failure = APIError.from(
                    status: answer.status, body: body, contentType: answer.headers["Content-Type"], retryAfter: retryAfter)
                logger.trace(
                    "provider error body",
                    metadata: ["body": "\(redactor(for: request).redact(body: body, contentType: answer.headers["Content-Type"]))"]
                )
                // Statuses that say the request was not processed may be repeated even without a key.
                retryable =
                    policy.retry.retryableStatuses.contains(answer.status)
                    && (replayable || answer.status == 429 || answer.status == 503)
            } catch let error as APIError {
                throw error
            } catch {
                breaker.record(success: false)
                let classified = Self.classify(error, timeout: policy.requestTimeout)
                failure = classified.error
                retryAfter = nil
                retryable = policy.retry.retriesTransportErrors && (replayable || !classified.mayHaveBeenSent)
                logger.debug(
                    "provider call failed", metadata: metadata(request, attempt: attempt).merging(["error": "\(failure.detail)"]) { $1 })
            }
            guard retryable else {
                if let errorAnswer { return .answered(errorAnswer, attempt: attempt) }
                throw failure
            }
            switch policy.retry.decision(
                afterAttempt: attempt, elapsed: ContinuousClock.now - start, retryAfter: retryAfter, using: &generator)
            {
            case .retry(let delay):
                logger.info(
                    "retrying provider call",
                    metadata: metadata(request, attempt: attempt).merging([
                        "delayMs": "\(delay.milliseconds)", "reason": "\(failure.title)",
                    ]) { $1 }
                )
                try await sleep(delay)
            case .giveUp:
                if let errorAnswer { return .answered(errorAnswer, attempt: attempt) }
                throw failure
            }
        }
    }

    private func send(_ request: APIRequest, timeout: Duration, attempt: Int) async throws -> Answer<Data> {
        let response = try await httpClient.execute(outbound(request, attempt: attempt), timeout: .nanoseconds(Int64(timeout.nanoseconds)))
        let body = try await response.body.collect(upTo: configuration.maximumResponseBytes)
        return Answer(
            status: Int(response.status.code), headers: ResponseHeaders(wire: response.headers), body: Data(body.readableBytesView))
    }

    private func outbound(_ request: APIRequest, attempt: Int) -> HTTPClientRequest {
        var outbound = HTTPClientRequest(url: request.url)
        outbound.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers {
            outbound.headers.add(name: field.name.rawName, value: field.value)
        }
        if let body = request.body {
            outbound.body = .bytes(ByteBuffer(bytes: body))
        }
        OutboundTracing.inject(into: &outbound.headers)
        logger.trace(
            "calling provider",
            metadata: metadata(request, attempt: attempt).merging(["headers": "\(redactor(for: request).redact(request.headers))"]) { $1 }
        )
        return outbound
    }

    private func redactor(for request: APIRequest) -> Redactor {
        request.secretNames.isEmpty ? redactor : Redactor(extraSecretNames: request.secretNames)
    }

    /// What a provider call's span records: no more than its log lines show (the URL redacted the same way).
    private func describe(_ request: APIRequest, attempt: Int, host: String, on span: any Span) {
        span.attributes["server.address"] = host
        span.attributes["url.full"] = redactor(for: request).redact(url: request.url)
        if attempt > 1 { span.attributes["http.request.resend_count"] = attempt - 1 }
        if let connection = request.connectionID { span.attributes["junction.connection.id"] = connection }
    }

    private func metadata(_ request: APIRequest, attempt: Int) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "method": "\(request.method.rawValue)", "url": "\(redactor(for: request).redact(url: request.url))", "attempt": "\(attempt)",
        ]
        if let connection = request.connectionID { metadata["connection"] = "\(connection)" }
        return metadata
    }

    /// Sorts a transport failure into the taxonomy, and says whether the provider may have received the request
    /// (a connection that was never made cannot have delivered it, so even a POST may be sent again).
    static func classify(_ error: any Error, timeout: Duration) -> (error: APIError, mayHaveBeenSent: Bool) {
        if let clientError = error as? HTTPClientError {
            switch clientError {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return (.timeout(timeout), true)
            case .connectTimeout, .tlsHandshakeTimeout:
                return (.timeout(timeout), false)
            case .remoteConnectionClosed, .cancelled:
                return (.transport("the connection closed before the response was complete"), true)
            case .invalidURL, .emptyHost, .emptyScheme:
                return (.invalidRequest("the request URL is invalid: \(clientError)"), false)
            default:
                return (.transport(String(describing: clientError)), true)
            }
        }
        let description = String(describing: error)
        if error is NIOConnectionError || description.contains("connectionRefused") || description.contains("Connection refused") {
            return (.transport("connection refused"), false)
        }
        if let ioError = error as? IOError, ioError.errnoCode == ECONNREFUSED {
            return (.transport("connection refused"), false)
        }
        if let channelError = error as? ChannelError, case .connectTimeout = channelError {
            return (.timeout(timeout), false)
        }
        return (.transport(description), true)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
