import AsyncHTTPClient
import Foundation
import HTTPTypes
import JunctionCore
import JunctionHTTP
import JunctionTestSupport
import Logging
import Testing

/// The API client against real servers on loopback: httpbin for statuses, delays and auth, and
/// `Tests/Peers/fault_server.py` for what httpbin cannot do (resets, stalled bodies, counted failures,
/// Stripe-style idempotent replays, rate-limit headers, paginated lists).
@Suite("API client against loopback servers", .enabled(if: PythonPeer.isAvailable))
struct APIClientTests {

    static let fast = RetryPolicy(maximumAttempts: 4, baseDelay: .milliseconds(20), maximumDelay: .milliseconds(100))

    struct Ledger: Decodable {
        struct Attempt: Decodable {
            var t: Double
            var method: String
            var idempotencyKey: String?
        }
        var attempts: [Attempt]
        var created: Int
    }

    static func ledger(_ peer: PythonPeer, key: String) async throws -> Ledger {
        try await APIClient().execute(
            APIRequest(method: .get, url: "\(peer.baseURL)/ledger?key=\(key)"), policy: ClientPolicy(retry: .none)
        )
        .decode(Ledger.self)
    }

    @Test("retries stop at their cap and report the last failure")
    func retryCap() async throws {
        try await PythonPeer.with("fault_server.py") { (peer: PythonPeer) async throws -> Void in
            let key = UUID().uuidString
            let client = APIClient()
            let error = await #expect(throws: APIError.self) {
                try await client.execute(
                    APIRequest(method: .get, url: "\(peer.baseURL)/flaky?key=\(key)&fail=10&status=503"),
                    policy: ClientPolicy(retry: RetryPolicy(maximumAttempts: 3, baseDelay: .milliseconds(10)))
                )
            }
            #expect(error?.status == 503)
            #expect(try await Self.ledger(peer, key: key).attempts.count == 3)
        }
    }

    @Test("a retried call succeeds and says which attempt did")
    func retryThenSucceed() async throws {
        try await PythonPeer.with("fault_server.py") { (peer: PythonPeer) async throws -> Void in
            let key = UUID().uuidString
            let response = try await APIClient().execute(
                APIRequest(method: .get, url: "\(peer.baseURL)/flaky?key=\(key)&fail=2&status=502"), policy: ClientPolicy(retry: Self.fast)
            )
            #expect(response.status == 200)
            #expect(response.attempt == 3)
        }
    }

    /// The client asks to wait exactly what `Retry-After` says (the pause it requests is recorded), and the
    /// provider sees the second attempt no sooner than 90% of it. The upper bound on the observed gap is looser
    /// than 10%: the suite runs many servers on two cores, and a busy scheduler can only make a wait longer.
    @Test("Retry-After is honoured within 10%", arguments: ["2", "HTTP-date"])
    func retryAfterHonoured(form: String) async throws {
        try await PythonPeer.with("fault_server.py") { (peer: PythonPeer) async throws -> Void in
            let key = UUID().uuidString
            let requested = SynchronizedArray()
            let client = APIClient(sleep: { delay in
                requested.append(Int(delay.milliseconds))
                try await Task.sleep(for: delay)
            })
            // An HTTP-date has whole seconds: aim at a whole second about three seconds out.
            let sentAt = Date()
            let target = Date(timeIntervalSince1970: (sentAt.timeIntervalSince1970 + 3).rounded(.up))
            let header = form == "2" ? "2" : HTTPDate.format(target)
            let encoded = header.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? header
            let response = try await client.execute(
                APIRequest(method: .get, url: "\(peer.baseURL)/flaky?key=\(key)&fail=1&status=429&retry_after=\(encoded)"),
                policy: ClientPolicy(retry: Self.fast)
            )
            #expect(response.attempt == 2)
            let attempts = try await Self.ledger(peer, key: key).attempts
            #expect(attempts.count == 2)
            let asked = Double(requested.values.reduce(0, +)) / 1000
            if form == "2" {
                // Delay-seconds: exactly the delay, counted from the 429.
                #expect(abs(asked - 2) <= 0.2, "the client asked to wait \(asked) s for Retry-After: 2")
                let gap = attempts[1].t - attempts[0].t
                // The upper bound only catches a lost timer: a loaded 2-core machine running the whole suite stretches
                // waits (a 2 s wait was once seen taking over 5 s there), while the client's own figure is checked above.
                #expect(gap >= 1.8 && gap <= 15, "the provider saw the retry \(gap) s later")
            } else {
                // An HTTP-date: the retry comes at that time, not before (10% of the three seconds allowed).
                let interval = target.timeIntervalSince(sentAt)
                #expect(asked <= interval * 1.1, "the client asked to wait \(asked) s for \(header)")
                #expect(attempts[1].t >= target.timeIntervalSince1970 - interval * 0.1, "retried before the date")
                #expect(attempts[1].t <= target.timeIntervalSince1970 + 12, "retried long after the date")
            }
        }
    }

    @Test("a retried POST carries one idempotency key, so the provider creates once")
    func idempotencyKey() async throws {
        try await PythonPeer.with("fault_server.py") { (peer: PythonPeer) async throws -> Void in
            let key = UUID().uuidString
            let response = try await APIClient().execute(
                APIRequest(method: .post, url: "\(peer.baseURL)/flaky?key=\(key)&fail=2&status=500", body: Data("amount=100".utf8)),
                policy: ClientPolicy(retry: Self.fast)
            )
            #expect(response.status == 200)
            let ledger = try await Self.ledger(peer, key: key)
            #expect(ledger.attempts.count == 3)
            let keys = Set(ledger.attempts.compactMap(\.idempotencyKey))
            #expect(keys.count == 1, "every attempt carried the same key: \(keys)")
            #expect(ledger.created == 1)
        }
    }

    @Test("a POST without an idempotency key is not retried after it may have been processed")
    func noKeyNoRetry() async throws {
        try await PythonPeer.with("fault_server.py") { (peer: PythonPeer) async throws -> Void in
            let key = UUID().uuidString
            await #expect(throws: APIError.self) {
                try await APIClient().execute(
                    APIRequest(method: .post, url: "\(peer.baseURL)/flaky?key=\(key)&fail=2&status=500"),
                    policy: ClientPolicy(retry: Self.fast, idempotencyKeyHeader: nil)
                )
            }
            #expect(try await Self.ledger(peer, key: key).attempts.count == 1)
        }
    }

    @Test("a reset connection is a transport error, retried for a GET")
    func connectionReset() async throws {
        try await PythonPeer.with("fault_server.py") { (peer: PythonPeer) async throws -> Void in
            let key = UUID().uuidString
            let response = try await APIClient().execute(
                APIRequest(method: .get, url: "\(peer.baseURL)/reset?key=\(key)&fail=2"), policy: ClientPolicy(retry: Self.fast)
            )
            #expect(response.status == 200)
            #expect(response.attempt == 3)
            let error = await #expect(throws: APIError.self) {
                try await APIClient().execute(
                    APIRequest(method: .get, url: "\(peer.baseURL)/reset?key=\(UUID().uuidString)&fail=9"),
                    policy: ClientPolicy(retry: .none)
                )
            }
            guard case .transport = error else {
                Issue.record("expected a transport error, got \(String(describing: error))")
                return
            }
        }
    }

    @Test("a stalled body times out at the read timeout")
    func stalledBody() async throws {
        try await PythonPeer.with("fault_server.py") { (peer: PythonPeer) async throws -> Void in
            let start = ContinuousClock.now
            let http = APIClient.makeHTTPClient(readTimeout: .milliseconds(500))
            let error = await #expect(throws: APIError.self) {
                try await APIClient(httpClient: http).execute(
                    APIRequest(method: .get, url: "\(peer.baseURL)/stall"),
                    policy: ClientPolicy(retry: .none, requestTimeout: .seconds(60))
                )
            }
            // The 500 ms read timeout ended it, not the 60 s request timeout. The bound is wide on purpose: with the
            // whole suite running on 2 cores, this once took 5.5 s.
            #expect(ContinuousClock.now - start < .seconds(30))
            try await http.shutdown()
            guard case .timeout = error else {
                Issue.record("expected a timeout, got \(String(describing: error))")
                return
            }
        }
    }

    @Test("a refused connection is retried even for a POST: it cannot have arrived")
    func refusedConnection() async throws {
        let backoffs = SynchronizedArray()
        let client = APIClient(sleep: { backoffs.append(Int($0.components.seconds)) })
        let error = await ChildProcess.withRefusingPort { port in
            await #expect(throws: APIError.self) {
                try await client.execute(
                    APIRequest(method: .post, url: "http://127.0.0.1:\(port)/nothing"),
                    policy: ClientPolicy(retry: RetryPolicy(maximumAttempts: 2, baseDelay: .milliseconds(5)), idempotencyKeyHeader: nil)
                )
            }
        }
        guard case .transport(let reason) = error else {
            Issue.record("expected a transport error, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("refused"))
        #expect(backoffs.values.count == 1, "the POST was sent twice: once, then once more after a backoff")
    }

    @Test("the breaker opens after its threshold, fails fast, and half-opens after its cool-down")
    func circuitBreaker() async throws {
        try await PythonPeer.with("fault_server.py") { (peer: PythonPeer) async throws -> Void in
            let key = UUID().uuidString
            let client = APIClient(
                breakers: CircuitBreakerRegistry(
                    configuration: .init(window: .seconds(10), minimumVolume: 4, failureRateThreshold: 0.5, coolDown: .seconds(2))
                )
            )
            for _ in 0..<4 {
                _ = try? await client.execute(
                    APIRequest(method: .get, url: "\(peer.baseURL)/flaky?key=\(key)&fail=100&status=500"),
                    policy: ClientPolicy(retry: .none)
                )
            }
            #expect(client.breakers.states["127.0.0.1"] == .open)
            let refused = await #expect(throws: APIError.self) {
                try await client.execute(APIRequest(method: .get, url: "\(peer.baseURL)/ok?key=\(key)"), policy: ClientPolicy(retry: .none))
            }
            guard case .circuitOpen = refused else {
                Issue.record("expected circuitOpen, got \(String(describing: refused))")
                return
            }
            // While open, a fallback answers instead.
            let fallback = try await client.execute(
                APIRequest(method: .get, url: "\(peer.baseURL)/ok?key=\(key)"), policy: ClientPolicy(retry: .none)
            ) { _ in APIResponse(status: 200, headers: [:], body: Data(#"{"cached": true}"#.utf8), attempt: 0) }
            #expect(fallback.attempt == 0)
            #expect(try await Self.ledger(peer, key: key).attempts.count == 4, "nothing reached the host while open")

            try await Task.sleep(for: .milliseconds(2100))
            let probe = try await client.execute(
                APIRequest(method: .get, url: "\(peer.baseURL)/ok?key=\(key)"), policy: ClientPolicy(retry: .none))
            #expect(probe.status == 200)
            #expect(client.breakers.states["127.0.0.1"] == .closed)
        }
    }

    @Test("rate-limit headers slow the client down before a 429")
    func quotaHeaders() async throws {
        try await PythonPeer.with("fault_server.py") { (peer: PythonPeer) async throws -> Void in
            let key = UUID().uuidString
            let client = APIClient()
            let request = APIRequest(method: .get, url: "\(peer.baseURL)/quota?key=\(key)&remaining=0&reset=1", connectionID: "conn_quota")
            _ = try await client.execute(request)
            _ = try await client.execute(request)
            let attempts = try await Self.ledger(peer, key: key).attempts
            #expect(attempts.count == 2)
            #expect(attempts[1].t - attempts[0].t >= 0.9, "the second call waited for the reset")
        }
    }

    @Test("a connection's token bucket paces its calls")
    func tokenBucketPacing() async throws {
        try await PythonPeer.with("fault_server.py") { (peer: PythonPeer) async throws -> Void in
            let key = UUID().uuidString
            let client = APIClient()
            let policy = ClientPolicy(retry: .none, requestsPerSecond: 20, burst: 1)
            let start = ContinuousClock.now
            for _ in 0..<11 {
                _ = try await client.execute(
                    APIRequest(method: .get, url: "\(peer.baseURL)/ok?key=\(key)", connectionID: "conn_paced"), policy: policy)
            }
            #expect(ContinuousClock.now - start >= .milliseconds(480), "10 intervals at 20/s")
        }
    }

    @Test("httpbin: bearer and basic auth, statuses into the taxonomy, delays into timeouts")
    func httpbin() async throws {
        try await PythonPeer.with("serve_httpbin.py") { (peer: PythonPeer) async throws -> Void in
            let client = APIClient()
            let bearer = try await client.execute(
                APIRequest(method: .get, url: "\(peer.baseURL)/bearer", headers: [.authorization: "Bearer tok_123"])
            )
            #expect(bearer.status == 200)
            let basic = try await client.execute(
                APIRequest(
                    method: .get, url: "\(peer.baseURL)/basic-auth/ada/lovelace",
                    headers: [.authorization: "Basic " + Data("ada:lovelace".utf8).base64EncodedString()]
                )
            )
            #expect(basic.status == 200)
            let unauthorized = await #expect(throws: APIError.self) {
                try await client.execute(APIRequest(method: .get, url: "\(peer.baseURL)/bearer"), policy: ClientPolicy(retry: .none))
            }
            guard case .unauthorized = unauthorized else {
                Issue.record("expected unauthorized, got \(String(describing: unauthorized))")
                return
            }
            let missing = await #expect(throws: APIError.self) {
                try await client.execute(APIRequest(method: .get, url: "\(peer.baseURL)/status/404"), policy: ClientPolicy(retry: .none))
            }
            #expect(missing?.status == 404)
            let slow = await #expect(throws: APIError.self) {
                try await client.execute(
                    APIRequest(method: .get, url: "\(peer.baseURL)/delay/3"),
                    policy: ClientPolicy(retry: .none, requestTimeout: .milliseconds(500))
                )
            }
            guard case .timeout = slow else {
                Issue.record("expected a timeout, got \(String(describing: slow))")
                return
            }
        }
    }

    @Test("no secret appears in the client's logs, even at trace level")
    func logsAreRedacted() async throws {
        try await PythonPeer.with("serve_httpbin.py") { (peer: PythonPeer) async throws -> Void in
            let captured = CapturingLogHandler.Store()
            let client = APIClient(logger: CapturingLogHandler.logger(into: captured))
            _ = try? await client.execute(
                APIRequest(
                    method: .post, url: "\(peer.baseURL)/status/500?api_key=SECRETQUERY",
                    headers: [.authorization: "Bearer SECRETBEARER", .cookie: "sid=SECRETCOOKIE", .contentType: "application/json"],
                    body: Data(#"{"refresh_token": "SECRETBODY"}"#.utf8)
                ),
                policy: ClientPolicy(retry: Self.fast)
            )
            let text = captured.text
            #expect(text.contains("retrying provider call"), "the capture saw the client's logs")
            for secret in ["SECRETQUERY", "SECRETBEARER", "SECRETCOOKIE", "SECRETBODY"] {
                #expect(!text.contains(secret), "\(secret) leaked into the log")
            }
        }
    }

    @Test("pagination follows every style to the last page", arguments: ["cursor", "link", "next-url", "token", "page", "offset"])
    func pagination(style: String) async throws {
        try await PythonPeer.with("fault_server.py") { (peer: PythonPeer) async throws -> Void in
            let client = APIClient()
            let items: @Sendable (APIResponse) -> [String] = { response in
                guard let json = try? JSONValue.parse(String(decoding: response.body, as: UTF8.self)) else { return [] }
                let list: JSONValue? =
                    switch style {
                    case "cursor": json["data"]
                    case "next-url": json["records"]
                    case "token": json["items"]
                    case "page": json["results"]
                    case "offset": json["rows"]
                    default: json
                    }
                guard case .array(let values) = list else { return [] }
                return values.compactMap { $0["id"]?.stringValue }
            }
            let paginationStyle: PaginationStyle =
                switch style {
                case "cursor":
                    .cursor(parameter: "starting_after") { response in
                        guard let json = try? JSONValue.parse(String(decoding: response.body, as: UTF8.self)), json["has_more"] == true
                        else { return nil }
                        return items(response).last
                    }
                case "link": .linkHeader
                case "next-url":
                    .nextURL { (try? JSONValue.parse(String(decoding: $0.body, as: UTF8.self)))?["nextRecordsUrl"]?.stringValue }
                case "token":
                    .nextToken(parameter: "pageToken") {
                        (try? JSONValue.parse(String(decoding: $0.body, as: UTF8.self)))?["nextPageToken"]?.stringValue
                    }
                case "page": .page(parameter: "page", first: 1) { items($0).isEmpty }
                default: .offset(parameter: "offset", pageSize: 3) { items($0).count }
                }
            let pages = Paginator(first: APIRequest(method: .get, url: "\(peer.baseURL)/list/\(style)"), style: paginationStyle) {
                try await client.execute($0)
            }
            var seen: [String] = []
            var count = 0
            for try await page in pages {
                seen += items(page)
                count += 1
            }
            #expect(seen == (0..<7).map { "item_\($0)" })
            #expect(count == 3)
        }
    }
}
