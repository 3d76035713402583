import Foundation
import JunctionApp
import JunctionConnectors
import JunctionCore
import JunctionHTTP
import JunctionTestSupport
import Testing

/// The built-in connectors through the application layer (ResourceService over ConnectionRuntime, which gives them
/// credentials, the client policy and mappings), against real peers: localstripe (Stripe's shapes and state), httpbin as
/// a recording server (the headers localstripe ignores), and fixture servers written from the HubSpot and ERPNext
/// documents (`Tests/Peers/crm_fixtures.py` names them). How their failures read over HTTP is the server's tests' part.
@Suite("Connector resources", .enabled(if: PythonPeer.isAvailable))
struct ConnectorResourceTests {
    @Test("Stripe through localstripe: customers, products, payment intents, charges, refunds, plans' subscriptions, invoices and events")
    func stripeAgainstLocalstripe() async throws {
        try await PythonPeer.with("serve_localstripe.py") { (stripe: PythonPeer) async throws -> Void in
            try await ConnectorDriver.Harness.with(.sqlite) { app in
                let api = try await ConnectorDriver.create(
                    app, provider: "stripe", settings: #"{"baseURL": "\#(stripe.baseURL)"}"#,
                    credentials: #"{"apiKey": "sk_test_junction"}"#)

                // Customers: create (nested metadata goes form-encoded), page, read, update, delete.
                var customers: [String] = []
                for index in 1...3 {
                    let created = try await api.ok(
                        .post, "customers", #"{"email": "ada\#(index)@example.com", "name": "Ada \#(index)", "metadata": {"plan": "pro"}}"#)
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
                let gone = await api.call(.get, "customers/\(customers[2])")
                #expect(gone.failure == "notFound")
                #expect(gone.provider?.status == 404)

                // Products.
                let product = try await api.ok(.post, "products", #"{"name": "Widget"}"#)
                let productID = try #require(product["externalId"]?.stringValue)
                #expect(try await api.ok(.get, "products/\(productID)")["record"]?["name"] == "Widget")
                #expect(try await api.ok(.patch, "products/\(productID)", #"{"name": "Gadget"}"#)["record"]?["name"] == "Gadget")
                #expect(try await api.all("products", limit: 10).records.count == 1)
                #expect(try await api.ok(.delete, "products/\(productID)")["record"]?["deleted"] == true)

                // Payment intents.
                let intent = try await api.ok(
                    .post, "payment_intents", #"{"amount": 2000, "currency": "usd", "customer": "\#(customers[0])"}"#)
                let intentID = try #require(intent["externalId"]?.stringValue)
                #expect(intent["record"]?["amount"] == 2000)
                let described = try await api.ok(.patch, "payment_intents/\(intentID)", #"{"metadata": {"order": "42"}}"#)
                #expect(described["record"]?["metadata"]?["order"] == "42")
                #expect(try await api.ok(.get, "payment_intents/\(intentID)")["record"]?["currency"] == "usd")
                #expect(try await api.all("payment_intents", limit: 5).records.count == 1)

                // Charges need a card payment method (made through the proxy), then refunds.
                let token = try await api.send(
                    "POST", "/v1/payment_methods",
                    body: #"{"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}}"#)
                let tokenID = try #require(token["id"]?.stringValue, "\(token)")
                let charge = try await api.ok(
                    .post, "charges", #"{"amount": 1500, "currency": "usd", "source": "\#(tokenID)"}"#)
                let chargeID = try #require(charge["externalId"]?.stringValue)
                #expect(try await api.ok(.patch, "charges/\(chargeID)", #"{"description": "paid"}"#)["record"]?["description"] == "paid")
                #expect(try await api.ok(.get, "charges/\(chargeID)")["record"]?["amount"] == 1500)
                // (updatedSince becomes created[gte], which localstripe does not implement: the query's shape is checked
                // in DeclarativeConnectorTests.)
                let refund = try await api.ok(.post, "refunds", #"{"charge": "\#(chargeID)", "amount": 500}"#)
                let refundID = try #require(refund["externalId"]?.stringValue)
                #expect(try await api.ok(.get, "refunds/\(refundID)")["record"]?["amount"] == 500)
                #expect(
                    try await api.ok(.patch, "refunds/\(refundID)", #"{"metadata": {"reason": "late"}}"#)["record"]?["metadata"]?["reason"]
                        == "late")
                #expect(try await api.all("refunds", limit: 10).records.count == 1)

                // Subscriptions on a plan (plans are not a resource here: made through the proxy), and their invoices.
                let plan = try await api.send(
                    "POST", "/v1/plans",
                    body: #"{"id": "gold", "amount": 1000, "currency": "usd", "interval": "month", "product": {"name": "Gold"}}"#)
                #expect(plan["id"] == "gold", "\(plan)")
                let subscriber = try await api.ok(
                    .post, "customers",
                    #"{"email": "subscriber@example.com", "payment_method": "\#(tokenID)", "invoice_settings": {"default_payment_method": "\#(tokenID)"}}"#)
                let subscriberID = try #require(subscriber["externalId"]?.stringValue)
                let subscription = try await api.ok(
                    .post, "subscriptions", #"{"customer": "\#(subscriberID)", "items": [{"plan": "gold"}]}"#)
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

                // Stripe's errors, read: an unknown customer parameter is the provider refusing the input.
                let refused = await api.call(.post, "customers", #"{"favourite_colour": "blue"}"#)
                #expect(refused.failure == "validation", "\(refused.detail)")
            }
        }
    }

    @Test("Stripe's Idempotency-Key and pinned Stripe-Version reach the provider (httpbin records them)")
    func stripeHeaders() async throws {
        try await PythonPeer.with("serve_httpbin.py") { (httpbin: PythonPeer) async throws -> Void in
            try await ConnectorDriver.Harness.with(.sqlite) { app in
                let api = try await ConnectorDriver.create(
                    app, provider: "stripe", settings: #"{"baseURL": "\#(httpbin.baseURL)/anything"}"#,
                    credentials: #"{"apiKey": "sk_test_recorded"}"#)
                let keyed = try await api.ok(
                    .post, "prices",
                    #"{"unit_amount": 1200, "currency": "eur", "product_data": {"name": "Gold"}, "recurring": {"interval": "month"}}"#,
                    idempotencyKey: "order-42-price")
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
                try await api.updateSettings(#"{"apiVersion": "2023-10-16"}"#)
                let repinned = try await api.ok(.post, "customers", #"{"name": "Grace"}"#)
                #expect(repinned["record"]?["headers"]?["Stripe-Version"] == "2023-10-16")
            }
        }
    }

    @Test("HubSpot contacts and companies against a fixture of its CRM v3 API, with a mapping both ways")
    func hubspotFixture() async throws {
        try await PythonPeer.with("crm_fixtures.py") { (crm: PythonPeer) async throws -> Void in
            try await ConnectorDriver.Harness.with(.sqlite) { app in
                let mapping = #"""
                    {"contacts": {"name": "hubspot-contact", "version": 3, "idSource": "id", "fields": [
                      {"target": "email", "source": "properties.email", "required": true},
                      {"target": "firstName", "source": "properties.firstname"},
                      {"target": "archived", "source": "archived", "type": "boolean"}]}}
                    """#
                let api = try await ConnectorDriver.create(
                    app, provider: "hubspot", settings: #"{"baseURL": "\#(crm.baseURL)", "mappings": \#(mapping)}"#,
                    credentials: #"{"apiKey": "pat-na1-fixture-token"}"#)
                var ids: [String] = []
                for name in ["ada", "grace", "katherine"] {
                    let created = try await api.ok(
                        .post, "contacts", #"{"email": "\#(name)@example.com", "firstname": "\#(name)"}"#)
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
                    .post, "contacts?input=mapped", #"{"email": "mary@example.com", "firstName": "Mary"}"#)
                #expect(mappedIn["record"]?["properties"]?["firstname"] == "Mary")

                // HubSpot's errors, with its message and category.
                let duplicate = await api.call(.post, "contacts", #"{"email": "grace@example.com"}"#)
                #expect(duplicate.failure == "conflict")
                #expect(duplicate.provider?.code == "CONFLICT")
                #expect(duplicate.detail.contains("Contact already exists"))
                let missingMapped = await api.call(.post, "contacts?input=mapped", #"{"firstName": "NoEmail"}"#)
                #expect(missingMapped.failure == "mapping")
                #expect((missingMapped.error as? ApplicationError)?.details["field"] == "email")

                #expect(try await api.ok(.delete, "contacts/\(ids[2])")["record"]?["deleted"] == true)
                let archived = try await api.changes("contacts", since: "0")
                #expect(archived.deleted.map(\.id) == [ids[2]])
                #expect(try await api.all("contacts", limit: 100).records.count == 3)

                let company = try await api.ok(
                    .post, "companies", #"{"name": "Analytical Engines", "domain": "engines.example"}"#)
                let companyID = try #require(company["externalId"]?.stringValue)
                #expect(try await api.ok(.get, "companies/\(companyID)")["record"]?["properties"]?["domain"] == "engines.example")

                // The calls carried the token as a bearer token and the page size HubSpot allows.
                let recorded = try JSONValue.parse(try await PeerHTTP.get(crm.baseURL + "/_requests"))
                let calls = recorded.arrayValue ?? []
                #expect(
                    calls.allSatisfy { $0["headers"]?["Authorization"] == "Bearer pat-na1-fixture-token" || $0["path"] == "/_requests" })
                #expect(calls.contains { $0["query"]?["after"] == .string(ids[1]) })

                // Wrong credentials: the connection's problem (409), not the caller's or a 500.
                let wrong = try await ConnectorDriver.create(
                    app, provider: "hubspot", settings: #"{"baseURL": "\#(crm.baseURL)"}"#, credentials: #"{"apiKey": "pat-wrong"}"#)
                let refused = await wrong.call(.get, "contacts")
                #expect(refused.failure == "unauthorized")
                #expect(refused.provider?.code == "INVALID_AUTHENTICATION")
            }
        }
    }

    @Test("ERPNext customers against a fixture of Frappe's REST API: offset pages, modified filters, 417 read as 422")
    func erpnextFixture() async throws {
        try await PythonPeer.with("crm_fixtures.py") { (erp: PythonPeer) async throws -> Void in
            try await ConnectorDriver.Harness.with(.sqlite) { app in
                let api = try await ConnectorDriver.create(
                    app, provider: "erpnext", settings: #"{"baseURL": "\#(erp.baseURL)"}"#,
                    credentials: #"{"username": "erp_key", "password": "erp_secret"}"#)
                for name in ["Acme", "Globex", "Initech"] {
                    let created = try await api.ok(
                        .post, "customers", #"{"customer_name": "\#(name)", "customer_type": "Company"}"#)
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

                let invalid = await api.call(.post, "customers", #"{"customer_type": "Company"}"#)
                #expect(invalid.failure == "validation", "\(invalid.detail)")
                #expect(invalid.provider?.code == "ValidationError")
                #expect(invalid.detail.contains("Customer Name is mandatory"))

                #expect(try await api.ok(.delete, "customers/Initech")["externalId"] == "Initech")
                #expect(await api.call(.get, "customers/Initech").failure == "notFound")

                let recorded = try JSONValue.parse(try await PeerHTTP.get(erp.baseURL + "/_requests"))
                let lists = (recorded.arrayValue ?? []).filter { $0["method"] == "GET" && $0["path"] == "/api/resource/Customer" }
                #expect(lists.contains { $0["query"]?["limit_start"] == "2" && $0["query"]?["limit_page_length"] == "2" })
                #expect(lists.contains { $0["query"]?["filters"]?.stringValue?.hasPrefix(#"[["modified", ">=", ""#) == true })
            }
        }
    }
}
