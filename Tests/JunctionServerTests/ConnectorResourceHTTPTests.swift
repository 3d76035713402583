import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JunctionConnectors
import JunctionCore
import JunctionTestSupport
import Testing

/// The uniform resources route over HTTP: how connector and provider failures read as problem documents, and inbound
/// webhook data mapped with a connection's mapping. The connectors' own behaviour is tested through the application
/// layer in JunctionAppTests.
@Suite("Connector resources over HTTP", .enabled(if: PythonPeer.isAvailable))
struct ConnectorResourceHTTPTests {
    /// Calls `/api/v1/connections/{id}/resources/…` of one connection.
    struct Resources {
        let client: any TestClientProtocol
        let connection: String

        static func create(
            _ client: any TestClientProtocol, provider: String, settings: String, credentials: String
        ) async throws -> Resources {
            let response = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized,
                body: .json(
                    #"{"provider": "\#(provider)", "name": "\#(provider) test", "settings": \#(settings), "credentials": \#(credentials)}"#)
            )
            guard let id = try response.json["id"]?.stringValue else { throw TestSetupError("create failed: \(response.text)") }
            return Resources(client: client, connection: id)
        }

        func call(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, headers: HTTPFields = [:]) async throws
            -> TestResponse
        {
            var fields = ServerTestHarness.authorized
            for field in headers { fields.append(field) }
            return try await client.execute(
                uri: "/api/v1/connections/\(connection)/resources/\(path)", method: method, headers: fields, body: body.map { .json($0) })
        }

        /// A call that must succeed with `status`; its body as JSON.
        func ok(
            _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, status: HTTPResponse.Status = .ok,
            headers: HTTPFields = [:], sourceLocation: SourceLocation = #_sourceLocation
        ) async throws -> [String: JSONValue] {
            let response = try await call(method, path, body, headers: headers)
            #expect(response.status == status, "\(method) \(path): \(response.text)", sourceLocation: sourceLocation)
            return try response.json
        }
    }

    @Test("Inbound webhook data is mapped with the same engine and the connection's mapping, then forwarded")
    func webhookMapping() async throws {
        try await PythonPeer.with("webhook_receiver.py") { (receiver: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite, allowPrivateEndpoints: true) { harness, client in
                let endpoint = try await WebhookDeliveryTests.createEndpoint(
                    client, #"{"url": "\#(receiver.baseURL)/hooks/app", "eventTypes": ["stripe.customer.*"]}"#)
                try await WebhookDeliveryTests.configure(receiver, secrets: [endpoint.secret])
                let mappings = #"""
                    {"mappings": {"customers": {"name": "customer", "version": 2, "idSource": "id", "fields": [
                        {"target": "customerId", "source": "id"}, {"target": "contact.email", "source": "email", "required": true}]},
                      "subscriptions": {"name": "subscription", "version": 1, "fields": [{"target": "plan", "source": "plan.id", "required": true}]}}}
                    """#
                let connection = try await WebhookIngressTests.stripeConnection(client, settings: mappings)
                let customer = WebhookIngressTests.event(id: "evt_mapped", type: "customer.created")
                let stored = try await WebhookIngressTests.post(
                    client, connection, customer, signature: WebhookIngressTests.stripeSignature(customer))
                let eventID = try #require(try stored.json["id"]?.stringValue)
                // A subscription event: the more specific pattern (customer.subscription.*) wins, and its data lacks the plan.
                let subscription = WebhookIngressTests.event(id: "evt_unmappable", type: "customer.subscription.created")
                _ = try await WebhookIngressTests.post(
                    client, connection, subscription, signature: WebhookIngressTests.stripeSignature(subscription))
                try await harness.withWorkers {
                    try await ServerTestHarness.eventually { try await WebhookDeliveryTests.deliveries(receiver).count >= 2 }
                }
                let bodies = try await WebhookDeliveryTests.deliveries(receiver).map { try JSONValue.parse($0.body) }
                let mapped = try #require(bodies.first { $0["type"] == "stripe.customer.created" })
                #expect(mapped["resource"] == "customers")
                #expect(mapped["mapped"] == ["customerId": "cus_evt_mapped", "contact": ["email": "a@example.com"]])
                #expect(mapped["mappingVersion"] == 2)
                let unmappable = try #require(bodies.first { $0["type"] == "stripe.customer.subscription.created" })
                #expect(unmappable["resource"] == "subscriptions")
                #expect(unmappable["mapped"] == nil)
                #expect(unmappable["mappingError"]?.stringValue?.contains("plan") == true)
                let shown = try await client.execute(uri: "/api/v1/events/\(eventID)", method: .get, headers: ServerTestHarness.authorized)
                #expect(try shown.json["event"]?["mapped"]?["contact"]?["email"] == "a@example.com")
            }
        }
    }

    @Test(
        "Mistakes get clear problems: unknown resource, unsupported operation, bad limit, time or input, an unreachable provider, a bad mapping"
    )
    func mistakes() async throws {
        try await ServerTestHarness.with(.sqlite) { _, client in
            let api = try await Resources.create(
                client, provider: "stripe", settings: #"{"baseURL": "http://127.0.0.1:9"}"#, credentials: #"{"apiKey": "sk_test_x"}"#)
            #expect(try await api.call(.get, "customers/%2E%2E").status == .badRequest)
            #expect(try await api.call(.get, "customers?updatedSince=9223372036854775807").status == .badRequest)
            let future = try await client.execute(
                uri: "/api/v1/connections/\(api.connection)/changes/customers?since=4102444800", method: .get,
                headers: ServerTestHarness.authorized)
            // A window that starts in the future is empty: nothing to ask the provider.
            #expect(future.status == .ok)
            #expect(try future.json["deleted"] == [])
            let proxyOnly = try await Resources.create(
                client, provider: "rest", settings: #"{"baseURL": "http://127.0.0.1:9"}"#, credentials: "{}")
            let untestable = try await client.execute(
                uri: "/api/v1/connections/\(proxyOnly.connection)/test", method: .post, headers: ServerTestHarness.authorized)
            #expect(untestable.status == .methodNotAllowed)
            let unknown = try await api.call(.get, "widgets")
            #expect(unknown.status == .notFound)
            #expect(try unknown.json["detail"]?.stringValue?.contains("customers, products") == true)
            #expect(try await api.call(.delete, "events/evt_1").status == .methodNotAllowed)
            #expect(try await api.call(.get, "customers?limit=0").status == .badRequest)
            #expect(try await api.call(.get, "customers?updatedSince=yesterday").status == .badRequest)
            #expect(try await api.call(.get, "customers?colour=red").status == .badRequest)
            #expect(try await api.call(.post, "customers", "[1, 2]").status == .badRequest)
            #expect(try await api.call(.post, "customers?input=mapped", #"{"a": 1}"#).status == .badRequest)
            let unreachable = try await api.call(.get, "customers")
            #expect(unreachable.status == .badGateway)
            #expect(try unreachable.json["type"] == "/problems/provider-unreachable")

            let listed = try await client.execute(
                uri: "/api/v1/connections/\(api.connection)/resources", method: .get, headers: ServerTestHarness.authorized)
            #expect(try listed.json["data"]?.arrayValue?.count == 9)

            let badMapping = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized,
                body: .json(
                    #"{"provider": "stripe", "name": "m", "settings": {"mappings": {"customers": {"name": "m", "version": 0, "fields": [{"target": "a", "type": "colour"}]}}}}"#
                ))
            #expect(badMapping.status == .badRequest)
            #expect(try badMapping.json["detail"]?.stringValue?.contains("settings.mappings.customers.version") == true)
            let typo = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized,
                body: .json(
                    #"{"provider": "stripe", "name": "m", "settings": {"mappings": {"customers": {"name": "m", "version": 1, "fields": [{"target": "a", "source": "b", "typ": "string"}]}}}}"#
                ))
            #expect(typo.status == .badRequest)
            #expect(try typo.json["unknownFields"] == ["settings.mappings.customers.fields[0].typ"])
            let wrongType = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized,
                body: .json(
                    #"{"provider": "stripe", "name": "m", "settings": {"mappings": {"customers": {"name": "m", "version": "2", "fields": []}}}}"#
                ))
            #expect(try wrongType.json["detail"]?.stringValue?.contains("version") == true, "\(wrongType.text)")
            let wrongResource = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized,
                body: .json(
                    #"{"provider": "stripe", "name": "m", "settings": {"mappings": {"widgets": {"name": "m", "version": 1, "fields": []}}}}"#
                ))
            #expect(wrongResource.status == .badRequest)

            let providers = try await client.execute(uri: "/api/v1/providers/hubspot", method: .get, headers: ServerTestHarness.authorized)
            #expect(try providers.json["resources"]?.arrayValue?.map { $0["name"] } == ["contacts", "companies"])
        }
    }
}
