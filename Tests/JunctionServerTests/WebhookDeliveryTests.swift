import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JunctionCore
import JunctionServer
import JunctionStore
import JunctionTestSupport
import JunctionWebhooks
import NIOCore
import Testing

/// Outbound webhooks against a Python receiver that verifies every delivery with the reference `standardwebhooks`
/// and `svix` libraries and fails the first N attempts when told to.
@Suite("Outbound webhooks", .enabled(if: PythonPeer.isAvailable))
struct WebhookDeliveryTests {
    struct Delivery: Decodable {
        var name: String
        var id: String?
        var verified: Bool
        var svixVerified: Bool
        var signatures: Int
        var status: Int
        var at: Double
        var body: String
        var traceparent: String?
    }

    static func configure(_ receiver: PythonPeer, secrets: [String], failFirst: Int = 0, failStatus: Int = 500) async throws {
        let body = try JSONValue.object([
            "secrets": .array(secrets.map(JSONValue.string)), "failFirst": .number(Double(failFirst)),
            "failStatus": .number(Double(failStatus)),
        ]).serialized()
        _ = try await PeerHTTP.post(receiver.baseURL + "/configure", body: body)
    }

    static func deliveries(_ receiver: PythonPeer) async throws -> [Delivery] {
        try JSONDecoder().decode([Delivery].self, from: Data(try await PeerHTTP.get(receiver.baseURL + "/deliveries").utf8))
    }

    static func createEndpoint(_ client: any TestClientProtocol, _ body: String) async throws -> (id: String, secret: String) {
        let response = try await client.execute(
            uri: "/api/v1/endpoints", method: .post, headers: ServerTestHarness.authorized, body: .json(body))
        guard response.status == .created, let id = try response.json["id"]?.stringValue,
            let secret = try response.json["secret"]?.stringValue
        else {
            throw TestSetupError("endpoint not created: \(response.status) \(response.text)")
        }
        return (id, secret)
    }

    static func publish(_ client: any TestClientProtocol, _ body: String) async throws -> [String: JSONValue] {
        let response = try await client.execute(
            uri: "/api/v1/messages", method: .post, headers: ServerTestHarness.authorized, body: .json(body))
        #expect(response.status == .accepted, "\(response.text)")
        return try response.json
    }

    @Test("an endpoint URL on a private network is refused without --allow-private-endpoints")
    func privateURLRefused() async throws {
        try await ServerTestHarness.with(.sqlite) { harness, client in
            for url in ["http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://169.254.169.254/latest/meta-data", "http://[::1]:9/"]
            {
                let response = try await client.execute(
                    uri: "/api/v1/endpoints", method: .post, headers: ServerTestHarness.authorized, body: .json(#"{"url": "\#(url)"}"#))
                #expect(response.status == .badRequest, "\(url)")
                #expect(try response.json["detail"]?.stringValue?.contains("--allow-private-endpoints") == true, "\(url): \(response.text)")
            }
            #expect(try await EndpointRepository(database: harness.database).list(after: nil, limit: 10).isEmpty)
        }
    }

    @Test(
        "deliveries match event types, are signed so both reference libraries verify them, and are listed as attempts",
        arguments: TestEngine.available)
    func signedDelivery(engine: TestEngine) async throws {
        try await PythonPeer.with("webhook_receiver.py") { (receiver: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(engine, allowPrivateEndpoints: true) { harness, client in
                let endpoint = try await Self.createEndpoint(
                    client, #"{"url": "\#(receiver.baseURL)/hooks/orders", "eventTypes": ["order.*"], "description": "orders"}"#)
                try await Self.configure(receiver, secrets: [endpoint.secret])
                let message = try await Self.publish(
                    client, #"{"eventType": "order.paid", "payload": {"order": 42}, "idempotencyKey": "order-42"}"#)
                #expect(message["deliveriesCreated"] == 1)
                let repeated = try await Self.publish(
                    client, #"{"eventType": "order.paid", "payload": {"order": 42}, "idempotencyKey": "order-42"}"#)
                #expect(repeated["duplicate"] == true)
                #expect(repeated["id"] == message["id"])
                let unmatched = try await Self.publish(client, #"{"eventType": "customer.created", "payload": {}}"#)
                #expect(unmatched["deliveriesCreated"] == 0)

                try await harness.withWorkers {
                    try await ServerTestHarness.eventually { try await Self.deliveries(receiver).count == 1 }
                    let delivery = try #require(try await Self.deliveries(receiver).first)
                    #expect(delivery.verified, "standardwebhooks verifies")
                    #expect(delivery.svixVerified, "svix verifies")
                    #expect(delivery.id == message["id"]?.stringValue)
                    #expect(try JSONValue.parse(delivery.body) == ["order": 42])
                    try await ServerTestHarness.eventually {
                        let attempts = try await client.execute(
                            uri: "/api/v1/endpoints/\(endpoint.id)/attempts", method: .get, headers: ServerTestHarness.authorized)
                        return try attempts.json["data"]?.arrayValue?.first?["statusCode"] == 200
                    }
                    let shown = try await client.execute(
                        uri: "/api/v1/messages/\(message["id"]?.stringValue ?? "")", method: .get, headers: ServerTestHarness.authorized)
                    #expect(try shown.json["deliveries"]?.arrayValue?.first?["status"] == "succeeded")
                }
            }
        }
    }

    @Test(
        "concurrent publishes share transactions; a key repeated within one batch resolves to the first message",
        arguments: TestEngine.available)
    func concurrentPublishes(engine: TestEngine) async throws {
        try await ServerTestHarness.with(engine, allowPrivateEndpoints: true) { harness, client in
            _ = try await Self.createEndpoint(client, #"{"url": "http://127.0.0.1:9/hook", "eventTypes": ["batch.*"]}"#)
            let dispatcher = harness.services.dispatcher
            let publications = try await withThrowingTaskGroup(of: MessageDispatcher.Publication.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        try await dispatcher.publish(
                            eventType: index.isMultiple(of: 2) ? "batch.even" : "other.odd", payload: ["n": .number(Double(index))],
                            idempotencyKey: index < 10 ? "shared-key" : "key-\(index)")
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let shared = publications.filter { $0.message.idempotencyKey == "shared-key" }
            #expect(shared.count == 10)
            #expect(Set(shared.map(\.message.id)).count == 1)
            #expect(shared.filter { !$0.duplicate }.count == 1)
            #expect(publications.filter { !$0.duplicate }.count == 51)
            let evenFresh = publications.filter { !$0.duplicate && $0.message.eventType == "batch.even" }
            #expect(evenFresh.allSatisfy { $0.deliveries == 1 })
            #expect(publications.filter { $0.message.eventType == "other.odd" }.allSatisfy { $0.deliveries == 0 })
            let repository = DeliveryRepository(database: harness.database, queue: harness.services.queue)
            var stored = 0
            for publication in publications where !publication.duplicate {
                stored += try await repository.deliveries(ofMessage: publication.message.id).count
            }
            #expect(stored == evenFresh.count)
        }
    }

    @Test("a delivery failing three times is delivered exactly once more, after increasing delays")
    func retriesThenSucceeds() async throws {
        try await PythonPeer.with("webhook_receiver.py") { (receiver: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite, allowPrivateEndpoints: true) { harness, client in
                let endpoint = try await Self.createEndpoint(
                    client, #"{"url": "\#(receiver.baseURL)/hooks/retry", "retrySchedule": [1, 3, 9, 27]}"#)
                try await Self.configure(receiver, secrets: [endpoint.secret], failFirst: 3)
                let message = try await Self.publish(client, #"{"eventType": "record.updated", "payload": {"id": 7}}"#)
                try await harness.withWorkers {
                    try await ServerTestHarness.eventually(timeout: .seconds(30)) {
                        try await Self.deliveries(receiver).contains { $0.status == 200 }
                    }
                    // Wait past the next scheduled delay: nothing more may arrive once delivered.
                    try await Task.sleep(for: .seconds(2))
                }
                let deliveries = try await Self.deliveries(receiver)
                #expect(deliveries.map(\.status) == [500, 500, 500, 200])
                #expect(deliveries.allSatisfy { $0.verified && $0.svixVerified })
                #expect(Set(deliveries.compactMap(\.id)) == [message["id"]?.stringValue ?? ""], "every attempt carries the same webhook-id")
                // Delays of 1, 3 and 9 s (with jitter): spaced so that a second of stall on a loaded machine cannot
                // reorder them.
                let gaps = zip(deliveries.dropFirst(), deliveries).map { $0.at - $1.at }
                #expect(gaps.count == 3)
                #expect(gaps[0] >= 0.7 && gaps[1] > gaps[0] && gaps[2] > gaps[1], "\(gaps)")
                let attempts = try await client.execute(
                    uri: "/api/v1/endpoints/\(endpoint.id)/attempts", method: .get, headers: ServerTestHarness.authorized)
                #expect(try attempts.json["data"]?.arrayValue?.map { $0["attempt"] } == [4, 3, 2, 1])
            }
        }
    }

    @Test("an ordered endpoint gets its messages one at a time, in order, even while the first is being retried")
    func orderedEndpoint() async throws {
        try await PythonPeer.with("webhook_receiver.py") { (receiver: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite, allowPrivateEndpoints: true) { harness, client in
                let endpoint = try await Self.createEndpoint(
                    client, #"{"url": "\#(receiver.baseURL)/hooks/fifo", "ordered": true, "retrySchedule": [1, 1, 1]}"#)
                try await Self.configure(receiver, secrets: [endpoint.secret], failFirst: 2)
                var ids: [String] = []
                for index in 0..<5 {
                    let message = try await Self.publish(client, #"{"eventType": "fifo.step", "payload": {"step": \#(index)}}"#)
                    ids.append(try #require(message["id"]?.stringValue))
                    try await Task.sleep(for: .milliseconds(3))
                }
                try await harness.withWorkers {
                    try await ServerTestHarness.eventually(timeout: .seconds(30)) {
                        try await Self.deliveries(receiver).filter { $0.status == 200 }.count == 5
                    }
                }
                let deliveries = try await Self.deliveries(receiver)
                #expect(deliveries.map(\.status) == [500, 500, 200, 200, 200, 200, 200], "nothing overtakes the first while it is retried")
                #expect(deliveries.compactMap(\.id) == [ids[0], ids[0]] + ids, "in the order the messages were accepted")
                let shown = try await client.execute(
                    uri: "/api/v1/endpoints/\(endpoint.id)", method: .get, headers: ServerTestHarness.authorized)
                #expect(try shown.json["ordered"] == true)
            }
        }
    }

    @Test("events signed by the official stripe package's helper are accepted; the same event re-signed later is a duplicate")
    func stripeOfficialSignature() async throws {
        try await PythonPeer.with("webhook_receiver.py") { (receiver: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite) { harness, client in
                let connection = try await WebhookIngressTests.stripeConnection(client)
                let body = WebhookIngressTests.event(id: "evt_official")
                for offset in [0, 5] {
                    let timestamp = Int(Date().timeIntervalSince1970) - offset
                    let request = try JSONValue.object([
                        "payload": .string(body), "secret": .string(WebhookIngressTests.secret), "timestamp": .number(Double(timestamp)),
                    ]).serialized()
                    let header = try #require(
                        try JSONValue.parse(try await PeerHTTP.post(receiver.baseURL + "/sign/stripe", body: request))["header"]?
                            .stringValue)
                    let response = try await WebhookIngressTests.post(client, connection, body, signature: header)
                    #expect(response.status == .ok, "\(response.text)")
                    #expect(try response.json["duplicate"] == (offset == 0 ? false : true))
                }
                #expect(try await WebhookIngressTests.eventCount(harness) == 1)
            }
        }
    }

    @Test("an endpoint failing past the disable window is disabled with an operational event; recover resends what failed")
    func disableAfterFailingAndRecover() async throws {
        try await PythonPeer.with("webhook_receiver.py") { (receiver: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite, allowPrivateEndpoints: true) { harness, client in
                let endpoint = try await Self.createEndpoint(
                    client, #"{"url": "\#(receiver.baseURL)/hooks/flaky", "retrySchedule": [1, 1, 1, 1, 1]}"#)
                try await Self.configure(receiver, secrets: [endpoint.secret], failFirst: 1000)
                let message = try await Self.publish(client, #"{"eventType": "x.y", "payload": {}}"#)
                var configuration = WebhookDeliverer.Configuration()
                configuration.limits.disableAfter = .milliseconds(1500)  // five days, shortened
                let deliverer = WebhookDeliverer(
                    database: harness.database, queue: harness.services.queue, vault: harness.services.vault,
                    addressPolicy: EndpointAddressPolicy(allowPrivate: true), configuration: configuration, logger: TestDatabase.logger
                )
                var workerConfiguration = JobWorkerService.Configuration()
                workerConfiguration.pollInterval = .milliseconds(50)
                let workers = JobWorkerService(
                    queue: harness.services.queue, handlers: [MessageDispatcher.deliverJobKind: deliverer],
                    configuration: workerConfiguration,
                    logger: TestDatabase.logger)
                let task = Task { try await workers.run() }
                try await ServerTestHarness.eventually {
                    try await EndpointRepository(database: harness.database).find(id: endpoint.id)?.status == .disabled
                }
                let disabled = try #require(try await EndpointRepository(database: harness.database).find(id: endpoint.id))
                #expect(disabled.disabledReason?.contains("every delivery failed since") == true)
                let events = try await OperationalEventRepository(database: harness.database).recent()
                #expect(events.contains { $0.type == "endpoint.disabled" && $0.message.contains(endpoint.id) })
                let attemptsBefore = try await Self.deliveries(receiver).count
                #expect((2...4).contains(attemptsBefore), "disabled after the window, not at the end of the schedule")

                // Re-enable, let the receiver succeed, and recover what failed.
                try await Self.configure(receiver, secrets: [endpoint.secret])
                let enabled = try await client.execute(
                    uri: "/api/v1/endpoints/\(endpoint.id)", method: .patch, headers: ServerTestHarness.authorized,
                    body: .json(#"{"enabled": true}"#))
                #expect(try enabled.json["status"] == "enabled")
                let recovered = try await client.execute(
                    uri: "/api/v1/endpoints/\(endpoint.id)/recover?since=2020-01-01T00:00:00Z", method: .post,
                    headers: ServerTestHarness.authorized)
                #expect(try recovered.json["scheduled"] == 1)
                try await ServerTestHarness.eventually { try await Self.deliveries(receiver).first?.status == 200 }
                task.cancel()
                _ = await task.result
                let shown = try await client.execute(
                    uri: "/api/v1/messages/\(message["id"]?.stringValue ?? "")", method: .get, headers: ServerTestHarness.authorized)
                #expect(try shown.json["deliveries"]?.arrayValue?.first?["status"] == "succeeded")
            }
        }
    }

    @Test("a paused endpoint's deliveries wait without using attempts and go, in order, as soon as it resumes", arguments: TestEngine.available)
    func pauseAndResume(engine: TestEngine) async throws {
        try await PythonPeer.with("webhook_receiver.py") { (receiver: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(engine, allowPrivateEndpoints: true) { harness, client in
                let endpoint = try await Self.createEndpoint(client, #"{"url": "\#(receiver.baseURL)/hooks/paused", "eventTypes": ["order.*"]}"#)
                try await Self.configure(receiver, secrets: [endpoint.secret])
                func patch(_ body: String) async throws -> [String: JSONValue] {
                    let response = try await client.execute(
                        uri: "/api/v1/endpoints/\(endpoint.id)", method: .patch, headers: ServerTestHarness.authorized, body: .json(body))
                    #expect(response.status == .ok, "\(response.text)")
                    return try response.json
                }
                #expect(try await patch(#"{"paused": true}"#)["status"] == "paused")
                try await harness.withWorkers {
                    let first = try await Self.publish(client, #"{"eventType": "order.paid", "payload": {"n": 1}}"#)
                    let second = try await Self.publish(client, #"{"eventType": "order.paid", "payload": {"n": 2}}"#)
                    #expect(first["deliveriesCreated"] == 1 && second["deliveriesCreated"] == 1, "a paused endpoint still receives messages")
                    try await Task.sleep(for: .milliseconds(1500))
                    #expect(try await Self.deliveries(receiver).isEmpty, "nothing is sent while paused")
                    let held = try await client.execute(
                        uri: "/api/v1/messages/\(first["id"]?.stringValue ?? "")", method: .get, headers: ServerTestHarness.authorized)
                    let delivery = try held.json["deliveries"]?.arrayValue?.first
                    #expect(delivery?["status"] == "pending" && delivery?["attempts"] == 0, "\(held.text)")

                    // Resumed, the held deliveries go at once (not after the minute-long recheck).
                    let resumedAt = ContinuousClock.now
                    #expect(try await patch(#"{"paused": false}"#)["status"] == "enabled")
                    try await ServerTestHarness.eventually(timeout: .seconds(20)) { try await Self.deliveries(receiver).count == 2 }
                    #expect(ContinuousClock.now - resumedAt < .seconds(15))
                    #expect(Set(try await Self.deliveries(receiver).compactMap(\.id)) == Set([first["id"], second["id"]].compactMap { $0?.stringValue }))
                }
                // A disabled endpoint stays disabled when asked to pause; enabling and pausing in one change pauses it.
                #expect(try await patch(#"{"enabled": false}"#)["status"] == "disabled")
                #expect(try await patch(#"{"paused": true}"#)["status"] == "disabled")
                #expect(try await patch(#"{"enabled": true, "paused": true}"#)["status"] == "paused")
            }
        }
    }

    @Test("an endpoint's rate limit paces its deliveries")
    func endpointRateLimit() async throws {
        try await PythonPeer.with("webhook_receiver.py") { (receiver: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite, allowPrivateEndpoints: true) { harness, client in
                let endpoint = try await Self.createEndpoint(client, #"{"url": "\#(receiver.baseURL)/hooks/paced", "rateLimit": 2}"#)
                try await Self.configure(receiver, secrets: [endpoint.secret])
                for index in 0..<6 { _ = try await Self.publish(client, #"{"eventType": "paced", "payload": {"n": \#(index)}}"#) }
                try await harness.withWorkers {
                    try await ServerTestHarness.eventually { try await Self.deliveries(receiver).count == 6 }
                }
                let times = try await Self.deliveries(receiver).map(\.at).sorted()
                // A burst of 2, then 2 per second: the sixth goes out about 2 s after the first.
                #expect(times[5] - times[0] >= 1.6, "\(times)")
            }
        }
    }

    @Test("exhausted deliveries are dead letters that retry resends; 410 Gone disables the endpoint with an operational event")
    func deadLettersAndGone() async throws {
        try await PythonPeer.with("webhook_receiver.py") { (receiver: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite, allowPrivateEndpoints: true) { harness, client in
                let endpoint = try await Self.createEndpoint(client, #"{"url": "\#(receiver.baseURL)/hooks/dead", "retrySchedule": [0]}"#)
                try await Self.configure(receiver, secrets: [endpoint.secret], failFirst: 2)
                let message = try await Self.publish(client, #"{"eventType": "record.deleted", "payload": {}}"#)
                let messageID = try #require(message["id"]?.stringValue)
                try await harness.withWorkers {
                    try await ServerTestHarness.eventually {
                        let shown = try await client.execute(
                            uri: "/api/v1/messages/\(messageID)", method: .get, headers: ServerTestHarness.authorized)
                        return try shown.json["deliveries"]?.arrayValue?.first?["status"] == "failed"
                    }
                    #expect(try await Self.deliveries(receiver).count == 2)
                    let retried = try await client.execute(
                        uri: "/api/v1/messages/\(messageID)/retry", method: .post, headers: ServerTestHarness.authorized)
                    #expect(try retried.json["scheduled"] == 1)
                    try await ServerTestHarness.eventually { try await Self.deliveries(receiver).last?.status == 200 }

                    try await Self.configure(receiver, secrets: [endpoint.secret], failFirst: 1, failStatus: 410)
                    _ = try await Self.publish(client, #"{"eventType": "record.deleted", "payload": {"n": 2}}"#)
                    try await ServerTestHarness.eventually {
                        let shown = try await client.execute(
                            uri: "/api/v1/endpoints/\(endpoint.id)", method: .get, headers: ServerTestHarness.authorized)
                        return try shown.json["status"] == "disabled"
                    }
                }
                let events = try await OperationalEventRepository(database: harness.database).recent()
                #expect(events.contains { $0.type == "endpoint.disabled" && $0.message.contains(endpoint.id) })
                let recover = try await client.execute(
                    uri: "/api/v1/endpoints/\(endpoint.id)/recover?since=2020-01-01T00:00:00Z", method: .post,
                    headers: ServerTestHarness.authorized)
                #expect(recover.status == .conflict)
            }
        }
    }

    @Test("after a secret rotation both secrets sign for 24 hours, so receivers holding either verify")
    func secretRotation() async throws {
        try await PythonPeer.with("webhook_receiver.py") { (receiver: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite, allowPrivateEndpoints: true) { harness, client in
                let endpoint = try await Self.createEndpoint(client, #"{"url": "\#(receiver.baseURL)/hooks/rotate"}"#)
                let rotated = try await client.execute(
                    uri: "/api/v1/endpoints/\(endpoint.id)/secret/rotate", method: .post, headers: ServerTestHarness.authorized)
                let newSecret = try #require(try rotated.json["secret"]?.stringValue)
                #expect(newSecret != endpoint.secret)
                try await Self.configure(receiver, secrets: [endpoint.secret, newSecret])
                _ = try await Self.publish(client, #"{"eventType": "a.b", "payload": {}}"#)
                try await harness.withWorkers {
                    try await ServerTestHarness.eventually { try await Self.deliveries(receiver).count == 1 }
                }
                let delivery = try #require(try await Self.deliveries(receiver).first)
                #expect(delivery.signatures == 2)
                #expect(delivery.verified && delivery.svixVerified)
            }
        }
    }

    @Test("a processed inbound event is forwarded to subscribed endpoints as stripe.<type>")
    func forwarding() async throws {
        try await PythonPeer.with("webhook_receiver.py") { (receiver: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite, allowPrivateEndpoints: true) { harness, client in
                let endpoint = try await Self.createEndpoint(
                    client, #"{"url": "\#(receiver.baseURL)/hooks/stripe", "eventTypes": ["stripe.*"]}"#)
                try await Self.configure(receiver, secrets: [endpoint.secret])
                let connection = try await WebhookIngressTests.stripeConnection(client)
                let body = WebhookIngressTests.event(id: "evt_forward")
                let stored = try await WebhookIngressTests.post(
                    client, connection, body, signature: WebhookIngressTests.stripeSignature(body))
                #expect(stored.status == .ok)
                try await harness.withWorkers {
                    try await ServerTestHarness.eventually { try await Self.deliveries(receiver).count == 1 }
                }
                let forwarded = try JSONValue.parse(try #require(try await Self.deliveries(receiver).first).body)
                #expect(forwarded["type"] == "stripe.customer.created")
                #expect(forwarded["data"]?["id"] == "cus_evt_forward")
                #expect(forwarded["connectionId"] == .string(connection))
            }
        }
    }
}
