import Foundation
import HTTPTypes
@testable import JunctionConnectors
import JunctionCore
import JunctionHTTP
import JunctionWebhooks
import Synchronization
import Testing

/// A transport that records requests and answers from a script, for the shapes of calls no local peer checks.
final class ScriptedTransport: ConnectorTransport {
    let requests = Mutex<[APIRequest]>([])
    let answer: @Sendable (APIRequest) -> APIResponse

    init(answer: @escaping @Sendable (APIRequest) -> APIResponse) {
        self.answer = answer
    }

    func send(_ request: APIRequest) async throws -> APIResponse {
        requests.withLock { $0.append(request) }
        return answer(request)
    }

    var sent: [APIRequest] { requests.withLock { $0 } }

    static func json(_ text: String, status: Int = 200, headers: HTTPFields = [:]) -> APIResponse {
        var fields = headers
        fields[.contentType] = "application/json"
        return APIResponse(status: status, headers: fields, body: Data(text.utf8), attempt: 1)
    }
}

@Suite("Declarative connectors")
struct DeclarativeConnectorTests {
    static func connector(_ name: String) throws -> DeclarativeConnector {
        try #require(ProviderCatalog.builtIn.connector(named: name) as? DeclarativeConnector)
    }

    static func session(_ transport: ScriptedTransport, base: String = "https://api.example.com", version: String? = nil)
        -> ConnectorSession
    {
        ConnectorSession(connectionID: "conn_test", baseURL: base, apiVersion: version, transport: transport)
    }

    @Test("Every built-in definition is valid, and names a verifier the webhook module has")
    func builtInsAreValid() throws {
        for (name, text) in BuiltInDefinitions.all {
            let definition = try ConnectorDefinition.load(text, knownVerifiers: Set(WebhookSourceSettings.verifierNames))
            #expect(definition.descriptor.name == name)
            #expect(!definition.descriptor.resources.isEmpty)
        }
    }

    @Test("A definition's mistakes are all reported, each with its path")
    func everyMistakeWithItsPath() throws {
        let text = """
            name: Bad Name
            baseURL: ftp://example.com
            auth: {kinds: [magic]}
            request: {format: xml, updateMethod: GET}
            resources:
              - name: things
                path: things
                operations: [list, fly]
                pagination: {style: offset, param: o}
                incremental: {field: "a..b", param: since, format: weird}
              - {name: widgets, path: /w, itemPath: /w/item, operations: [get], deletes: {events: {resource: nowhere, types: [w.deleted]}}}
            webhook: {verifier: nope, events: {"x.*": nothing}}
            errors: {statuses: {417: 200}}
            pagination: {style: cursor, param: a, next: b, maxPageSize: 1e20}
            extra: 1
            """
        do {
            _ = try ConnectorDefinition.load(text, knownVerifiers: Set(WebhookSourceSettings.verifierNames))
            Issue.record("the definition was accepted")
        } catch {
            let paths = Set(error.errors.map(\.path))
            for expected in [
                "extra", "name", "displayName", "baseURL", "auth.kinds[0]", "request.format", "request.updateMethod", "resources[0].path",
                "resources[0].operations[1]", "resources[0].pagination.limitParam", "resources[0].incremental.field",
                "resources[0].incremental.format", "resources[1].itemPath", "webhook.verifier", "webhook.events.x.*",
                "errors.statuses.417", "pagination.maxPageSize",
            ] {
                #expect(paths.contains(expected), "\(expected) not in \(paths.sorted())")
            }
        }
        #expect(try DefinitionDocument.parse("a: &x 1\nb: *x\n") == ["a": 1, "b": 1])
        #expect(throws: ConnectorDefinitionErrors.self) { try DefinitionDocument.parse("a: 1\na: 2\n") }
        #expect(throws: ConnectorDefinitionErrors.self) { try DefinitionDocument.parse("a: [1, 2\n") }
    }

    @Test("Stripe lists: limit, starting_after from the last id while has_more, created[gte] in Unix seconds, the pinned version")
    func stripeListShape() async throws {
        let stripe = try Self.connector("stripe")
        let transport = ScriptedTransport { request in
            request.url.contains("starting_after")
                ? ScriptedTransport.json(#"{"object": "list", "data": [{"id": "cus_3"}], "has_more": false}"#)
                : ScriptedTransport.json(#"{"object": "list", "data": [{"id": "cus_1"}, {"id": "cus_2"}], "has_more": true}"#)
        }
        let session = Self.session(transport, version: "2023-10-16")
        let customers = try stripe.resource(named: "customers")
        let since = Date(timeIntervalSince1970: 1_714_564_800)
        let first = try await stripe.list(customers, query: ListQuery(limit: 2, updatedSince: since), session: session)
        #expect(first.records.count == 2)
        #expect(first.nextCursor == "cus_2")
        let second = try await stripe.list(
            customers, query: ListQuery(cursor: first.nextCursor, limit: 500, updatedSince: since), session: session)
        #expect(second.nextCursor == nil)
        let urls = transport.sent.map(\.url)
        #expect(urls[0] == "https://api.example.com/v1/customers?limit=2&created%5Bgte%5D=1714564800")
        #expect(urls[1] == "https://api.example.com/v1/customers?limit=100&created%5Bgte%5D=1714564800&starting_after=cus_2")
        #expect(transport.sent.allSatisfy { $0.headers[HTTPField.Name("Stripe-Version")!] == "2023-10-16" })
        #expect(transport.sent.allSatisfy { $0.connectionID == "conn_test" })
    }

    @Test("Stripe writes: nested values form-encoded, an Idempotency-Key on every create and update, POST updates")
    func stripeWriteShape() async throws {
        let stripe = try Self.connector("stripe")
        let transport = ScriptedTransport { _ in ScriptedTransport.json(#"{"id": "sub_1", "object": "subscription"}"#) }
        let session = Self.session(transport)
        let subscriptions = try stripe.resource(named: "subscriptions")
        let record = try JSONValue.parse(
            #"{"customer": "cus_1", "items": [{"price": "price_1", "quantity": 2}], "metadata": {"note": "a b&c"}, "cancel_at": null}"#)
        _ = try await stripe.create(subscriptions, record: record, idempotencyKey: "key-1", session: session)
        _ = try await stripe.update(subscriptions, id: "sub/1", changes: ["metadata": ["seat": 3]], idempotencyKey: nil, session: session)
        let (create, update) = (transport.sent[0], transport.sent[1])
        #expect(
            String(decoding: create.body ?? Data(), as: UTF8.self)
                == "cancel_at=&customer=cus_1&items%5B0%5D%5Bprice%5D=price_1&items%5B0%5D%5Bquantity%5D=2&metadata%5Bnote%5D=a%20b%26c")
        #expect(create.headers[HTTPField.Name("Idempotency-Key")!] == "key-1")
        #expect(create.headers[.contentType] == "application/x-www-form-urlencoded")
        #expect(update.method == .post)
        #expect(update.url == "https://api.example.com/v1/subscriptions/sub%2F1")
        #expect(update.headers[HTTPField.Name("Idempotency-Key")!]?.hasPrefix("junction-") == true)
    }

    static let nextURLDefinition = """
        name: pages
        displayName: Pages
        baseURL: https://api.example.com
        auth: {kinds: [api_key]}
        resources:
          - name: accounts
            path: /services/data/{apiVersion}/query
            operations: [list]
            records: records
            pagination: {style: nextUrl, next: nextRecordsUrl}
          - name: repos
            path: /repos
            operations: [list]
            pagination: {style: linkHeader, limitParam: per_page, maxPageSize: 50}
        """

    @Test("Next-page URLs become cursors; a cursor pointing at another origin is refused")
    func nextURLCursors() async throws {
        let connector = DeclarativeConnector(try ConnectorDefinition.load(Self.nextURLDefinition, knownVerifiers: nil))
        let transport = ScriptedTransport { request in
            if request.url.contains("/repos") {
                return ScriptedTransport.json(
                    "[{\"id\": 1}]", headers: [HTTPField.Name("Link")!: #"<https://api.example.com/repos?page=2>; rel="next""#])
            }
            return request.url.contains("01gD")
                ? ScriptedTransport.json(#"{"records": [{"Id": "2"}], "nextRecordsUrl": null}"#)
                : ScriptedTransport.json(#"{"records": [{"Id": "1"}], "nextRecordsUrl": "/services/data/v60.0/query/01gD-2000"}"#)
        }
        let session = Self.session(transport, version: "v60.0")
        let accounts = try connector.resource(named: "accounts")
        let first = try await connector.list(accounts, query: ListQuery(), session: session)
        #expect(transport.sent[0].url == "https://api.example.com/services/data/v60.0/query")
        #expect(first.nextCursor == "https://api.example.com/services/data/v60.0/query/01gD-2000")
        let second = try await connector.list(accounts, query: ListQuery(cursor: first.nextCursor), session: session)
        #expect(second.nextCursor == nil)
        await #expect(throws: ConnectorError.self) {
            try await connector.list(accounts, query: ListQuery(cursor: "https://attacker.example.net/steal"), session: session)
        }
        #expect(transport.sent.count == 2, "the foreign cursor was not followed")

        let repos = try connector.resource(named: "repos")
        let page = try await connector.list(repos, query: ListQuery(limit: 80), session: session)
        #expect(transport.sent.last?.url == "https://api.example.com/repos?per_page=50")
        #expect(page.nextCursor == "https://api.example.com/repos?page=2")
        await #expect(throws: ConnectorError.incrementalUnsupported(resource: "repos")) {
            try await connector.list(repos, query: ListQuery(updatedSince: Date()), session: session)
        }
    }

    @Test("Provider errors land in the client's taxonomy with the message and code where the definition says")
    func errorMapping() async throws {
        let erpnext = try Self.connector("erpnext")
        let transport = ScriptedTransport { _ in
            ScriptedTransport.json(
                #"{"exc_type": "ValidationError", "exception": "frappe.exceptions.ValidationError: Customer Name is mandatory"}"#,
                status: 417)
        }
        do {
            _ = try await erpnext.create(
                try erpnext.resource(named: "customers"), record: ["customer_type": "Company"], idempotencyKey: nil,
                session: Self.session(transport))
            Issue.record("no error")
        } catch let error as APIError {
            guard case .validation(_, let details) = error else { Issue.record("not a validation error: \(error)"); return }
            #expect(details.code == "ValidationError")
            #expect(details.message?.contains("Customer Name is mandatory") == true)
            #expect(details.status == 417)
        }
        #expect(transport.sent.first?.headers[HTTPField.Name("Idempotency-Key")!] == nil, "ERPNext declares no idempotency header")
    }

    @Test("Deletions from a change feed (Stripe's customer.deleted events) and from a flagged listing (HubSpot's archived)")
    func deletionSources() async throws {
        let stripe = try Self.connector("stripe")
        let transport = ScriptedTransport { _ in
            ScriptedTransport.json(
                #"{"data": [{"id": "evt_2", "type": "customer.deleted", "created": 1714564900, "data": {"object": {"id": "cus_gone"}}}, {"id": "evt_1", "type": "customer.updated", "created": 1714564850, "data": {"object": {"id": "cus_kept"}}}], "has_more": false}"#
            )
        }
        let since = Date(timeIntervalSince1970: 1_714_564_800)
        let changes = try await stripe.changes(
            try stripe.resource(named: "customers"), since: since, until: since.addingTimeInterval(3600), session: Self.session(transport))
        #expect(changes.deleted == [ChangeSet.Deletion(id: "cus_gone", deletedAt: Date(timeIntervalSince1970: 1_714_564_900))])
        #expect(transport.sent.first?.url == "https://api.example.com/v1/events?limit=100&created%5Bgte%5D=1714564800")
        await #expect(throws: ConnectorError.self) {
            try await stripe.changes(try stripe.resource(named: "charges"), since: since, until: since, session: Self.session(transport))
        }
    }

    @Test("Cursors cannot leave the connection: other origins, other paths, dot segments; a query-placed key is not handed out")
    func cursorConfinement() async throws {
        #expect(throws: ConnectorError.self) {
            try DeclarativeConnector.sameOrigin(
                "https://api.example.com/v2/../admin", as: "https://api.example.com/v2/items", under: "https://api.example.com/v2")
        }
        #expect(throws: ConnectorError.self) {
            try DeclarativeConnector.sameOrigin(
                "https://api.example.com/admin", as: "https://api.example.com/v2/items", under: "https://api.example.com/v2")
        }
        #expect(
            try DeclarativeConnector.sameOrigin(
                "/v2/items?page=2", as: "https://api.example.com/v2/items", under: "https://api.example.com/v2")
                == "https://api.example.com/v2/items?page=2")
        let text = Self.nextURLDefinition.replacingOccurrences(
            of: "auth: {kinds: [api_key]}", with: "auth: {kinds: [api_key], placement: {type: query, name: key}}")
        let connector = DeclarativeConnector(try ConnectorDefinition.load(text, knownVerifiers: nil))
        let transport = ScriptedTransport { _ in
            ScriptedTransport.json(
                "[{\"id\": 1}]", headers: [HTTPField.Name("Link")!: #"<https://api.example.com/repos?page=2&key=secret123>; rel="next""#])
        }
        let page = try await connector.list(try connector.resource(named: "repos"), query: ListQuery(), session: Self.session(transport))
        #expect(page.nextCursor == "https://api.example.com/repos?page=2")

        let salesforce = SalesforceConnector()
        for forged in [
            "/services/data/v62.0/../../setup", "/services/data/v62.0/sobjects/User",
            "https://evil.example.net/services/data/v62.0/query/01g-2",
        ] {
            await #expect(throws: ConnectorError.self, "\(forged)") {
                try await salesforce.list(
                    try salesforce.resource(named: "accounts"), query: ListQuery(cursor: forged), session: Self.session(transport))
            }
        }
    }
}
