import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import JunctionAuth
import JunctionCore
import JunctionStore
import Logging
import NIOCore

/// The OAuth2 authorization code flow with PKCE: `POST /api/v1/connections/{id}/oauth/authorize` hands out the
/// provider's authorization URL; `GET /oauth/callback` (no admin token: the user's browser arrives here)
/// exchanges the code and shows the person a page that says what happened.
struct OAuthController<Context: RequestContext>: Sendable {
    let services: JunctionServices
    /// How long a user has to complete the authorization.
    static var stateLifetime: TimeInterval { 600 }

    func addRoutes(api: RouterGroup<Context>, router: Router<Context>) {
        api.post("connections/:id/oauth/authorize", use: authorize)
        router.get("oauth/callback", use: callback)
    }

    var redirectURI: String { services.publicURL + "/oauth/callback" }

    @Sendable func authorize(request: Request, context: Context) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let repository = ConnectionRepository(database: services.database)
        guard ResourceID.isWellFormed(id, prefix: ConnectionRecord.idPrefix), let record = try await repository.find(id: id) else {
            throw ProblemDetails.notFound("no connection with id '\(id)'")
        }
        let credentials = try await services.vault.credentials(of: id, in: VaultSecretRepository(database: services.database))
        let configuration: OAuth2Configuration
        do {
            configuration = try OAuth2Configuration(settings: record.settings, credentials: credentials)
        } catch {
            throw ProblemDetails.badRequest(error.detail, type: "/problems/oauth-misconfigured")
        }
        guard configuration.grant == .authorizationCode else {
            throw ProblemDetails.badRequest(
                "this connection uses the \(configuration.grant.rawValue) grant, which needs no user authorization",
                type: "/problems/oauth-misconfigured"
            )
        }
        let state = RandomToken.base64URL(bytes: 32)
        let pkce = PKCE.generate()
        let stateHash = Self.hash(state)
        let expiresAt = Date().addingTimeInterval(Self.stateLifetime)
        try await OAuthStateRepository(database: services.database).insert(
            PendingAuthorization(stateHash: stateHash, connectionID: id, redirectURI: redirectURI, expiresAt: expiresAt),
            verifier: try services.vault.seal(["verifier": .string(pkce.verifier)], ownerID: OAuthStateRepository.verifierOwner(stateHash))
        )
        let url: String
        do {
            url = try services.oauth.authorizationURL(configuration: configuration, state: state, pkce: pkce, redirectURI: redirectURI)
        } catch {
            throw ProblemDetails.badRequest(error.detail, type: "/problems/oauth-misconfigured")
        }
        context.logger.info("authorization started", metadata: ["connection": "\(id)"])
        return try JSONResponse.make(AuthorizationStarted(authorizationUrl: url, expiresAt: expiresAt))
    }

    @Sendable func callback(request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        guard let state = query.get("state"), !state.isEmpty else {
            return CallbackPage.failure(OAuth2Error.unknownState, status: .badRequest)
        }
        let consumption = try await OAuthStateRepository(database: services.database).consume(stateHash: Self.hash(state))
        let pending: PendingAuthorization
        let sealedVerifier: SealedSecret
        switch consumption {
        case .unknown:
            context.logger.warning("OAuth callback with an unknown state")
            return CallbackPage.failure(OAuth2Error.unknownState, status: .badRequest)
        case .alreadyUsed(let connectionID):
            context.logger.warning("OAuth callback replayed", metadata: ["connection": "\(connectionID)"])
            return CallbackPage.failure(OAuth2Error.stateAlreadyUsed, status: .badRequest)
        case .expired(let connectionID):
            context.logger.warning("OAuth callback after the state expired", metadata: ["connection": "\(connectionID)"])
            return CallbackPage.failure(OAuth2Error.stateExpired, status: .badRequest)
        case .consumed(let found, let verifier):
            pending = found
            sealedVerifier = verifier
        }
        if let error = query.get("error") {
            context.logger.warning(
                "provider denied authorization", metadata: ["connection": "\(pending.connectionID)", "error": "\(error)"])
            return CallbackPage.failure(
                OAuth2Error.authorizationDenied(code: error, description: query.get("error_description")), status: .badRequest
            )
        }
        guard let code = query.get("code"), !code.isEmpty else {
            return CallbackPage.failure(
                OAuth2Error.authorizationDenied(code: "missing_code", description: "the provider sent no code"), status: .badRequest)
        }
        do {
            guard let record = try await ConnectionRepository(database: services.database).find(id: pending.connectionID) else {
                return CallbackPage.failure(OAuth2Error.misconfigured("the connection was deleted during authorization"), status: .notFound)
            }
            let credentials =
                try await services.vault.credentials(of: record.id, in: VaultSecretRepository(database: services.database))
            let configuration = try OAuth2Configuration(settings: record.settings, credentials: credentials)
            guard let verifier = try services.vault.open(sealedVerifier)["verifier"]?.stringValue else {
                return CallbackPage.failure(OAuth2Error.unknownState, status: .badRequest)
            }
            let tokens = try await services.oauth.exchange(
                code: code, verifier: verifier, redirectURI: pending.redirectURI, configuration: configuration
            )
            try await services.tokens.storeAuthorized(tokens, for: record.id)
            context.logger.info("connection authorized", metadata: ["connection": "\(record.id)"])
            return CallbackPage.success(connectionName: record.name)
        } catch let error as any JunctionError {
            context.logger.warning("authorization failed", metadata: ["connection": "\(pending.connectionID)", "error": "\(error.detail)"])
            return CallbackPage.failure(error, status: .badRequest)
        }
    }

    static func hash(_ state: String) -> String {
        SHA256.hash(data: Data(state.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// The answer to `POST …/oauth/authorize`.
struct AuthorizationStarted: Encodable {
    var authorizationUrl: String
    var expiresAt: Date
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
