import Foundation
import JunctionCore
import JunctionTestSupport
import NIOHTTP1
import Testing

/// `junction events`, `endpoints`, `messages`, `deliveries` and `connections authorize|delete` against a real
/// `junction serve` and the reference-verifying webhook receiver: what an operator types and sees, and one readable
/// line when something is wrong.
@Suite("Webhooks from the command line", .serialized, .enabled(if: PythonPeer.isAvailable))
struct WebhookCLITests {
    @Test("endpoints create|list|show|update|rotate-secret|recover|delete, messages send|show|retry, deliveries list, events list|show|tail|replay")
    func commandLine() async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await PythonPeer.with("webhook_receiver.py") { (receiver: PythonPeer) async throws -> Void in
            let server = try await ServeProcessTests.Server.start(
                environment: ["JUNCTION_ADMIN_TOKEN": SyncProcessTests.token], workingDirectory: folder,
                extraArguments: ["--allow-private-endpoints", "--log-level", "info"])
            let junction = SyncProcessTests.JunctionCLI(server: server)

            // Endpoints.
            let created = try await junction(
                "endpoints", "create", "\(receiver.baseURL)/hooks/cli", "--event-type", "app.*", "--event-type", "stripe.*",
                "--retry-schedule", "1,1", "--json")
            #expect(created.status == 0, "\(created.errors)")
            let endpoint = try JSONValue.parse(created.output)
            let endpointID = try #require(endpoint["id"]?.stringValue)
            try await WebhookDeliveryTests.configure(receiver, secrets: [try #require(endpoint["secret"]?.stringValue)])
            #expect(try await junction("endpoints", "list").output.contains(endpointID))
            #expect(try await junction("endpoints", "show", endpointID).output.contains("retrySchedule: [1,1]"))

            // Messages, delivered and verified by the reference libraries, then listed as deliveries.
            let sent = try await junction("messages", "send", "--type", "app.invoice.paid", "--payload", #"{"invoice": "in_1"}"#, "--idempotency-key", "in_1")
            #expect(sent.status == 0 && sent.output.contains("accepted: 1 deliveries scheduled"), "\(sent.output)\(sent.errors)")
            let messageID = String(sent.output.prefix { $0 != " " })
            let again = try await junction("messages", "send", "--type", "app.invoice.paid", "--payload", #"{"invoice": "in_1"}"#, "--idempotency-key", "in_1")
            #expect(again.output.contains("\(messageID) was sent before"), "\(again.output)")
            try await ServerTestHarness.eventually { try await WebhookDeliveryTests.deliveries(receiver).count == 1 }
            #expect(try await WebhookDeliveryTests.deliveries(receiver).first?.verified == true)
            try await ServerTestHarness.eventually { try await junction("messages", "show", messageID).output.contains("succeeded") }
            let attempts = try JSONValue.parse(try await junction("deliveries", "list", "--endpoint", endpointID, "--json").output)
            #expect(attempts.arrayValue?.count == 1 && attempts.arrayValue?.first?["statusCode"] == .number(200), "\(attempts)")
            #expect(try await junction("deliveries", "list", "--endpoint", endpointID, "--failed").output.contains("no failed attempts"))
            #expect(try await junction("deliveries", "list", "--message", messageID).output.contains(endpointID))
            #expect(try await junction("messages", "retry", messageID).output.contains("0 failed deliveries scheduled again"))

            // A failing receiver: the delivery dies after its two retries, and recover sends it again.
            try await WebhookDeliveryTests.configure(receiver, secrets: [try #require(endpoint["secret"]?.stringValue)], failFirst: 3)
            let failing = try await junction("messages", "send", "--type", "app.invoice.voided", "--payload", "{}")
            let failingID = String(failing.output.prefix { $0 != " " })
            try await ServerTestHarness.eventually(timeout: .seconds(30)) { try await junction("messages", "show", failingID).output.contains("failed") }
            #expect(try await junction("deliveries", "list", "--endpoint", endpointID, "--failed", "--json").output.contains(failingID))
            let recovered = try await junction("endpoints", "recover", endpointID, "--since", "10m")
            #expect(recovered.output.contains("1 failed deliveries scheduled again"), "\(recovered.output)\(recovered.errors)")
            try await ServerTestHarness.eventually(timeout: .seconds(30)) { try await junction("messages", "show", failingID).output.contains("succeeded") }

            // Pause and resume, disable and enable, rotate.
            #expect(try await junction("endpoints", "update", endpointID, "--pause").output.contains("status: paused"))
            #expect(try await junction("endpoints", "update", endpointID, "--resume").output.contains("status: enabled"))
            #expect(try await junction("endpoints", "update", endpointID, "--disable").output.contains("status: disabled"))
            #expect(try await junction("endpoints", "update", endpointID, "--enable", "--rate-limit", "50").output.contains("rateLimit: 50"))
            let rotated = try await junction("endpoints", "rotate-secret", endpointID)
            #expect(rotated.output.contains("secret: whsec_") && !rotated.output.contains(endpoint["secret"]?.stringValue ?? "-"), "\(rotated.output)")

            // Inbound events: list, show, tail, replay.
            let connection = try await server.request(
                .POST, "/api/v1/connections",
                body: #"{"provider": "stripe", "name": "cli-events", "credentials": {"webhookSecret": "whsec_cli_events"}}"#)
            let connectionID = try #require(connection.json["id"]?.stringValue)
            let body = WebhookIngressTests.event(id: "evt_cli_1")
            let posted = try await WebhookProcessTests.post(
                port: server.port, path: "/webhooks/\(connectionID)", body: body,
                headers: [("Stripe-Signature", WebhookIngressTests.stripeSignature(body, secret: "whsec_cli_events")), ("Content-Type", "application/json")])
            #expect(posted.status == 200)
            let events = try JSONValue.parse(try await junction("events", "list", "--connection", connectionID, "--since", "1h", "--json").output)
            let eventID = try #require(events.arrayValue?.first?["id"]?.stringValue, "\(events)")
            #expect(try await junction("events", "list", "--type", "stripe.customer.*").output.contains(eventID))
            #expect(try await junction("events", "list", "--type", "github.*").output.contains("no events"))
            try await ServerTestHarness.eventually { try await junction("events", "show", eventID).output.contains("status: processed") }
            let shown = try await junction("events", "show", eventID)
            #expect(shown.output.contains("processing attempts:") && shown.output.contains("normalized event:"), "\(shown.output)")
            let tailed = try await junction("events", "tail", "--connection", connectionID, "--since", "1h", "--count", "1", "--json")
            let tailedEvent = try JSONValue.parse(tailed.output)
            #expect(tailed.status == 0 && tailedEvent["id"]?.stringValue == eventID, "\(tailed.output)\(tailed.errors)")
            #expect(try await junction("events", "replay", eventID).output.contains("replay of \(eventID) queued"))
            try await ServerTestHarness.eventually {
                (try JSONValue.parse(try await junction("events", "show", eventID, "--json").output))["replays"] == .number(1)
            }

            // Connections: authorize needs OAuth; delete removes it.
            let deleted = try await junction("connections", "delete", connectionID)
            #expect(deleted.status == 0 && deleted.output.contains("deleted \(connectionID)"))
            #expect(try await junction("endpoints", "delete", endpointID).output.contains("deleted \(endpointID)"))

            for (arguments, fragment) in [
                (["events", "list", "--since", "yesterday"], "--since must be"),
                (["events", "list", "--status", "lost"], "--status must be one of"),
                (["events", "show", "evt_nope"], "evt_nope"),
                (["endpoints", "create", "ftp://example.com/x"], "url"),
                (["endpoints", "update", endpointID], "nothing to change"),
                (["endpoints", "show", endpointID], endpointID),
                (["endpoints", "create", "https://example.com/x", "--retry-schedule", "soon"], "--retry-schedule"),
                (["messages", "send", "--type", "app.x", "--payload", "{not json"], "--payload is not JSON"),
                (["deliveries", "list"], "--endpoint or --message"),
                (["connections", "authorize", connectionID], connectionID),
                (["connections", "delete", connectionID], connectionID),
            ] {
                let refused = try await junction(arguments)
                #expect(refused.status != 0, "\(arguments) succeeded")
                let lines = refused.errors.split(separator: "\n")
                #expect(lines.count == 1 && refused.errors.contains(fragment), "\(arguments): \(refused.errors)")
            }
            _ = try await server.stop()
        }
    }
}
