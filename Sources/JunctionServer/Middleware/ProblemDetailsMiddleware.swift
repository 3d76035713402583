import Foundation
import HTTPTypes
import Hummingbird
import JunctionApp
import JunctionCore
import Logging
import OpenAPIRuntime

/// Turns every error a route throws into an RFC 9457 problem response, so clients see one error shape.
/// Errors that are not the client's fault become a 500 whose detail names the request id, never the error's
/// text, and the error goes to the log.
struct ProblemDetailsMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as ProblemDetails {
            return try problem.response(from: request, context: context)
        } catch let error as ServerError {
            // A generated handler's failure: the client's, or the server's (its underlying error logged: the
            // ServerError's own description carries the request body, which may hold credentials).
            guard let problem = ProblemDetails(error) else {
                return try Self.internalError(error.underlyingError, request: request, context: context)
            }
            return try problem.response(from: request, context: context)
        } catch let error as HTTPError {
            return try Self.problem(status: error.status, headers: error.headers, message: error.body, request: request, context: context)
                .response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            // Errors from NIO and Hummingbird internals, such as a body over the size limit.
            return try Self.problem(status: error.status, headers: [:], message: nil, request: request, context: context)
                .response(from: request, context: context)
        } catch {
            // The application's own errors (and a hand-written route's problem) in one mapping; anything else is a bug.
            guard let problem = ProblemDetails(domain: error) else { return try Self.internalError(error, request: request, context: context) }
            return try problem.response(from: request, context: context)
        }
    }

    /// A 500 whose detail names the request id, never the error's text; the error goes to the log.
    static func internalError(_ error: any Error, request: Request, context: Context) throws -> Response {
        context.logger.error(
            "request failed",
            metadata: ["error": "\(error)", "path": "\(request.uri.path)", "method": "\(request.method)"]
        )
        return try ProblemDetails(
            status: .internalServerError,
            type: "/problems/internal",
            title: "Internal server error",
            detail: "the server failed to handle this request; the server log has the details (request id \(context.id))"
        ).response(from: request, context: context)
    }

    static func problem(
        status: HTTPResponse.Status,
        headers: HTTPFields,
        message: String?,
        request: Request,
        context: Context
    ) -> ProblemDetails {
        switch status {
        case .notFound:
            // The router answers 404 for a known path with another method too; the API's description tells them apart.
            let allowed = OpenAPIDocument.routes.methods(forPath: request.uri.path)
            guard message == nil, !allowed.isEmpty else {
                return .notFound(message ?? "no route matches \(request.method) \(request.uri.path)")
            }
            return ProblemDetails(
                status: .methodNotAllowed,
                type: "/problems/method-not-allowed",
                title: "Method not allowed",
                detail: "\(request.method) is not supported on \(request.uri.path); it answers \(allowed.joined(separator: ", "))",
                headers: [.allow: allowed.joined(separator: ", ")]
            )
        case .contentTooLarge:
            return ProblemDetails(
                status: .contentTooLarge,
                type: "/problems/body-too-large",
                title: "Request body too large",
                detail: "the request body exceeds the limit of \(context.maxUploadSize / 1024) KiB this route accepts"
            )
        case .methodNotAllowed:
            return ProblemDetails(
                status: .methodNotAllowed,
                type: "/problems/method-not-allowed",
                title: "Method not allowed",
                detail: "\(request.method) is not supported on \(request.uri.path)",
                headers: headers
            )
        default:
            return ProblemDetails(
                status: status,
                type: "/problems/http-\(status.code)",
                title: status.reasonPhrase,
                detail: message ?? status.reasonPhrase,
                headers: headers
            )
        }
    }
}
