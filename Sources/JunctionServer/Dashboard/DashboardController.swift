import Foundation
import HTTPTypes
import Hummingbird
import JunctionAPI
import JunctionApp
import JunctionAuth
import JunctionCore
import JunctionHTTP
import JunctionStore
import JunctionWebhooks
import Logging

/// The operator's dashboard at `/ui`: server-rendered pages over the same operations the management API runs (called
/// in process, so the pages show and mask exactly what the API does), behind a sign-in with the admin token.
///
/// Handlers are thin: each reads its inputs, calls ``ManagementAPI`` or ``DashboardQueries``, and hands a view to
/// ``DashboardRenderer``. An action (a form's POST) answers 303 to the page it changed, so reloading never repeats it.
struct DashboardController: Sendable {
    typealias Context = JunctionRequestContext

    let services: JunctionServices
    let api: ManagementAPI
    let queries: DashboardQueries
    let sessions: DashboardSessions
    let renderer: DashboardRenderer
    /// Whether cookies carry `Secure`: when the server or its public URL speaks HTTPS.
    let secureCookies: Bool

    /// The session cookie's name.
    static let sessionCookie = "junction_session"
    /// The sign-in form's double-submit CSRF cookie, scoped to the sign-in path.
    static let loginCookie = "junction_login_csrf"

    init(services: JunctionServices, logger: Logger, secureCookies: Bool) throws {
        self.services = services
        self.api = ManagementAPI(services: services, logger: logger)
        self.queries = DashboardQueries(database: services.database)
        self.sessions = DashboardSessions(database: services.database)
        self.renderer = try DashboardRenderer()
        self.secureCookies = secureCookies
    }

    func addRoutes(to router: Router<Context>) {
        let ui = router.group("ui").add(middleware: DashboardHeadersMiddleware()).add(middleware: DashboardErrorMiddleware(renderer: renderer))
        ui.get("static/:file", use: asset)
        ui.get("login", use: loginPage)
        ui.post("login", use: login)
        // The inner error middleware renders a signed-in request's failure with its navigation; the outer one the rest
        // (sign-in, assets, and the session middleware's own refusals).
        let signedIn = ui.group().add(middleware: DashboardSessionMiddleware(sessions: sessions))
            .add(middleware: DashboardErrorMiddleware(renderer: renderer))
        signedIn.get(use: overview)
        signedIn.post("logout", use: logout)
        signedIn.post("sessions/revoke-all", use: revokeAll)
        signedIn.get("connections", use: connections)
        signedIn.get("connections/:id", use: connection)
        signedIn.post("connections/:id/test", use: testConnection)
        signedIn.post("connections/:id/authorize", use: authorize)
        signedIn.get("events", use: events)
        signedIn.get("events/:id", use: event)
        signedIn.post("events/:id/replay", use: replay)
        signedIn.get("alerts", use: alerts)
        signedIn.post("alerts/:id/acknowledge", use: acknowledge)
        addSyncRoutes(to: signedIn)
        addWebhookRoutes(to: signedIn)
        addJobRoutes(to: signedIn)
    }

    // MARK: Sign-in

    @Sendable func asset(_ request: Request, context: Context) async throws -> Response {
        guard let name = context.parameters.get("file"), let asset = DashboardRenderer.asset(named: name) else {
            throw DashboardError.notFound("no such file")
        }
        return Response(
            status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: asset.text)))
    }

    @Sendable func loginPage(_ request: Request, context: Context) async throws -> Response {
        if let cookie = request.cookies[Self.sessionCookie]?.value, try await sessions.session(cookie: cookie) != nil {
            return Self.redirect(to: Self.safeNext(DashboardQuery(request).fields["next"]))
        }
        return signInForm(next: DashboardQuery(request).fields["next"], error: nil, status: .ok)
    }

    @Sendable func login(_ request: Request, context: Context) async throws -> Response {
        let form = try await DashboardForm.read(request)
        let next = form["next"]
        // Double submit: the form's token must equal the cookie only this origin could have set.
        guard let expected = request.cookies[Self.loginCookie]?.value, DashboardSessions.matches(form["csrf"], expected) else {
            return signInForm(next: next, error: "The form expired or came from another site. Sign in again.", status: .forbidden)
        }
        guard let token = form["token"], services.adminToken.verify(token) else {
            context.logger.warning("dashboard sign-in refused: wrong admin token")
            return signInForm(next: next, error: "That is not the admin token.", status: .unauthorized)
        }
        let (cookie, _) = try await sessions.create()
        var response = Self.redirect(to: Self.safeNext(next))
        response.setCookie(self.cookie(Self.sessionCookie, value: cookie, path: "/ui", maxAge: Int(DashboardSessions.lifetime)))
        response.setCookie(self.cookie(Self.loginCookie, value: "", path: "/ui/login", maxAge: 0))
        context.logger.info("dashboard session started")
        return response
    }

    private func signInForm(next: String?, error: String?, status: HTTPResponse.Status) -> Response {
        let token = RandomToken.base64URL(bytes: 24)
        var response = renderer.render(
            "login", page: ["csrf": token, "next": Self.safeNext(next), "error": error ?? ""], chrome: DashboardChrome(), status: status)
        response.setCookie(cookie(Self.loginCookie, value: token, path: "/ui/login", maxAge: 3600))
        return response
    }

    @Sendable func logout(_ request: Request, context: Context) async throws -> Response {
        if let session = context.dashboardSession { try await sessions.revoke(session) }
        var response = Self.redirect(to: "/ui/login")
        response.setCookie(cookie(Self.sessionCookie, value: "", path: "/ui", maxAge: 0))
        return response
    }

    @Sendable func revokeAll(_ request: Request, context: Context) async throws -> Response {
        try await sessions.revokeAll()
        var response = Self.redirect(to: "/ui/login")
        response.setCookie(cookie(Self.sessionCookie, value: "", path: "/ui", maxAge: 0))
        return response
    }

    // MARK: Overview

    @Sendable func overview(_ request: Request, context: Context) async throws -> Response {
        let figures = try await queries.overview()
        let alerts = try await api.listAlerts(.init(query: .init(limit: 10, status: .open))).ok.body.json.data
        let jobs = try await services.queue.statistics()
        let dead = jobs.reduce(0) { $0 + $1.dead }
        let eventsDay = figures.events.reduce(0) { $0 + $1.total }
        let eventFailures = figures.events.reduce(0) { $0 + $1.failed }
        let deliveriesDay = figures.deliveries.reduce(0) { $0 + $1.total }
        let deliveryFailures = figures.deliveries.reduce(0) { $0 + $1.failed }
        let page: [String: Any] = [
            "connections": figures.connections,
            "health": HealthState.allCases.map { ["state": $0.rawValue, "count": figures.health[$0.rawValue] ?? 0] },
            "openAlerts": figures.openAlerts, "alertsAttention": figures.openAlerts > 0,
            "deadJobs": dead, "deadAttention": dead > 0, "queued": jobs.reduce(0) { $0 + $1.queued },
            "eventsDay": eventsDay, "eventFailuresDay": eventFailures, "eventsAttention": eventFailures > 0,
            "deliveriesDay": deliveriesDay, "deliveryFailuresDay": deliveryFailures, "deliveriesAttention": deliveryFailures > 0,
            "syncRunsDay": figures.syncRuns.total, "syncFailuresDay": figures.syncRuns.failed, "syncsAttention": figures.syncRuns.failed > 0,
            "eventsChart": SVGChart(hours: figures.events, unit: "events").markup,
            "deliveriesChart": SVGChart(hours: figures.deliveries, unit: "attempts").markup,
            "alerts": try alerts.map(TemplateValue.of), "hasAlerts": !alerts.isEmpty,
        ]
        return renderer.render("overview", page: page, chrome: chrome(context, "/ui", request))
    }

    // MARK: Connections

    @Sendable func connections(_ request: Request, context: Context) async throws -> Response {
        let query = DashboardQuery(request)
        let filter = DashboardQueries.ConnectionFilter(
            provider: Self.value(query, "provider"), integration: Self.value(query, "integration"), tenant: Self.value(query, "tenant"),
            health: Self.value(query, "health").flatMap { HealthState(rawValue: $0)?.rawValue }, search: Self.value(query, "q"))
        let page = try await queries.connections(filter, after: Self.value(query, "cursor"), limit: 50)
        let rows: [[String: Any]] = page.rows.map { row in
            [
                "id": row.id, "name": row.name, "provider": row.provider, "integration": row.integration ?? "", "tenant": row.tenant ?? "",
                "status": row.status, "health": row.health, "lastUsedAt": row.lastUsedAt.map(Self.time) ?? "",
            ]
        }
        let filters: [String: String] = [
            "q": filter.search ?? "", "provider": filter.provider ?? "", "integration": filter.integration ?? "", "tenant": filter.tenant ?? "",
        ]
        var view: [String: Any] = [
            "filters": filters, "rows": rows, "hasRows": !rows.isEmpty,
            "healthOptions": HealthState.allCases.map { ["value": $0.rawValue, "selected": $0.rawValue == filter.health] },
        ]
        if let next = page.next {
            view["next"] = Self.link("/ui/connections", filters.merging(["health": filter.health ?? "", "cursor": next]) { $1 })
        }
        return renderer.render("connections", page: view, chrome: chrome(context, "/ui/connections", request))
    }

    @Sendable func connection(_ request: Request, context: Context) async throws -> Response {
        try await connectionPage(try Self.id(context), context: context, request: request, notice: nil)
    }

    private func connectionPage(_ id: String, context: Context, request: Request, notice: String?) async throws -> Response {
        let connection = try TemplateValue.json(try await api.getConnection(.init(path: .init(id: id))).ok.body.json)
        let health = try TemplateValue.json(try await api.getConnectionHealth(.init(path: .init(id: id))).ok.body.json)
        let versions = try await api.getConnectionVersions(.init(path: .init(id: id))).ok.body.json
        let syncs = try await api.listSyncs(.init(query: .init(limit: 50, connectionId: id))).ok.body.json.data
        let events = try await api.listEvents(.init(query: .init(connectionId: id, limit: 10))).ok.body.json.data
        var view = (TemplateValue.from(connection) as? [String: Any]) ?? [:]
        view["health"] = TemplateValue.from(health)
        let history = health["history"]?.arrayValue ?? []
        view["history"] = history.map(TemplateValue.from)
        view["hasHistory"] = !history.isEmpty
        let credentials = connection["credentials"]?.objectValue ?? [:]
        view["credentials"] = credentials.keys.sorted().map { ["name": $0, "masked": credentials[$0]?.stringValue ?? ""] }
        view["oauth"] = connection["settings"]?["oauth"] != nil || connection["integration"]?.stringValue != nil
        let pinned = versions.pinnedBy.map { " (pinned by \($0.rawValue))" } ?? ""
        view["versions"] = [
            "summary": versions.inUse.map { "In use: \($0)\(pinned)." } ?? "No version pinned; the provider's current one is used.",
            "warning": versions.versions.first { $0.inUse && $0.sunsetAt != nil }.map { state in
                "Version \(state.version) is retired on \(Self.time(state.sunsetAt ?? Date())) (\(state.daysLeft ?? 0) days left)."
            } ?? "",
        ]
        view["syncs"] = try syncs.map(TemplateValue.of)
        view["hasSyncs"] = !syncs.isEmpty
        view["events"] = try events.map(TemplateValue.of)
        view["hasEvents"] = !events.isEmpty
        var frame = chrome(context, "/ui/connections", request)
        if let notice { frame.notice = notice }
        return renderer.render("connection", page: view, chrome: frame)
    }

    @Sendable func testConnection(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        let notice: String
        do {
            let answer = try await api.testConnection(.init(path: .init(id: id))).ok.body.json
            notice = "Test passed: \(answer.provider) answered in \(answer.latencyMs) ms."
        } catch {
            guard let problem = ProblemDetails.of(error) else { throw error }
            notice = "Test failed: \(problem.detail)"
        }
        return try await connectionPage(id, context: context, request: request, notice: notice)
    }

    @Sendable func authorize(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        let answer = try await api.startOAuthAuthorization(.init(path: .init(id: id), query: .init())).ok.body.json
        // A link, not a redirect: the Content-Security-Policy's form-action keeps a form's POST from leading off-site.
        let page: [String: Any] = [
            "title": "Authorize with the provider",
            "detail": "The link below works once and expires at \(Self.time(answer.expiresAt)). After consent the provider returns to Junction, which stores the tokens.",
            "link": answer.authorizationUrl, "linkLabel": "Continue to the provider →",
        ]
        return renderer.render("message", page: page, chrome: chrome(context, "/ui/connections", request))
    }

    // MARK: Events

    @Sendable func events(_ request: Request, context: Context) async throws -> Response {
        let query = DashboardQuery(request)
        let connection = Self.value(query, "connection")
        let type = Self.value(query, "type")
        let status = Self.value(query, "status").flatMap(Components.Schemas.WebhookEventStatus.init(rawValue:))
        let sinceText = Self.value(query, "since")
        var filterError: String?
        var since: Date?
        if let sinceText {
            since = TimeParameter.date(from: sinceText)
            if since == nil { filterError = "'Since' must be an RFC 3339 time such as 2026-12-01T00:00:00Z." }
        }
        let page = try await api.listEvents(
            .init(query: .init(connectionId: connection, _type: type, status: status, since: since, limit: 50, cursor: Self.value(query, "cursor")))
        ).ok.body.json
        let rows = try page.data.map(TemplateValue.of)
        let filters = ["connection": connection ?? "", "type": type ?? "", "since": sinceText ?? ""]
        var view: [String: Any] = [
            "filters": filters, "rows": rows, "hasRows": !rows.isEmpty, "filterError": filterError ?? "",
            "statusOptions": Components.Schemas.WebhookEventStatus.allCases.map { ["value": $0.rawValue, "selected": $0 == status] },
        ]
        if let next = page.nextCursor {
            view["next"] = Self.link("/ui/events", filters.merging(["status": status?.rawValue ?? "", "cursor": next]) { $1 })
        }
        return renderer.render("events", page: view, chrome: chrome(context, "/ui/events", request))
    }

    @Sendable func event(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        // One read: the stored event (its headers and body) and the API's shape of it, made by the same conversion.
        let detail = try await api.events.detail(id: id)
        let stored = detail.record
        let event = try TemplateValue.json(Components.Schemas.Event(stored, normalized: detail.normalized, attempts: detail.attempts))
        var view = (TemplateValue.from(event) as? [String: Any]) ?? [:]
        let attempts = event["processingAttempts"]?.arrayValue ?? []
        view["processing"] = attempts.map(TemplateValue.from)
        view["hasAttempts"] = !attempts.isEmpty
        view["normalized"] = Self.pretty(event["event"] ?? .null)
        // Kept headers exclude credentials already; signatures are masked too, as the logs mask them.
        let redactor = Redactor()
        view["headers"] = stored.headers.keys.sorted().map { name in
            ["name": name, "value": redactor.isSecret(name: name) ? Redactor.mask : stored.headers[name] ?? ""]
        }
        view["body"] = (try? JSONValue.parse(stored.body)).map(Self.pretty) ?? stored.body
        view["traceId"] = stored.trace?.traceID ?? ""
        return renderer.render("event", page: view, chrome: chrome(context, "/ui/events", request))
    }

    @Sendable func replay(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        _ = try await api.replayEvent(.init(path: .init(id: id))).accepted
        return Self.redirect(to: "/ui/events/\(Self.pathSegment(id))?notice=replayed")
    }

    // MARK: Alerts

    @Sendable func alerts(_ request: Request, context: Context) async throws -> Response {
        let query = DashboardQuery(request)
        let statusText = Self.value(query, "status") ?? "open"
        let status = Operations.ListAlerts.Input.Query.StatusPayload(rawValue: statusText)
        let page = try await api.listAlerts(.init(query: .init(limit: 50, cursor: Self.value(query, "cursor"), status: status))).ok.body.json
        let rows: [Any] = try page.data.map { alert in
            var row = (try TemplateValue.of(alert) as? [String: Any]) ?? [:]
            row["open"] = alert.status == .open
            return row
        }
        var view: [String: Any] = [
            "rows": rows, "hasRows": !rows.isEmpty, "status": status?.rawValue ?? "",
            "tabs": (["open", "acknowledged", "resolved"] as [String]).map { ["label": $0, "href": "/ui/alerts?status=\($0)", "current": $0 == statusText] }
                + [["label": "all", "href": "/ui/alerts?status=all", "current": status == nil]],
        ]
        if let next = page.nextCursor { view["next"] = Self.link("/ui/alerts", ["status": statusText, "cursor": next]) }
        return renderer.render("alerts", page: view, chrome: chrome(context, "/ui/alerts", request))
    }

    @Sendable func acknowledge(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        _ = try await api.acknowledgeAlert(.init(path: .init(id: id), query: .init(by: "dashboard"))).ok
        return Self.redirect(to: "/ui/alerts?notice=acknowledged")
    }

    // MARK: Helpers

    /// The frame of a signed-in page: its section, the session's token, and a notice an action's redirect named.
    func chrome(_ context: Context, _ section: String, _ request: Request) -> DashboardChrome {
        let query = DashboardQuery(request)
        let count = query.fields["count"].flatMap(Int.init).map(String.init) ?? "0"
        return DashboardChrome(
            csrf: context.dashboardSession?.csrfToken, section: section,
            notice: query.fields["notice"].flatMap { Self.notices[$0] }?.replacingOccurrences(of: "{count}", with: count))
    }

    /// What an action's redirect may announce: fixed text (with at most a number), so a crafted link cannot put words
    /// on the page.
    static let notices = [
        "replayed": "Replay queued: the event's handlers run again.", "acknowledged": "Alert acknowledged.",
        "run-queued": "Run queued: it starts as soon as a worker is free.", "paused": "Sync paused.", "resumed": "Sync resumed.",
        "reset": "Checkpoint reset: the next run reads everything again.", "resolved": "Resolved: the merged record is on its way to the provider.",
        "enabled": "Endpoint enabled.", "disabled": "Endpoint disabled: its deliveries fail until it is enabled.",
        "endpoint-paused": "Endpoint paused: its deliveries wait until it is resumed.",
        "endpoint-resumed": "Endpoint resumed: what waited is being sent.",
        "recovered": "{count} failed deliveries scheduled again.", "retried": "{count} failed deliveries scheduled again.",
        "job-retried": "Job queued again with a fresh set of attempts.",
    ]

    private func cookie(_ name: String, value: String, path: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: path, secure: secureCookies, httpOnly: true, sameSite: .strict)
    }

    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// Where to go after signing in: a dashboard path only, so a crafted link cannot send the browser elsewhere.
    static func safeNext(_ next: String?) -> String {
        guard let next, next == "/ui" || next.hasPrefix("/ui/"), !next.contains("//"), !next.contains("\\"),
            !next.unicodeScalars.contains(where: { $0.value < 0x20 })
        else { return "/ui" }
        return next
    }

    static func id(_ context: Context) throws -> String {
        guard let id = context.parameters.get("id") else { throw DashboardError.notFound("no id in the path") }
        return id
    }

    /// A query parameter as a form sends it (`+` is a space), trimmed; `nil` when absent, empty or malformed.
    static func value(_ query: DashboardQuery, _ name: String) -> String? {
        guard let value = query.fields[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// `path` with `parameters` (the empty ones left out) as its query, escaped as a form would.
    static func link(_ path: String, _ parameters: [String: String]) -> String {
        let query = parameters.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }
            .map { DashboardForm.encode($0.key) + "=" + DashboardForm.encode($0.value) }.joined(separator: "&")
        return query.isEmpty ? path : path + "?" + query
    }

    static func pathSegment(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? id
    }

    static func time(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func pretty(_ value: JSONValue) -> String {
        guard let data = try? JSONSerialization.data(
            withJSONObject: JSONSerialization.jsonObject(with: Data(value.serialized().utf8), options: [.fragmentsAllowed]),
            options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        else { return (try? value.serialized()) ?? "" }
        return String(decoding: data, as: UTF8.self)
    }
}
