import Foundation
import HTTPTypes
import HummingbirdTesting
import JunctionCore
import JunctionStore
import JunctionTestSupport
import JunctionWebhooks
import JunctionAuth
import NIOCore
import Synchronization
import Testing

/// The dashboard in process, on both engines (the browser test runs SQLite only): every page renders signed in with
/// data on it, the sign-in and CSRF rules hold, and sessions expire and are revoked.
@Suite("Dashboard")
struct DashboardTests {
    /// Signs in through the form as a browser does; the session cookie's `name=value`.
    static func signIn(_ client: any TestClientProtocol) async throws -> String {
        let form = try await client.execute(uri: "/ui/login", method: .get)
        let loginCookie = try #require(Self.cookie(named: "junction_login_csrf", in: form.headers))
        let csrf = try #require(Self.field("csrf", in: form.text))
        let body = "csrf=\(csrf)&token=\(ServerTestHarness.adminToken)&next=%2Fui"
        let answer = try await client.execute(
            uri: "/ui/login", method: .post,
            headers: [.cookie: loginCookie, .contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body))
        #expect(answer.status == .seeOther && answer.headers[.location] == "/ui")
        return try #require(Self.cookie(named: "junction_session", in: answer.headers))
    }

    static func cookie(named name: String, in headers: HTTPFields) -> String? {
        headers[values: .setCookie].first { $0.hasPrefix(name + "=") }.map { String($0.prefix { $0 != ";" }) }
    }

    static func field(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: #"name="\#(name)" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    @Test("every page renders signed in, with data, on both engines; without a session each redirects to sign-in", arguments: TestEngine.available)
    func pages(engine: TestEngine) async throws {
        try await ServerTestHarness.with(engine, allowPrivateEndpoints: true) { harness, client in
            let created = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized,
                body: .json(#"{"provider": "stripe", "name": "Billing", "tenant": "acme", "credentials": {"apiKey": "sk_test_dashboard_secret_1234", "webhookSecret": "whsec_dash"}}"#))
            let connection = try #require(try created.json["id"]?.stringValue)
            let endpoint = try await WebhookDeliveryTests.createEndpoint(client, #"{"url": "http://127.0.0.1:9/hooks/secret-path", "eventTypes": ["app.*"]}"#)
            let message = try await WebhookDeliveryTests.publish(client, #"{"eventType": "app.paid", "payload": {"n": 1}}"#)
            let body = WebhookIngressTests.event(id: "evt_dashboard")
            let ingress = try await client.execute(
                uri: "/webhooks/\(connection)", method: .post,
                headers: [HTTPField.Name("Stripe-Signature")!: WebhookIngressTests.stripeSignature(body, secret: "whsec_dash"), .contentType: "application/json"],
                body: ByteBuffer(string: body))
            #expect(ingress.status == .ok)
            let event = try #require(try await WebhookEventRepository(database: harness.database).list(.init(), before: nil, limit: 1).first?.id)

            let session = try await Self.signIn(client)
            let pages = [
                "/ui", "/ui/connections", "/ui/connections?health=healthy&q=bill", "/ui/connections/\(connection)", "/ui/syncs", "/ui/conflicts",
                "/ui/events", "/ui/events?status=received&connection=\(connection)&since=2020-01-01T00:00:00Z", "/ui/events/\(event)",
                "/ui/endpoints", "/ui/endpoints/\(endpoint.id)", "/ui/messages/\(message["id"]?.stringValue ?? "")", "/ui/alerts",
                "/ui/alerts?status=all", "/ui/jobs",
            ]
            for page in pages {
                let answer = try await client.execute(uri: page, method: .get, headers: [.cookie: session])
                #expect(answer.status == .ok, "\(page): \(answer.status) \(answer.text.prefix(400))")
                #expect(answer.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true, "\(page)")
                for secret in ["sk_test_dashboard_secret_1234", "whsec_dash", endpoint.secret, ServerTestHarness.adminToken, "secret-path"] {
                    #expect(!answer.text.contains(secret), "\(page) shows a secret")
                }
                let anonymous = try await client.execute(uri: page, method: .get)
                #expect(anonymous.status == .seeOther && anonymous.headers[.location]?.hasPrefix("/ui/login?next=") == true, "\(page)")
            }
            let overview = try await client.execute(uri: "/ui", method: .get, headers: [.cookie: session])
            #expect(overview.text.contains("<svg") && overview.text.contains("events in, 24 h"))
            let missing = try await client.execute(uri: "/ui/connections/conn_nope", method: .get, headers: [.cookie: session])
            #expect(missing.status == .notFound && missing.text.contains("<h1>"))
            #expect(missing.text.contains("action=\"/ui/logout\""), "a signed-in request's error page keeps its frame")

            // Queries and forms are read as a browser writes them: `+` is a space, and a malformed escape is refused
            // with a page, never a crash (this one before signing in).
            _ = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized,
                body: .json(#"{"provider": "stripe", "name": "Acme Corp", "credentials": {"apiKey": "sk_test_acme_0000"}}"#))
            let spaced = try await client.execute(uri: "/ui/connections?q=acme+corp", method: .get, headers: [.cookie: session])
            #expect(spaced.text.contains(">Acme Corp<"), "\(spaced.text.prefix(300))")
            let malformedQuery = try await client.execute(uri: "/ui/connections?q=%zz", method: .get, headers: [.cookie: session])
            #expect(malformedQuery.status == .ok)
            let malformedForm = try await client.execute(
                uri: "/ui/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "csrf=%zz&token=\""))
            #expect(malformedForm.status == .badRequest && malformedForm.text.contains("<h1>"))
            #expect(try await client.execute(uri: "/health/live", method: .get).status == .ok, "the server still answers")
        }
    }

    @Test("forms need the session's CSRF token; a wrong token or a foreign next is refused; signing out ends the session")
    func formsAndSessions() async throws {
        try await ServerTestHarness.with(.sqlite) { harness, client in
            let session = try await Self.signIn(client)
            let page = try await client.execute(uri: "/ui", method: .get, headers: [.cookie: session])
            let csrf = try #require(Self.field("csrf", in: page.text))
            let form: HTTPFields = [.cookie: session, .contentType: "application/x-www-form-urlencoded"]
            for body in ["", "csrf=", "csrf=\(csrf)x"] {
                let refused = try await client.execute(uri: "/ui/logout", method: .post, headers: form, body: ByteBuffer(string: body))
                #expect(refused.status == .forbidden, "\(body)")
            }
            #expect(try await client.execute(uri: "/ui", method: .get, headers: [.cookie: session]).status == .ok, "a refused form changes nothing")

            // The sign-in form: the double-submit cookie must match, and the token must be the admin token.
            let login = try await client.execute(uri: "/ui/login", method: .get)
            let loginCookie = try #require(Self.cookie(named: "junction_login_csrf", in: login.headers))
            let loginCSRF = try #require(Self.field("csrf", in: login.text))
            let wrongToken = try await client.execute(
                uri: "/ui/login", method: .post, headers: [.cookie: loginCookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=\(loginCSRF)&token=nope"))
            #expect(wrongToken.status == .unauthorized && Self.cookie(named: "junction_session", in: wrongToken.headers) == nil)
            let noCookie = try await client.execute(
                uri: "/ui/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=\(loginCSRF)&token=\(ServerTestHarness.adminToken)"))
            #expect(noCookie.status == .forbidden && Self.cookie(named: "junction_session", in: noCookie.headers) == nil)
            let foreignNext = try await client.execute(
                uri: "/ui/login", method: .post, headers: [.cookie: loginCookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=\(loginCSRF)&token=\(ServerTestHarness.adminToken)&next=%2F%2Fevil.example%2Fui"))
            #expect(foreignNext.headers[.location] == "/ui", "a next outside the dashboard is ignored")

            // Signing out revokes the session at once.
            let out = try await client.execute(uri: "/ui/logout", method: .post, headers: form, body: ByteBuffer(string: "csrf=\(csrf)"))
            #expect(out.status == .seeOther)
            #expect(try await client.execute(uri: "/ui", method: .get, headers: [.cookie: session]).status == .seeOther)
            _ = harness
        }
    }

    @Test("a session stops working after its lifetime, and revokeAll ends every live one")
    func sessionExpiry() async throws {
        try await TestDatabase.with(.sqlite) { database, _ in
            let clock = Mutex(Date())
            let sessions = DashboardSessions(database: database, now: { clock.withLock { $0 } })
            let first = try await sessions.create()
            let second = try await sessions.create()
            #expect(try await sessions.session(cookie: first.cookie)?.csrfToken == first.session.csrfToken)
            #expect(try await sessions.session(cookie: "not-a-session") == nil)
            clock.withLock { $0 = $0.addingTimeInterval(DashboardSessions.lifetime + 1) }
            #expect(try await sessions.session(cookie: first.cookie) == nil, "expired")
            clock.withLock { $0 = Date() }
            #expect(try await sessions.revokeAll() == 2)
            #expect(try await sessions.session(cookie: second.cookie) == nil, "revoked")
        }
    }
}
