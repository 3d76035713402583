import Foundation
import HTTPTypes
import Hummingbird
import JunctionApp
import JunctionAuth
import JunctionCore
import NIOCore

/// `GET /oauth/callback`, where the provider sends the user's browser back (no admin token: it is the person's
/// browser): completes the authorization and shows the person a page that says what happened.
struct OAuthCallbackController<Context: RequestContext>: Sendable {
    let authorizations: OAuthAuthorizationService

    func addRoutes(to router: Router<Context>) {
        router.get("oauth/callback", use: callback)
    }

    @Sendable func callback(request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        do {
            let completion = try await authorizations.complete(
                state: query.get("state"), code: query.get("code"), error: query.get("error"),
                errorDescription: query.get("error_description"))
            if let location = completion.redirect {
                return Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
            }
            switch completion.failure {
            case nil: return CallbackPage.success(connectionName: completion.connectionName ?? completion.connectionID)
            case let error as ApplicationError where error.kind == .notFound: return CallbackPage.failure(error, status: .notFound)
            case let error?: return CallbackPage.failure(error, status: .badRequest)
            }
        } catch let error as ApplicationError where error.kind == .notFound {
            return CallbackPage.failure(error, status: .notFound)
        } catch let error as any JunctionError {
            return CallbackPage.failure(error, status: .badRequest)
        }
    }
}

/// The page a person sees at the end of an authorization.
enum CallbackPage {
    static func success(connectionName: String) -> Response {
        render(status: .ok, title: "Connected", message: "\(connectionName) is connected. You can close this window.")
    }

    static func failure(_ error: any JunctionError, status: HTTPResponse.Status) -> Response {
        render(status: status, title: error.title, message: error.detail)
    }

    static func render(status: HTTPResponse.Status, title: String, message: String) -> Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) · Junction</title>
            <style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
            h1{font-size:1.4rem}</style></head>
            <body><h1>\(escape(title))</h1><p>\(escape(message))</p></body></html>
            """
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html))
        )
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
