import AsyncHTTPClient
import Foundation
import JunctionAuth
import JunctionCore
import JunctionStore
import JunctionTestSupport
import NIOCore
import NIOHTTP1
import Testing

/// Webhooks against real server processes: durability across `kill -9`, and localstripe sending its own signed
/// webhooks through Junction to an application endpoint verified with the reference libraries.
@Suite("Webhooks across server processes", .serialized, .enabled(if: PythonPeer.isAvailable))
struct WebhookProcessTests {
    static let token = ServeProcessTests.token

    static func post(port: Int, path: String, body: String, headers: [(String, String)]) async throws -> (status: UInt, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    @Test("an event acknowledged just before kill -9 survives and is processed after restart", arguments: TestEngine.available)
    func survivesKill(engine: TestEngine) async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let test = try await TestDatabase.create(engine)
        let environment = ["JUNCTION_ADMIN_TOKEN": Self.token, "JUNCTION_MASTER_KEY": MasterKey.generate().base64]
        let server = try await ServeProcessTests.Server.start(database: test.urlText, environment: environment, workingDirectory: folder)
        let created = try await server.request(
            .POST, "/api/v1/connections",
            body: #"{"provider": "stripe", "name": "durable", "credentials": {"webhookSecret": "whsec_durable"}}"#
        )
        let connection = try #require(created.json["id"]?.stringValue)
        // Some events may be processed before the kill and some after; every acknowledged one must end processed.
        var acknowledged: [String] = []
        let ids = (0..<20).map { "evt_kill_\($0)" }
        try await withThrowingTaskGroup(of: String?.self) { group in
            for id in ids {
                group.addTask {
                    let body = WebhookIngressTests.event(id: id)
                    let response = try await Self.post(
                        port: server.port, path: "/webhooks/\(connection)", body: body,
                        headers: [
                            ("Stripe-Signature", WebhookIngressTests.stripeSignature(body, secret: "whsec_durable")),
                            ("Content-Type", "application/json"),
                        ]
                    )
                    return response.status == 200 ? id : nil
                }
            }
            for try await id in group { if let id { acknowledged.append(id) } }
        }
        server.process.send(SIGKILL)
        _ = try await server.process.wait(timeout: .seconds(10))
        #expect(acknowledged.count == 20)

        let restarted = try await ServeProcessTests.Server.start(database: test.urlText, environment: environment, workingDirectory: folder)
        let stored = try await restarted.request(.GET, "/api/v1/events?connectionId=\(connection)&limit=200")
        #expect(Set(stored.json["data"]?.arrayValue?.compactMap { $0["externalId"]?.stringValue } ?? []) == Set(acknowledged))
        // Events the killed process had leased come back when its 30 s leases expire.
        var processed: Set<String> = []
        let deadline = ContinuousClock.now + .seconds(75)
        while ContinuousClock.now < deadline {
            let page = try await restarted.request(.GET, "/api/v1/events?connectionId=\(connection)&status=processed&limit=200")
            processed = Set(page.json["data"]?.arrayValue?.compactMap { $0["externalId"]?.stringValue } ?? [])
            if processed.count >= acknowledged.count { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(processed == Set(acknowledged), "every acknowledged event is processed after the restart")
        #expect(try await restarted.stop() == 0)
        try await test.destroy()
    }

    @Test("localstripe's own signed webhooks reach Junction and are forwarded to an endpoint the reference libraries verify")
    func localstripeEndToEnd() async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await PythonPeer.with("serve_localstripe.py") { (stripe: PythonPeer) async throws -> Void in
            try await PythonPeer.with("webhook_receiver.py") { (receiver: PythonPeer) async throws -> Void in
                let environment = ["JUNCTION_ADMIN_TOKEN": Self.token]
                let server = try await ServeProcessTests.Server.start(
                    environment: environment, workingDirectory: folder, extraArguments: ["--allow-private-endpoints"])
                let endpoint = try await server.request(
                    .POST, "/api/v1/endpoints", body: #"{"url": "\#(receiver.baseURL)/hooks/app", "eventTypes": ["stripe.customer.*"]}"#)
                let secret = try #require(endpoint.json["secret"]?.stringValue)
                try await WebhookDeliveryTests.configure(receiver, secrets: [secret])

                let webhookSecret = "whsec_localstripe_test"
                let created = try await server.request(
                    .POST, "/api/v1/connections",
                    body:
                        #"{"provider": "stripe", "name": "localstripe", "settings": {"baseURL": "\#(stripe.baseURL)"}, "credentials": {"apiKey": "sk_test_12345", "webhookSecret": "\#(webhookSecret)"}}"#
                )
                let connection = try #require(created.json["id"]?.stringValue)
                // Register Junction as localstripe's webhook endpoint (localstripe's /_config/webhooks API).
                try await PeerHTTP.post(
                    stripe.baseURL + "/_config/webhooks/junction",
                    body:
                        #"{"url": "http://127.0.0.1:\#(server.port)/webhooks/\#(connection)", "secret": "\#(webhookSecret)", "events": ["customer.created", "customer.updated"]}"#
                )
                // Create a customer through Junction's proxy: localstripe answers and then sends customer.created.
                let customer = try await server.request(.POST, "/api/v1/connections/\(connection)/proxy/v1/customers", body: nil)
                #expect(customer.status == 200, "\(customer.json)")
                try await ServerTestHarness.eventually(timeout: .seconds(30)) {
                    try await WebhookDeliveryTests.deliveries(receiver).count >= 1
                }
                let delivery = try #require(try await WebhookDeliveryTests.deliveries(receiver).first)
                #expect(delivery.verified && delivery.svixVerified)
                let forwarded = try JSONValue.parse(delivery.body)
                #expect(forwarded["type"] == "stripe.customer.created")
                #expect(forwarded["data"]?["object"] == "customer")
                let events = try await server.request(.GET, "/api/v1/events?connectionId=\(connection)")
                #expect(events.json["data"]?.arrayValue?.first?["type"] == "stripe.customer.created")
                #expect(try await server.stop() == 0)
            }
        }
    }
}
