import Foundation
import HTTPTypes
import JunctionAuth
import JunctionConnectors
import JunctionCore
import JunctionHTTP
import JunctionStore

/// Puts a connection's credentials on a request, sends it, and when the provider rejects an OAuth token that looked
/// valid (revoked, clock skew), refreshes it once and resends. The proxy and the connectors both send this way.
struct CredentialedSender: Sendable {
    let tokens: TokenManager
    /// The connection, its `settings.auth` defaulted from the provider's placement.
    let connection: ConnectionRecord
    let credentials: [String: JSONValue]

    /// A sender for `connection`; `provider` supplies how credentials go on requests when the connection does not say.
    init(tokens: TokenManager, connection: ConnectionRecord, provider: ProviderDescriptor?, credentials: [String: JSONValue]) {
        var connection = connection
        if connection.settings["auth"] == nil, let placement = provider?.defaultAuthPlacement,
            case .object(var settings) = connection.settings
        {
            settings["auth"] = .object(placement)
            connection.settings = .object(settings)
        }
        self.tokens = tokens
        self.connection = connection
        self.credentials = credentials
    }

    /// Authorizes `request` and sends it with `send`; `status` reads a response's status for the 401 check.
    func send<Response>(
        _ request: APIRequest, status: (Response) -> Int, using send: (APIRequest) async throws -> Response
    ) async throws -> Response {
        var outbound = request
        let injected = try await Self.credentialProblems {
            try await CredentialInjector(tokens: tokens).authorize(&outbound, connection: connection, credentials: credentials)
        }
        let response = try await send(outbound)
        guard status(response) == 401, case .oauthToken(let rejected) = injected else { return response }
        let token = try await Self.credentialProblems { try await tokens.refresh(for: connection.id, rejected: rejected) }
        outbound.headers[.authorization] = "Bearer \(token)"
        return try await send(outbound)
    }

    /// Runs a credential step, turning its failures into problems: the connection's state (409) or the token
    /// endpoint being unreachable (502/503/504), never a 500.
    static func credentialProblems<Value>(_ step: () async throws -> Value) async throws -> Value {
        do {
            return try await step()
        } catch let error as OAuth2Error {
            throw ProblemDetails(status: .conflict, type: "/problems/connection-credentials", title: error.title, detail: error.detail)
        } catch let error as APIError {
            let status: HTTPResponse.Status =
                switch error {
                case .timeout: .gatewayTimeout
                case .circuitOpen: .serviceUnavailable
                default: .badGateway
                }
            throw ProblemDetails(
                status: status, type: "/problems/token-endpoint", title: "Token endpoint failed",
                detail: "the connection's token could not be obtained: \(error.detail)"
            )
        }
    }
}
