import Foundation
import HTTPTypes
import Hummingbird
import JunctionAuth

/// Guards the management API: every request needs `Authorization: Bearer <admin token>`.
struct AdminAuthenticationMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: AdminToken

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw ProblemDetails.unauthorized("this route needs an 'Authorization: Bearer <admin token>' header")
        }
        let prefix = "bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix else {
            throw ProblemDetails.unauthorized("the Authorization header must use the Bearer scheme")
        }
        let presented = header.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
        guard token.verify(presented) else {
            throw ProblemDetails.unauthorized("the bearer token is not the admin token")
        }
        return try await next(request, context)
    }
}
