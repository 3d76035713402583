import Foundation
import HTTPTypes
import Hummingbird
import JunctionAuth
import Logging
import OpenAPIRuntime

/// Headers on every dashboard response: a Content-Security-Policy that lets a page load only this origin's own
/// stylesheet and script (no inline script, no frames, forms posting only here), and no caching of pages that show
/// operational data.
struct DashboardHeadersMiddleware: RouterMiddleware {
    typealias Context = JunctionRequestContext

    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

/// A dashboard request's failure as a page, not a problem document: the same status and words the API would give
/// (``ProblemDetails/of(_:)``), and for anything unexpected a 500 page naming the request id while the error goes to
/// the log.
struct DashboardErrorMiddleware: RouterMiddleware {
    typealias Context = JunctionRequestContext
    let renderer: DashboardRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem: ProblemDetails
            if let known = ProblemDetails.of(error) {
                problem = known
            } else if let error = error as? any HTTPResponseError {
                problem = ProblemDetails(status: error.status, type: "/problems/http", title: error.status.reasonPhrase, detail: error.status.reasonPhrase)
            } else {
                context.logger.error("dashboard request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
                problem = ProblemDetails(
                    status: .internalServerError, type: "/problems/internal", title: "Something went wrong",
                    detail: "The server could not show this page; its log has the details (request id \(context.id)).")
            }
            let page: [String: Any] = ["title": problem.title, "detail": problem.detail, "link": "/ui", "linkLabel": "Back to the overview"]
            return renderer.render(
                "message", page: page, chrome: DashboardChrome(csrf: context.dashboardSession?.csrfToken), status: problem.status)
        }
    }
}

/// Lets only signed-in requests through: without a live session a page redirects to the sign-in form (and comes
/// back after it). A POST must carry the session's CSRF token as the form field `csrf`, checked here for every
/// action, so no handler can forget it; its fields reach the handler as ``JunctionRequestContext/dashboardForm``.
struct DashboardSessionMiddleware: RouterMiddleware {
    typealias Context = JunctionRequestContext
    let sessions: DashboardSessions

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let cookie = request.cookies[DashboardController.sessionCookie]?.value, let session = try await sessions.session(cookie: cookie)
        else {
            guard request.method == .get else { return DashboardController.redirect(to: "/ui/login") }
            let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            return DashboardController.redirect(to: "/ui/login?next=" + DashboardForm.encode(next))
        }
        var context = context
        context.dashboardSession = session
        if request.method == .post {
            let form = try await DashboardForm.read(request)
            guard DashboardSessions.matches(form["csrf"], session.csrfToken) else {
                context.logger.warning("dashboard form refused: missing or wrong CSRF token", metadata: ["path": "\(request.uri.path)"])
                throw DashboardError.forbidden("The form's security token is missing or out of date. Reload the page and try again.")
            }
            context.dashboardForm = form
        }
        return try await next(request, context)
    }
}

/// An HTML form's fields (`application/x-www-form-urlencoded`), from a POST's body or a GET's query, read whole and
/// bounded. Parsed here rather than through `URLComponents`, whose setters stop the process on a malformed escape, and
/// with `+` read as a space, which a query's generic decoding does not do.
enum DashboardForm {
    /// The largest form the dashboard reads.
    static let limit = 64 * 1024

    static func read(_ request: Request) async throws -> [String: String] {
        let body = try await request.body.collect(upTo: limit)
        guard let fields = parse(String(buffer: body)) else {
            throw DashboardError.invalid("The form could not be read: it has a malformed escape.")
        }
        return fields
    }

    /// The fields of `name=value&…` text (the first of a repeated name wins); `nil` when an escape is malformed.
    static func parse(_ text: String) -> [String: String]? {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else { return nil }
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// `value` escaped for a query or form: everything but letters, digits and `-._~`.
    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

/// What the dashboard itself refuses.
enum DashboardError: Error {
    /// A page or file that does not exist.
    case notFound(String)
    /// A form without its CSRF token.
    case forbidden(String)
    /// A form value that cannot be used.
    case invalid(String)
    /// An action the current state does not allow.
    case conflict(String)

    var problem: ProblemDetails {
        switch self {
        case .notFound(let detail): ProblemDetails(status: .notFound, type: "/problems/not-found", title: "Not found", detail: detail)
        case .forbidden(let detail): ProblemDetails(status: .forbidden, type: "/problems/forbidden", title: "Refused", detail: detail)
        case .invalid(let detail): ProblemDetails(status: .badRequest, type: "/problems/invalid", title: "Cannot do that", detail: detail)
        case .conflict(let detail): ProblemDetails(status: .conflict, type: "/problems/conflict", title: "Cannot do that now", detail: detail)
        }
    }
}

extension ProblemDetails {
    /// The problem an error stands for, as the API would answer it (the application's errors, a generated handler's,
    /// the dashboard's own); `nil` for an unexpected error, which is the server's fault.
    static func of(_ error: any Error) -> ProblemDetails? {
        switch error {
        case let problem as ProblemDetails: problem
        case let error as DashboardError: error.problem
        case let error as ServerError: ProblemDetails(error)
        default: ProblemDetails(domain: error)
        }
    }
}

/// A page's query parameters, read as a form (``DashboardForm``); a malformed query reads as empty.
struct DashboardQuery {
    let fields: [String: String]

    init(_ request: Request) {
        fields = request.uri.query.flatMap(DashboardForm.parse) ?? [:]
    }
}
