import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JunctionCore
import JunctionStore
import JunctionTestSupport
import JunctionWebhooks
import NIOCore
import Testing

/// The inbound listener end to end in process: verification, dedup and replay refusal, limits, handshakes, the
/// events API and processing by the job workers.
@Suite("Inbound webhooks")
struct WebhookIngressTests {
    static let secret = "whsec_inbound_test_secret"

    static func stripeConnection(_ client: any TestClientProtocol, settings: String = "{}", secret: String = secret) async throws -> String
    {
        let body = #"{"provider": "stripe", "name": "stripe", "settings": \#(settings), "credentials": {"webhookSecret": "\#(secret)"}}"#
        let response = try await client.execute(
            uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized, body: .json(body))
        guard let id = try response.json["id"]?.stringValue else { throw TestSetupError("create failed: \(response.text)") }
        return id
    }

    static func event(id: String, type: String = "customer.created", created: Int = Int(Date().timeIntervalSince1970)) -> String {
        #"{"id":"\#(id)","object":"event","type":"\#(type)","created":\#(created),"data":{"object":{"id":"cus_\#(id)","email":"a@example.com"}}}"#
    }

    static func stripeSignature(_ body: String, secret: String = secret, timestamp: Int = Int(Date().timeIntervalSince1970)) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    static func post(_ client: any TestClientProtocol, _ connection: String, _ body: String, signature: String?) async throws
        -> TestResponse
    {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let signature { headers[HTTPField.Name("Stripe-Signature")!] = signature }
        return try await client.execute(uri: "/webhooks/\(connection)", method: .post, headers: headers, body: .json(body))
    }

    static func eventCount(_ harness: ServerTestHarness) async throws -> Int {
        try await WebhookEventRepository(database: harness.database).list(.init(), before: nil, limit: 1000).count
    }

    @Test("a Stripe-signed event is stored once; a duplicate is acknowledged but not stored again", arguments: TestEngine.available)
    func storeAndDedup(engine: TestEngine) async throws {
        try await ServerTestHarness.with(engine) { harness, client in
            let connection = try await Self.stripeConnection(client)
            let body = Self.event(id: "evt_dedup")
            let first = try await Self.post(client, connection, body, signature: Self.stripeSignature(body))
            #expect(first.status == .ok, "\(first.text)")
            #expect(try first.json["duplicate"] == false)
            let eventID = try #require(try first.json["id"]?.stringValue)
            let again = try await Self.post(client, connection, body, signature: Self.stripeSignature(body))
            #expect(again.status == .ok)
            #expect(try again.json["duplicate"] == true)
            #expect(try await Self.eventCount(harness) == 1)

            let shown = try await client.execute(uri: "/api/v1/events/\(eventID)", method: .get, headers: ServerTestHarness.authorized)
            let json = try shown.json
            #expect(json["type"] == "stripe.customer.created")
            #expect(json["externalId"] == "evt_dedup")
            #expect(json["status"] == "received")
            #expect(json["event"]?["data"]?["id"] == "cus_evt_dedup")
            #expect(json["event"]?["connectionId"] == .string(connection))

            // Outcomes are counted, every one present from the start; the two requests were two inbox transactions.
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            #expect(metrics.contains(#"junction_webhooks_inbound_total{outcome="stored"} 1"#))
            #expect(metrics.contains(#"junction_webhooks_inbound_total{outcome="duplicate"} 1"#))
            #expect(metrics.contains(#"junction_webhooks_inbound_total{outcome="rejected"} 0"#))
            #expect(metrics.contains("junction_inbox_batch_size_events_count 2"))
            #expect(metrics.contains("junction_inbox_batch_size_events_sum 2"))
        }
    }

    @Test("webhooks are answered ahead of the router, counted under the route template; other /webhooks/ paths go to the router")
    func ingressRoute() async throws {
        try await ServerTestHarness.with(.sqlite) { harness, client in
            let connection = try await Self.stripeConnection(client)
            let body = Self.event(id: "evt_route")
            let stored = try await Self.post(client, connection, body, signature: Self.stripeSignature(body))
            #expect(stored.status == .ok, "\(stored.text)")
            let badID = try await Self.post(client, "conn_not_an_id", body, signature: Self.stripeSignature(body))
            #expect(badID.status == .notFound)
            #expect(badID.headers[.contentType] == "application/problem+json")
            // More segments or no id: the router answers, as before; another method is 405, naming the documented ones.
            for (uri, method) in [("/webhooks/\(connection)/extra", HTTPRequest.Method.post), ("/webhooks/", .post)] {
                let response = try await client.execute(uri: uri, method: method, body: .json(body))
                #expect(response.status == .notFound, "\(method) \(uri)")
            }
            let put = try await client.execute(uri: "/webhooks/\(connection)", method: .put, body: .json(body))
            #expect(put.status == .methodNotAllowed)
            #expect(put.headers[.allow] == "GET, POST")
            #expect(put.headers[.contentType] == "application/problem+json")
            // A trailing slash too, where the router's own webhook route matches (it ignores empty segments): an
            // unsigned request is refused there as it is here.
            let trailing = try await client.execute(uri: "/webhooks/\(connection)/", method: .post, body: .json(body))
            #expect(trailing.status == .unauthorized)
            #expect(try await Self.eventCount(harness) == 1)
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            #expect(metrics.contains(#"junction_http_requests_total{route="/webhooks/{connectionId}",method="POST",status="200"} 1"#))
            #expect(metrics.contains(#"junction_http_requests_total{route="/webhooks/{connectionId}",method="POST",status="404"} 1"#))
        }
    }

    @Test("tampered bodies, wrong secrets, stale timestamps and unsigned requests are refused and store nothing")
    func refusals() async throws {
        try await ServerTestHarness.with(.sqlite) { harness, client in
            let connection = try await Self.stripeConnection(client)
            let body = Self.event(id: "evt_refused")
            let signature = Self.stripeSignature(body)
            let tampered = try await Self.post(
                client, connection, body.replacingOccurrences(of: "a@example.com", with: "b@example.com"), signature: signature)
            #expect(tampered.status == .unauthorized)
            #expect(tampered.headers[.contentType] == "application/problem+json")
            #expect(try tampered.json["detail"]?.stringValue?.contains("does not match") == true)
            #expect(
                try await Self.post(client, connection, body, signature: Self.stripeSignature(body, secret: "whsec_wrong")).status
                    == .unauthorized)
            let stale = try await Self.post(
                client, connection, body, signature: Self.stripeSignature(body, timestamp: Int(Date().timeIntervalSince1970) - 600))
            #expect(stale.status == .unauthorized)
            #expect(try stale.json["detail"]?.stringValue?.contains("tolerance") == true)
            #expect(try await Self.post(client, connection, body, signature: nil).status == .unauthorized)
            #expect(try await Self.eventCount(harness) == 0)

            let unknown = try await Self.post(client, "conn_01JZZZZZZZZZZZZZZZZZZZZZZZ", body, signature: signature)
            #expect(unknown.status == .notFound)
            #expect(try await Self.post(client, "not-an-id", body, signature: signature).status == .notFound)
        }
    }

    @Test("a rotated webhook secret is used at the next webhook, and webhookSecrets lets two secrets verify at once")
    func secretRotation() async throws {
        try await ServerTestHarness.with(.sqlite) { harness, client in
            let connection = try await Self.stripeConnection(client)
            let first = Self.event(id: "evt_rot_1")
            #expect(try await Self.post(client, connection, first, signature: Self.stripeSignature(first)).status == .ok)
            let patch = #"{"credentials": {"webhookSecret": null, "webhookSecrets": ["whsec_new_secret", "\#(Self.secret)"]}}"#
            let patched = try await client.execute(
                uri: "/api/v1/connections/\(connection)", method: .patch, headers: ServerTestHarness.authorized, body: .json(patch))
            #expect(patched.status == .ok, "\(patched.text)")
            let second = Self.event(id: "evt_rot_2")
            #expect(
                try await Self.post(client, connection, second, signature: Self.stripeSignature(second, secret: "whsec_new_secret")).status
                    == .ok)
            let third = Self.event(id: "evt_rot_3")
            #expect(try await Self.post(client, connection, third, signature: Self.stripeSignature(third)).status == .ok)
            #expect(try await Self.eventCount(harness) == 3)
        }
    }

    @Test("per-connection rate limit answers 429 with Retry-After; oversized bodies get 413")
    func limits() async throws {
        try await ServerTestHarness.with(.sqlite) { harness, client in
            let connection = try await Self.stripeConnection(client, settings: #"{"webhook": {"rateLimit": 1}}"#)
            // Eight at once against 1/s with bursts of 2: some pass, the rest are told when to come back.
            let responses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for index in 0..<8 {
                    group.addTask {
                        let body = Self.event(id: "evt_limit_\(index)")
                        let response = try await Self.post(client, connection, body, signature: Self.stripeSignature(body))
                        return (response.status.code, response.headers[.retryAfter])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let accepted = responses.filter { $0.0 == 200 }.count
            let limited = responses.filter { $0.0 == 429 }
            #expect(accepted >= 2 && accepted < 8, "\(responses)")
            #expect(accepted + limited.count == 8)
            #expect(limited.allSatisfy { $0.1.flatMap(Int.init).map { $0 >= 1 } == true })

            let open = try await Self.stripeConnection(client)
            let huge = Self.event(id: "evt_huge").replacingOccurrences(of: "a@example.com", with: String(repeating: "x", count: 1_100_000))
            let tooLarge = try await Self.post(client, open, huge, signature: Self.stripeSignature(huge))
            #expect(tooLarge.status == .contentTooLarge)
            #expect(try await Self.eventCount(harness) == accepted, "only what was acknowledged is stored")
        }
    }

    @Test("Slack's url_verification is answered with its challenge; a generic echo challenge answers GET")
    func handshakes() async throws {
        try await ServerTestHarness.with(.sqlite) { _, client in
            let body =
                #"{"provider": "rest", "name": "slack", "settings": {"webhook": {"verifier": "slack"}}, "credentials": {"webhookSecret": "slack-secret"}}"#
            let created = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized, body: .json(body))
            let slack = try #require(try created.json["id"]?.stringValue)
            let challenge = #"{"token":"t","challenge":"ch4ll3nge","type":"url_verification"}"#
            let timestamp = Int(Date().timeIntervalSince1970)
            let mac = HMAC<SHA256>.authenticationCode(
                for: Array("v0:\(timestamp):\(challenge)".utf8), using: SymmetricKey(data: Array("slack-secret".utf8)))
            let headers: HTTPFields = [
                HTTPField.Name("X-Slack-Signature")!: "v0=" + mac.map { String(format: "%02x", $0) }.joined(),
                HTTPField.Name("X-Slack-Request-Timestamp")!: String(timestamp), .contentType: "application/json",
            ]
            let answered = try await client.execute(uri: "/webhooks/\(slack)", method: .post, headers: headers, body: .json(challenge))
            #expect(answered.status == .ok)
            #expect(answered.text == "ch4ll3nge")

            let generic = #"""
                {"provider": "rest", "name": "echo", "settings": {"webhook": {"verifier": "hmac", "challengeParameter": "challenge",
                 "hmac": {"header": "X-Signature"}}}, "credentials": {"webhookSecret": "s"}}
                """#
            let echoCreated = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized, body: .json(generic))
            let echo = try #require(try echoCreated.json["id"]?.stringValue)
            let echoed = try await client.execute(uri: "/webhooks/\(echo)?challenge=abc123", method: .get)
            #expect(echoed.text == "abc123")
            #expect(try await client.execute(uri: "/webhooks/\(slack)?challenge=abc123", method: .get).status == .notFound)
        }
    }

    @Test("connection settings with a wrong webhook field are refused with the field's path")
    func settingsValidation() async throws {
        try await ServerTestHarness.with(.sqlite) { _, client in
            let body =
                #"{"provider": "rest", "name": "x", "settings": {"webhook": {"verifier": "hmac", "hmac": {"header": "X-S", "encoding": "base32"}}}}"#
            let response = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized, body: .json(body))
            #expect(response.status == .badRequest)
            #expect(try response.json["detail"]?.stringValue?.contains("settings.webhook.hmac.encoding") == true)
        }
    }

    @Test("workers process stored events; the events API filters them and replays one", arguments: TestEngine.available)
    func processingAndReplay(engine: TestEngine) async throws {
        try await ServerTestHarness.with(engine) { harness, client in
            let connection = try await Self.stripeConnection(client)
            for (index, type) in ["customer.created", "customer.updated", "invoice.paid"].enumerated() {
                let body = Self.event(id: "evt_proc_\(index)", type: type)
                #expect(try await Self.post(client, connection, body, signature: Self.stripeSignature(body)).status == .ok)
            }
            try await harness.withWorkers {
                try await ServerTestHarness.eventually {
                    let page = try await client.execute(
                        uri: "/api/v1/events?status=processed", method: .get, headers: ServerTestHarness.authorized)
                    return try page.json["data"]?.arrayValue?.count == 3
                }
                let customers = try await client.execute(
                    uri: "/api/v1/events?type=stripe.customer.*&connectionId=\(connection)&limit=1", method: .get,
                    headers: ServerTestHarness.authorized)
                let page = try customers.json
                #expect(page["data"]?.arrayValue?.count == 1)
                let cursor = try #require(page["nextCursor"]?.stringValue)
                let next = try await client.execute(
                    uri: "/api/v1/events?type=stripe.customer.*&cursor=\(cursor)", method: .get, headers: ServerTestHarness.authorized)
                #expect(try next.json["data"]?.arrayValue?.count == 1)
                #expect(try next.json["nextCursor"] == nil)

                let id = try #require(page["data"]?.arrayValue?.first?["id"]?.stringValue)
                let replayed = try await client.execute(
                    uri: "/api/v1/events/\(id)/replay", method: .post, headers: ServerTestHarness.authorized)
                #expect(replayed.status == .accepted)
                try await ServerTestHarness.eventually {
                    let shown = try await client.execute(uri: "/api/v1/events/\(id)", method: .get, headers: ServerTestHarness.authorized)
                        .json
                    return shown["status"] == "processed" && shown["processingAttempts"]?.arrayValue?.count == 2
                }
            }
            let bad = try await client.execute(uri: "/api/v1/events?since=yesterday", method: .get, headers: ServerTestHarness.authorized)
            #expect(bad.status == .badRequest)
        }
    }
}
