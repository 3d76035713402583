import Foundation
import JunctionCore
import JunctionTestSupport
import NIOHTTP1
import Testing

/// Tracing as an operator sees it: `junction serve` with `OTEL_EXPORTER_OTLP_ENDPOINT` set exports its spans over
/// OTLP/HTTP to a receiver on loopback that decodes them with the OpenTelemetry project's protobuf classes
/// (`Tests/Peers/otlp_receiver.py`), and a webhook's trace runs unbroken from its arrival to its delivery.
@Suite("Tracing over OTLP", .serialized, .enabled(if: PythonPeer.isAvailable))
struct TracingTests {
    /// One span as the receiver decoded it.
    struct ExportedSpan: Decodable {
        var traceId: String
        var spanId: String
        var parentSpanId: String
        var name: String
        var kind: String
        var service: String?
        var attributes: [String: JSONValue]
        var links: [Link]

        struct Link: Decodable {
            var traceId: String
            var spanId: String
        }
    }

    static func spans(_ receiver: PythonPeer) async throws -> [ExportedSpan] {
        try JSONDecoder().decode([ExportedSpan].self, from: Data(try await PeerHTTP.get(receiver.baseURL + "/spans").utf8))
    }

    @Test("a webhook's trace runs from ingress through processing and the delivery job to the endpoint, parents intact")
    func webhookTrace() async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await PythonPeer.with("otlp_receiver.py") { (collector: PythonPeer) async throws -> Void in
            try await PythonPeer.with("webhook_receiver.py") { (receiver: PythonPeer) async throws -> Void in
                let environment = [
                    "JUNCTION_ADMIN_TOKEN": ServeProcessTests.token,
                    "OTEL_EXPORTER_OTLP_ENDPOINT": collector.baseURL,
                    "OTEL_SERVICE_NAME": "junction-trace-test",
                    "OTEL_BSP_SCHEDULE_DELAY": "100",
                ]
                let server = try await ServeProcessTests.Server.start(
                    environment: environment, workingDirectory: folder, extraArguments: ["--allow-private-endpoints"])
                let endpoint = try await server.request(
                    .POST, "/api/v1/endpoints", body: #"{"url": "\#(receiver.baseURL)/hooks/traced", "eventTypes": ["stripe.*"]}"#)
                try await WebhookDeliveryTests.configure(receiver, secrets: [try #require(endpoint.json["secret"]?.stringValue)])
                let webhookSecret = "whsec_trace_test_secret"
                let created = try await server.request(
                    .POST, "/api/v1/connections",
                    body: #"{"provider": "stripe", "name": "traced", "credentials": {"apiKey": "sk_test_trace_key", "webhookSecret": "\#(webhookSecret)"}}"#
                )
                let connection = try #require(created.json["id"]?.stringValue)

                // The provider's own trace context: Junction's server span must continue it.
                let senderTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
                let senderSpan = "00f067aa0ba902b7"
                let body = WebhookIngressTests.event(id: "evt_traced")
                let answered = try await WebhookProcessTests.post(
                    port: server.port, path: "/webhooks/\(connection)", body: body,
                    headers: [
                        ("Stripe-Signature", WebhookIngressTests.stripeSignature(body, secret: webhookSecret)),
                        ("Content-Type", "application/json"),
                        ("traceparent", "00-\(senderTrace)-\(senderSpan)-01"),
                    ]
                )
                #expect(answered.status == 200, "\(answered.body)")
                try await ServerTestHarness.eventually(timeout: .seconds(30)) {
                    try await WebhookDeliveryTests.deliveries(receiver).count == 1
                }
                let delivered = try #require(try await WebhookDeliveryTests.deliveries(receiver).first)
                let header = try #require(delivered.traceparent, "the delivery carries traceparent")
                let headerParts = header.split(separator: "-").map(String.init)
                #expect(headerParts.count == 4 && headerParts[1] == senderTrace, "\(header)")

                // The four spans of the chain arrive once the exporter's batch is sent.
                var trace: [ExportedSpan] = []
                try await ServerTestHarness.eventually(timeout: .seconds(30)) {
                    trace = try await Self.spans(collector).filter { $0.traceId == senderTrace }
                    return trace.contains { $0.kind == "SPAN_KIND_CLIENT" }
                }
                let ingress = try #require(trace.first { $0.kind == "SPAN_KIND_SERVER" }, "\(trace.map(\.name))")
                #expect(ingress.name == "POST /webhooks/{connectionId}")
                #expect(ingress.parentSpanId == senderSpan, "the server span continues the sender's trace")
                #expect(ingress.attributes["http.response.status_code"] == .number(200))
                let processing = try #require(trace.first { $0.name == "webhook.process" })
                #expect(processing.parentSpanId == ingress.spanId)
                #expect(processing.attributes["junction.connection.id"] == .string(connection))
                // The batch job that processed it belongs to no one request: the event's span links to it instead.
                let batchLink = try #require(processing.links.first)
                let allSpans = try await Self.spans(collector)
                let batchJob = try #require(allSpans.first { $0.spanId == batchLink.spanId }, "the linked batch span was exported")
                #expect(batchJob.name == "job webhook.process")
                let deliveryJob = try #require(trace.first { $0.name == "job webhook.deliver" })
                #expect(deliveryJob.parentSpanId == processing.spanId)
                let call = try #require(trace.first { $0.kind == "SPAN_KIND_CLIENT" })
                #expect(call.name == "POST")
                #expect(call.parentSpanId == deliveryJob.spanId)
                #expect(call.attributes["http.response.status_code"] == .number(200))
                #expect(call.attributes["server.address"] == .string("127.0.0.1"))
                #expect(headerParts[2] == call.spanId, "the endpoint sees the delivery's client span as its parent")
                #expect(Set(trace.compactMap(\.service)) == ["junction-trace-test"])

                // A request without a traceparent starts a trace of its own.
                #expect(try await server.request(.GET, "/api/v1/connections/\(connection)").status == 200)
                try await ServerTestHarness.eventually(timeout: .seconds(30)) {
                    try await Self.spans(collector).contains { $0.name == "GET /api/v1/connections/{id}" }
                }
                let read = try #require(try await Self.spans(collector).first { $0.name == "GET /api/v1/connections/{id}" })
                #expect(read.parentSpanId.isEmpty && read.traceId != senderTrace)
                #expect(read.attributes["junction.request_id"] != nil)

                // A provider call made for a request is that request's child, its URL recorded as the logs show it.
                let provider = try await server.request(
                    .POST, "/api/v1/connections",
                    body: #"{"provider": "stripe", "name": "traced-calls", "settings": {"baseURL": "\#(collector.baseURL)"}, "credentials": {"apiKey": "sk_test_trace_key"}}"#
                )
                let callingConnection = try #require(provider.json["id"]?.stringValue)
                let proxied = try await server.request(.GET, "/api/v1/connections/\(callingConnection)/proxy/v1/customers?key=query_secret_value")
                #expect(proxied.status == 404, "the receiver has no such path: \(proxied.json)")
                var providerCall: ExportedSpan?
                try await ServerTestHarness.eventually(timeout: .seconds(30)) {
                    providerCall = try await Self.spans(collector).first { $0.attributes["junction.connection.id"] == .string(callingConnection) }
                    return providerCall != nil
                }
                let outbound = try #require(providerCall)
                #expect(outbound.kind == "SPAN_KIND_CLIENT" && outbound.name == "GET")
                #expect(outbound.attributes["http.response.status_code"] == .number(404))
                let url = outbound.attributes["url.full"]?.stringValue ?? ""
                #expect(url.hasPrefix(collector.baseURL + "/v1/customers?key="), "\(url)")
                let proxyRequest = try #require(try await Self.spans(collector).first { $0.spanId == outbound.parentSpanId })
                #expect(proxyRequest.kind == "SPAN_KIND_SERVER" && proxyRequest.traceId == outbound.traceId)
                // Log lines written inside a span name its trace.
                #expect(server.process.standardError.contains("trace_id=\(outbound.traceId)"))

                // Nothing secret is recorded: not the credentials, not the endpoint's path, not a query's key.
                let exported = try await PeerHTTP.get(collector.baseURL + "/spans")
                for secret in [webhookSecret, "sk_test_trace_key", "/hooks/traced", ServeProcessTests.token, "query_secret_value"] {
                    #expect(!exported.contains(secret), "\(secret) appears in an exported span")
                }
                #expect(try await server.stop() == 0)
            }
        }
    }
}
