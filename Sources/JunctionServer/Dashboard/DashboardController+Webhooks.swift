import Foundation
import Hummingbird
import JunctionAPI
import JunctionApp
import JunctionCore

/// The outbound pages: endpoints with their success rate and state, an endpoint's attempts with what each answered,
/// enable and disable, secret rotation, "recover everything that failed since", and a message with its deliveries.
extension DashboardController {
    func addWebhookRoutes(to signedIn: RouterGroup<Context>) {
        signedIn.get("endpoints", use: endpoints)
        signedIn.get("endpoints/:id", use: endpoint)
        signedIn.post("endpoints/:id/enable", use: enableEndpoint)
        signedIn.post("endpoints/:id/disable", use: disableEndpoint)
        signedIn.post("endpoints/:id/pause", use: pauseEndpoint)
        signedIn.post("endpoints/:id/resume", use: resumeEndpoint)
        signedIn.post("endpoints/:id/rotate", use: rotateSecret)
        signedIn.post("endpoints/:id/recover", use: recover)
        signedIn.get("messages/:id", use: message)
        signedIn.post("messages/:id/retry", use: retryMessage)
    }

    @Sendable func endpoints(_ request: Request, context: Context) async throws -> Response {
        let query = DashboardQuery(request)
        let page = try await api.listEndpoints(.init(query: .init(limit: 50, cursor: Self.value(query, "cursor")))).ok.body.json
        let rates = try await queries.deliveryRates(endpointIDs: page.data.map(\.id))
        let rows: [[String: Any]] = page.data.map { endpoint in
            let rate = rates[endpoint.id]
            return [
                "id": endpoint.id, "host": Self.host(of: endpoint.url), "state": endpoint.status.rawValue,
                "types": endpoint.eventTypes.joined(separator: ", "), "attempts": rate?.total ?? 0,
                "successRate": rate.map(Self.percent) ?? "–", "failingSince": endpoint.failingSince.map(Self.time) ?? "",
            ]
        }
        var view: [String: Any] = ["rows": rows, "hasRows": !rows.isEmpty]
        if let next = page.nextCursor { view["next"] = Self.link("/ui/endpoints", ["cursor": next]) }
        return renderer.render("endpoints", page: view, chrome: chrome(context, "/ui/endpoints", request))
    }

    @Sendable func endpoint(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        let query = DashboardQuery(request)
        let endpoint = try await api.getEndpoint(.init(path: .init(id: id))).ok.body.json
        let attempts = try await api.listEndpointAttempts(.init(path: .init(id: id), query: .init(limit: 50, cursor: Self.value(query, "cursor"))))
            .ok.body.json
        let rate = try await queries.deliveryRates(endpointIDs: [id])[id]
        var view: [String: Any] = [
            "id": endpoint.id, "host": Self.host(of: endpoint.url), "maskedUrl": Self.masked(url: endpoint.url), "state": endpoint.status.rawValue,
            "enabled": endpoint.status == .enabled, "paused": endpoint.status == .paused, "disabled": endpoint.status == .disabled, "types": endpoint.eventTypes.joined(separator: ", "), "description": endpoint.description,
            "schedule": endpoint.retrySchedule.map { "\($0) s" }.joined(separator: ", "), "disabledReason": endpoint.disabledReason ?? "",
            "attemptsDay": rate?.total ?? 0, "successRate": rate.map(Self.percent) ?? "–",
            "recoverSince": Self.time(Date().addingTimeInterval(-86_400)),
            "attempts": try attempts.data.map(TemplateValue.of), "hasAttempts": !attempts.data.isEmpty,
        ]
        if let limit = endpoint.rateLimit { view["rateLimit"] = limit }
        if let next = attempts.nextCursor { view["next"] = Self.link("/ui/endpoints/\(Self.pathSegment(id))", ["cursor": next]) }
        return renderer.render("endpoint", page: view, chrome: chrome(context, "/ui/endpoints", request))
    }

    @Sendable func enableEndpoint(_ request: Request, context: Context) async throws -> Response {
        try await setEndpoint(enabled: true, context: context)
    }

    @Sendable func disableEndpoint(_ request: Request, context: Context) async throws -> Response {
        try await setEndpoint(enabled: false, context: context)
    }

    @Sendable func pauseEndpoint(_ request: Request, context: Context) async throws -> Response {
        try await changeEndpoint(.init(paused: true), notice: "endpoint-paused", context: context)
    }

    @Sendable func resumeEndpoint(_ request: Request, context: Context) async throws -> Response {
        try await changeEndpoint(.init(paused: false), notice: "endpoint-resumed", context: context)
    }

    private func setEndpoint(enabled: Bool, context: Context) async throws -> Response {
        try await changeEndpoint(.init(enabled: enabled), notice: enabled ? "enabled" : "disabled", context: context)
    }

    private func changeEndpoint(_ fields: Components.Schemas.EndpointUpdate, notice: String, context: Context) async throws -> Response {
        let id = try Self.id(context)
        _ = try await api.updateEndpoint(.init(path: .init(id: id), body: .json(.init(fields: fields)))).ok
        return Self.redirect(to: "/ui/endpoints/\(Self.pathSegment(id))?notice=\(notice)")
    }

    /// Rotates and shows the new secret this once, as the API does: the one page that carries a secret, answered to
    /// the POST that made it, never stored in a page anyone can reload.
    @Sendable func rotateSecret(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        let endpoint = try await api.rotateEndpointSecret(.init(path: .init(id: id))).ok.body.json
        let page: [String: Any] = [
            "title": "Secret rotated",
            "detail": "The new signing secret, shown this once: \(endpoint.secret). The previous one keeps signing for 24 hours, so the receiver can switch within the day.",
            "link": "/ui/endpoints/\(Self.pathSegment(id))", "linkLabel": "Back to the endpoint",
        ]
        return renderer.render("message", page: page, chrome: chrome(context, "/ui/endpoints", request))
    }

    @Sendable func recover(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        guard let text = context.dashboardForm["since"], let since = TimeParameter.date(from: text.trimmingCharacters(in: .whitespaces)) else {
            throw DashboardError.invalid("'Since' must be an RFC 3339 time such as 2026-12-01T00:00:00Z.")
        }
        let resend = try await api.recoverEndpoint(.init(path: .init(id: id), query: .init(since: since))).accepted.body.json
        return Self.redirect(to: "/ui/endpoints/\(Self.pathSegment(id))?notice=recovered&count=\(resend.scheduled)")
    }

    @Sendable func message(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        let message = try await api.getMessage(.init(path: .init(id: id))).ok.body.json
        var view = (try TemplateValue.of(message) as? [String: Any]) ?? [:]
        view["payload"] = Self.pretty(message.payload)
        view["hasDeliveries"] = !(message.deliveries ?? []).isEmpty
        return renderer.render("outbound-message", page: view, chrome: chrome(context, "/ui/endpoints", request))
    }

    @Sendable func retryMessage(_ request: Request, context: Context) async throws -> Response {
        let id = try Self.id(context)
        let resend = try await api.retryMessage(.init(path: .init(id: id))).accepted.body.json
        let back = Self.safeNext(context.dashboardForm["back"])
        return Self.redirect(to: back + (back.contains("?") ? "&" : "?") + "notice=retried&count=\(resend.scheduled)")
    }

    /// An endpoint's scheme and host: its path and query are often its secret (Slack's and Discord's URLs are).
    static func host(of url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return "(unreadable URL)" }
        return host + (components.port.map { ":\($0)" } ?? "")
    }

    /// A URL with its path and query masked.
    static func masked(url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme else { return "(unreadable URL)" }
        let hasMore = !(components.path.isEmpty || components.path == "/") || components.query != nil
        return "\(scheme)://\(host(of: url))" + (hasMore ? "/…" : "/")
    }

    static func percent(_ rate: DashboardQueries.Rate) -> String {
        rate.total == 0 ? "–" : String(format: "%.1f %%", Double(rate.succeeded) * 100 / Double(rate.total))
    }
}
