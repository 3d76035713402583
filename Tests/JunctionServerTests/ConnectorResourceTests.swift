import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JunctionConnectors
import JunctionCore
import JunctionTestSupport
import Testing

/// The uniform resources route over the built-in connectors, against real peers: localstripe (Stripe's shapes and
/// state), httpbin as a recording server (the headers localstripe ignores), and fixture servers written from the
/// HubSpot and ERPNext documents (`Tests/Peers/crm_fixtures.py` names them).
@Suite("Connector resources", .enabled(if: PythonPeer.isAvailable))
struct ConnectorResourceTests {
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

        /// Every record of `resource`, following `nextCursor` pages of `limit`.
        func all(_ resource: String, limit: Int, extra: String = "") async throws -> (records: [JSONValue], pages: Int) {
            var records: [JSONValue] = []
            var cursor: String?
            var pages = 0
            repeat {
                let query = "limit=\(limit)\(extra)" + (cursor.map { "&cursor=" + FormEncoding.percentEncoded($0) } ?? "")
                let page = try await ok(.get, "\(resource)?\(query)")
                records += page["data"]?.arrayValue ?? []
                cursor = page["nextCursor"]?.stringValue
                pages += 1
            } while cursor != nil && pages < 50
            return (records, pages)
        }
    }

    @Test("Stripe through localstripe: customers, products, payment intents, charges, refunds, plans' subscriptions, invoices and events")
    func stripeAgainstLocalstripe() async throws {
        try await PythonPeer.with("serve_localstripe.py") { (stripe: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite) { _, client in
                let api = try await Resources.create(
                    client, provider: "stripe", settings: #"{"baseURL": "\#(stripe.baseURL)"}"#,
                    credentials: #"{"apiKey": "sk_test_junction"}"#)

                // Customers: create (nested metadata goes form-encoded), page, read, update, delete.
                var customers: [String] = []
                for index in 1...3 {
                    let created = try await api.ok(
                        .post, "customers", #"{"email": "ada\#(index)@example.com", "name": "Ada \#(index)", "metadata": {"plan": "pro"}}"#,
                        status: .created)
                    #expect(created["record"]?["object"] == "customer")
                    #expect(created["record"]?["metadata"]?["plan"] == "pro")
                    customers.append(try #require(created["externalId"]?.stringValue))
                }
                let paged = try await api.all("customers", limit: 2)
                #expect(paged.pages == 2)
                #expect(Set(paged.records.compactMap { $0["externalId"]?.stringValue }) == Set(customers))
                let one = try await api.ok(.get, "customers/\(customers[0])")
                #expect(one["record"]?["email"] == "ada1@example.com")
                let renamed = try await api.ok(.patch, "customers/\(customers[0])", #"{"name": "Ada Lovelace"}"#)
                #expect(renamed["record"]?["name"] == "Ada Lovelace")
                let deleted = try await api.ok(.delete, "customers/\(customers[2])")
                #expect(deleted["record"]?["deleted"] == true)
                let gone = try await api.call(.get, "customers/\(customers[2])")
                #expect(gone.status == .notFound)
                #expect(try gone.json["type"] == "/problems/provider-not-found")
                #expect(try gone.json["providerStatus"] == 404)

                // Products.
                let product = try await api.ok(.post, "products", #"{"name": "Widget"}"#, status: .created)
                let productID = try #require(product["externalId"]?.stringValue)
                #expect(try await api.ok(.get, "products/\(productID)")["record"]?["name"] == "Widget")
                #expect(try await api.ok(.patch, "products/\(productID)", #"{"name": "Gadget"}"#)["record"]?["name"] == "Gadget")
                #expect(try await api.all("products", limit: 10).records.count == 1)
                #expect(try await api.ok(.delete, "products/\(productID)")["record"]?["deleted"] == true)

                // Payment intents.
                let intent = try await api.ok(
                    .post, "payment_intents", #"{"amount": 2000, "currency": "usd", "customer": "\#(customers[0])"}"#, status: .created)
                let intentID = try #require(intent["externalId"]?.stringValue)
                #expect(intent["record"]?["amount"] == 2000)
                let described = try await api.ok(.patch, "payment_intents/\(intentID)", #"{"metadata": {"order": "42"}}"#)
                #expect(described["record"]?["metadata"]?["order"] == "42")
                #expect(try await api.ok(.get, "payment_intents/\(intentID)")["record"]?["currency"] == "usd")
                #expect(try await api.all("payment_intents", limit: 5).records.count == 1)

                // Charges need a card payment method (made through the proxy), then refunds.
                let token = try await client.execute(
                    uri: "/api/v1/connections/\(api.connection)/proxy/v1/payment_methods", method: .post,
                    headers: ServerTestHarness.authorized,
                    body: .json(
                        #"{"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}}"#))
                let tokenID = try #require(try token.json["id"]?.stringValue, "\(token.text)")
                let charge = try await api.ok(
                    .post, "charges", #"{"amount": 1500, "currency": "usd", "source": "\#(tokenID)"}"#, status: .created)
                let chargeID = try #require(charge["externalId"]?.stringValue)
                #expect(try await api.ok(.patch, "charges/\(chargeID)", #"{"description": "paid"}"#)["record"]?["description"] == "paid")
                #expect(try await api.ok(.get, "charges/\(chargeID)")["record"]?["amount"] == 1500)
                // (updatedSince becomes created[gte], which localstripe does not implement: the query's shape is checked
                // in DeclarativeConnectorTests.)
                let refund = try await api.ok(.post, "refunds", #"{"charge": "\#(chargeID)", "amount": 500}"#, status: .created)
                let refundID = try #require(refund["externalId"]?.stringValue)
                #expect(try await api.ok(.get, "refunds/\(refundID)")["record"]?["amount"] == 500)
                #expect(
                    try await api.ok(.patch, "refunds/\(refundID)", #"{"metadata": {"reason": "late"}}"#)["record"]?["metadata"]?["reason"]
                        == "late")
                #expect(try await api.all("refunds", limit: 10).records.count == 1)

                // Subscriptions on a plan (plans are not a resource here: made through the proxy), and their invoices.
                let plan = try await client.execute(
                    uri: "/api/v1/connections/\(api.connection)/proxy/v1/plans", method: .post, headers: ServerTestHarness.authorized,
                    body: .json(#"{"id": "gold", "amount": 1000, "currency": "usd", "interval": "month", "product": {"name": "Gold"}}"#))
                #expect(plan.status == .ok, "\(plan.text)")
                let subscriber = try await api.ok(
                    .post, "customers",
                    #"{"email": "subscriber@example.com", "payment_method": "\#(tokenID)", "invoice_settings": {"default_payment_method": "\#(tokenID)"}}"#,
                    status: .created)
                let subscriberID = try #require(subscriber["externalId"]?.stringValue)
                let subscription = try await api.ok(
                    .post, "subscriptions", #"{"customer": "\#(subscriberID)", "items": [{"plan": "gold"}]}"#, status: .created)
                let subscriptionID = try #require(subscription["externalId"]?.stringValue)
                #expect(try await api.ok(.get, "subscriptions/\(subscriptionID)")["record"]?["customer"] == .string(subscriberID))
                // (localstripe accepts a subscription's metadata but does not keep it: the update's answer is checked.)
                #expect(
                    try await api.ok(.patch, "subscriptions/\(subscriptionID)", #"{"metadata": {"seat": "3"}}"#)["externalId"]
                        == .string(subscriptionID))
                #expect(try await api.all("subscriptions", limit: 10).records.count == 1)
                let invoices = try await api.all("invoices", limit: 10).records
                let invoiceID = try #require(invoices.first?["externalId"]?.stringValue, "a subscription makes an invoice")
                #expect(try await api.ok(.get, "invoices/\(invoiceID)")["record"]?["subscription"] == .string(subscriptionID))
                // (localstripe makes invoices only for subscriptions, so creating and deleting a draft invoice is not tried.)
                let annotated = try await api.ok(.patch, "invoices/\(invoiceID)", #"{"metadata": {"po": "43"}}"#)
                #expect(annotated["externalId"] == .string(invoiceID))
                let canceled = try await api.ok(.delete, "subscriptions/\(subscriptionID)")
                #expect(canceled["record"]?["status"] == "canceled")

                // Events: localstripe's own change feed.
                let events = try await api.all("events", limit: 20).records
                #expect(events.contains { $0["record"]?["type"] == "customer.created" })
                let eventID = try #require(events.first?["externalId"]?.stringValue)
                #expect(try await api.ok(.get, "events/\(eventID)")["record"]?["object"] == "event")

                // Stripe's errors, mapped: an unknown customer parameter is the caller's mistake.
                let refused = try await api.call(.post, "customers", #"{"favourite_colour": "blue"}"#)
                #expect(refused.status == .unprocessableContent, "\(refused.text)")
                #expect(try refused.json["type"] == "/problems/provider-validation")
            }
        }
    }

    @Test("Stripe's Idempotency-Key and pinned Stripe-Version reach the provider (httpbin records them)")
    func stripeHeaders() async throws {
        try await PythonPeer.with("serve_httpbin.py") { (httpbin: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite) { _, client in
                let api = try await Resources.create(
                    client, provider: "stripe", settings: #"{"baseURL": "\#(httpbin.baseURL)/anything"}"#,
                    credentials: #"{"apiKey": "sk_test_recorded"}"#)
                let keyed = try await api.ok(
                    .post, "prices",
                    #"{"unit_amount": 1200, "currency": "eur", "product_data": {"name": "Gold"}, "recurring": {"interval": "month"}}"#,
                    status: .created, headers: [HTTPField.Name("Idempotency-Key")!: "order-42-price"])
                let echoed = try #require(keyed["record"])
                #expect(echoed["headers"]?["Idempotency-Key"] == "order-42-price")
                #expect(echoed["headers"]?["Stripe-Version"] == "2024-06-20")
                #expect(echoed["headers"]?["Authorization"] == "Bearer sk_test_recorded")
                #expect(echoed["headers"]?["Content-Type"] == "application/x-www-form-urlencoded")
                #expect(echoed["form"]?["unit_amount"] == "1200")
                #expect(echoed["form"]?["product_data[name]"] == "Gold")
                #expect(echoed["form"]?["recurring[interval]"] == "month")
                #expect(echoed["url"]?.stringValue?.hasSuffix("/anything/v1/prices") == true)

                // Without the caller's key, Junction makes one; updates are POSTs to the record, also keyed.
                let update = try await api.ok(.patch, "customers/cus_123", #"{"name": "Ada"}"#)
                #expect(update["record"]?["method"] == "POST")
                #expect(update["record"]?["url"]?.stringValue?.hasSuffix("/v1/customers/cus_123") == true)
                #expect(update["record"]?["headers"]?["Idempotency-Key"]?.stringValue?.hasPrefix("junction-") == true)

                // A connection pins its own version.
                let pinned = try await client.execute(
                    uri: "/api/v1/connections/\(api.connection)", method: .patch, headers: ServerTestHarness.authorized,
                    body: .json(#"{"settings": {"apiVersion": "2023-10-16"}}"#))
                #expect(pinned.status == .ok, "\(pinned.text)")
                let repinned = try await api.ok(.post, "customers", #"{"name": "Grace"}"#, status: .created)
                #expect(repinned["record"]?["headers"]?["Stripe-Version"] == "2023-10-16")
            }
        }
    }

    @Test("HubSpot contacts and companies against a fixture of its CRM v3 API, with a mapping both ways")
    func hubspotFixture() async throws {
        try await PythonPeer.with("crm_fixtures.py") { (crm: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite) { _, client in
                let mapping = #"""
                    {"contacts": {"name": "hubspot-contact", "version": 3, "idSource": "id", "fields": [
                      {"target": "email", "source": "properties.email", "required": true},
                      {"target": "firstName", "source": "properties.firstname"},
                      {"target": "archived", "source": "archived", "type": "boolean"}]}}
                    """#
                let api = try await Resources.create(
                    client, provider: "hubspot", settings: #"{"baseURL": "\#(crm.baseURL)", "mappings": \#(mapping)}"#,
                    credentials: #"{"apiKey": "pat-na1-fixture-token"}"#)
                var ids: [String] = []
                for name in ["ada", "grace", "katherine"] {
                    let created = try await api.ok(
                        .post, "contacts", #"{"email": "\#(name)@example.com", "firstname": "\#(name)"}"#, status: .created)
                    #expect(created["mapped"]?["email"] == .string("\(name)@example.com"))
                    #expect(created["mappingVersion"] == 3)
                    ids.append(try #require(created["externalId"]?.stringValue))
                }
                let paged = try await api.all("contacts", limit: 2)
                #expect(paged.pages == 2)
                #expect(paged.records.compactMap { $0["externalId"]?.stringValue } == ids)
                let updated = try await api.ok(.patch, "contacts/\(ids[0])", #"{"firstname": "Augusta"}"#)
                #expect(updated["record"]?["properties"]?["firstname"] == "Augusta")
                #expect(updated["mapped"]?["firstName"] == "Augusta")

                // The application's shape in, mapped back into HubSpot's properties.
                let mappedIn = try await api.ok(
                    .post, "contacts?input=mapped", #"{"email": "mary@example.com", "firstName": "Mary"}"#, status: .created)
                #expect(mappedIn["record"]?["properties"]?["firstname"] == "Mary")

                // HubSpot's errors, with its message and category.
                let duplicate = try await api.call(.post, "contacts", #"{"email": "grace@example.com"}"#)
                #expect(duplicate.status == .conflict)
                #expect(try duplicate.json["providerCode"] == "CONFLICT")
                #expect(try duplicate.json["detail"]?.stringValue?.contains("Contact already exists") == true)
                let missingMapped = try await api.call(.post, "contacts?input=mapped", #"{"firstName": "NoEmail"}"#)
                #expect(missingMapped.status == .unprocessableContent)
                #expect(try missingMapped.json["field"] == "email")

                #expect(try await api.ok(.delete, "contacts/\(ids[2])")["record"]?["deleted"] == true)
                let archived = try await client.execute(
                    uri: "/api/v1/connections/\(api.connection)/changes/contacts?since=0", method: .get,
                    headers: ServerTestHarness.authorized)
                #expect(try archived.json["deleted"]?.arrayValue?.map { $0["externalId"] } == [.string(ids[2])], "\(archived.text)")
                #expect(try await api.all("contacts", limit: 100).records.count == 3)

                let company = try await api.ok(
                    .post, "companies", #"{"name": "Analytical Engines", "domain": "engines.example"}"#, status: .created)
                let companyID = try #require(company["externalId"]?.stringValue)
                #expect(try await api.ok(.get, "companies/\(companyID)")["record"]?["properties"]?["domain"] == "engines.example")

                // The calls carried the token as a bearer token and the page size HubSpot allows.
                let recorded = try JSONValue.parse(try await PeerHTTP.get(crm.baseURL + "/_requests"))
                let calls = recorded.arrayValue ?? []
                #expect(
                    calls.allSatisfy { $0["headers"]?["Authorization"] == "Bearer pat-na1-fixture-token" || $0["path"] == "/_requests" })
                #expect(calls.contains { $0["query"]?["after"] == .string(ids[1]) })

                // Wrong credentials: the connection's problem (409), not the caller's or a 500.
                let wrong = try await Resources.create(
                    client, provider: "hubspot", settings: #"{"baseURL": "\#(crm.baseURL)"}"#, credentials: #"{"apiKey": "pat-wrong"}"#)
                let refused = try await wrong.call(.get, "contacts")
                #expect(refused.status == .conflict)
                #expect(try refused.json["type"] == "/problems/provider-credentials")
                #expect(try refused.json["providerCode"] == "INVALID_AUTHENTICATION")
            }
        }
    }

    @Test("ERPNext customers against a fixture of Frappe's REST API: offset pages, modified filters, 417 read as 422")
    func erpnextFixture() async throws {
        try await PythonPeer.with("crm_fixtures.py") { (erp: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite) { _, client in
                let api = try await Resources.create(
                    client, provider: "erpnext", settings: #"{"baseURL": "\#(erp.baseURL)"}"#,
                    credentials: #"{"username": "erp_key", "password": "erp_secret"}"#)
                for name in ["Acme", "Globex", "Initech"] {
                    let created = try await api.ok(
                        .post, "customers", #"{"customer_name": "\#(name)", "customer_type": "Company"}"#, status: .created)
                    #expect(created["externalId"] == .string(name))
                }
                let paged = try await api.all("customers", limit: 2)
                #expect(paged.pages == 2)
                #expect(paged.records.compactMap { $0["externalId"]?.stringValue } == ["Acme", "Globex", "Initech"])

                let future = Int(Date().timeIntervalSince1970) + 3600
                #expect(try await api.all("customers", limit: 10, extra: "&updatedSince=\(future)").records.isEmpty)
                let past = Int(Date().timeIntervalSince1970) - 3600
                #expect(try await api.all("customers", limit: 10, extra: "&updatedSince=\(past)").records.count == 3)

                let updated = try await api.ok(.patch, "customers/Globex", #"{"customer_group": "Commercial"}"#)
                #expect(updated["record"]?["customer_group"] == "Commercial")
                #expect(try await api.ok(.get, "customers/Globex")["record"]?["customer_group"] == "Commercial")

                let invalid = try await api.call(.post, "customers", #"{"customer_type": "Company"}"#)
                #expect(invalid.status == .unprocessableContent, "\(invalid.text)")
                #expect(try invalid.json["providerCode"] == "ValidationError")
                #expect(try invalid.json["detail"]?.stringValue?.contains("Customer Name is mandatory") == true)

                #expect(try await api.ok(.delete, "customers/Initech")["externalId"] == "Initech")
                #expect(try await api.call(.get, "customers/Initech").status == .notFound)

                let recorded = try JSONValue.parse(try await PeerHTTP.get(erp.baseURL + "/_requests"))
                let lists = (recorded.arrayValue ?? []).filter { $0["method"] == "GET" && $0["path"] == "/api/resource/Customer" }
                #expect(lists.contains { $0["query"]?["limit_start"] == "2" && $0["query"]?["limit_page_length"] == "2" })
                #expect(lists.contains { $0["query"]?["filters"]?.stringValue?.hasPrefix(#"[["modified", ">=", ""#) == true })
            }
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
