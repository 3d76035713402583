import Foundation
import HTTPTypes
import JunctionAuth
import JunctionConnectors
import JunctionCore
import JunctionHTTP
import JunctionStore

/// Puts a connection's credentials on a request, sends it, and when the provider rejects an OAuth token that looked
/// valid (revoked, clock skew), refreshes it once and resends. The proxy and the connectors both send this way.
public struct CredentialedSender: Sendable {
    private let tokens: TokenManager
    /// The connection, its `settings.auth` defaulted from the provider's placement.
    public let connection: ConnectionRecord
    /// The connection's credentials, opened.
    public let credentials: [String: JSONValue]
    /// Counts each call for the connection's health, when the server monitors it.
    let recorder: CallRecorder?
    /// The API version the connection's calls use (its setting, else the provider's default), for notices.
    let apiVersion: String?

    /// A sender for `connection`; `provider` supplies how credentials go on requests when the connection does not say;
    /// `recorder` counts every call and whether the provider failed it.
    public init(
        tokens: TokenManager, connection: ConnectionRecord, provider: ProviderDescriptor?, credentials: [String: JSONValue],
        recorder: CallRecorder? = nil
    ) {
        self.recorder = recorder
        self.apiVersion = connection.settings["apiVersion"]?.stringValue ?? provider?.defaultAPIVersion
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
    public func send<Response: ProviderAnswer>(
        _ request: APIRequest, using send: (APIRequest) async throws -> Response
    ) async throws -> Response {
        guard let recorder else { return try await authorizedSend(request, using: send) }
        let started = ContinuousClock.now
        do {
            let response = try await authorizedSend(request, using: send)
            let code = response.status
            recorder.record(connectionID: connection.id, failed: code >= 500 || code == 401, latency: ContinuousClock.now - started)
            if let notice = DeprecationNotice(response) {
                recorder.note(notice, connectionID: connection.id, version: apiVersion ?? "unversioned", endpoint: Self.endpoint(request))
            }
            return response
        } catch {
            if let failed = Self.isProviderFailure(error) {
                recorder.record(connectionID: connection.id, failed: failed, latency: ContinuousClock.now - started)
            }
            throw error
        }
    }

    /// Whether an error thrown by a call counts against the provider's health (`nil`: it is no call at all, such as
    /// a request refused before it was sent or a cancelled one). The network, timeouts, 5xx, an open circuit and
    /// refused credentials count; the caller's own mistakes (4xx) are calls that worked.
    static func isProviderFailure(_ error: any Error) -> Bool? {
        switch error {
        case is CancellationError: nil
        case let error as APIError:
            switch error {
            case .transport, .timeout, .server, .circuitOpen, .unauthorized: true
            case .invalidRequest, .hostNotAllowed: nil
            case .rateLimited, .forbidden, .notFound, .conflict, .validation, .client: false
            }
        case let error as ConnectionCallError: error.needsAuthorization ? true : nil
        default: true
        }
    }

    /// `GET /v1/customers`: the method and path a notice is filed under (no query, no host).
    static func endpoint(_ request: APIRequest) -> String {
        let path = URLComponents(string: request.url)?.path ?? ""
        return request.method.rawValue + " " + String((path.isEmpty ? "/" : path).prefix(300))
    }

    private func authorizedSend<Response: ProviderAnswer>(
        _ request: APIRequest, using send: (APIRequest) async throws -> Response
    ) async throws -> Response {
        var outbound = request
        let injected = try await Self.credentialProblems {
            try await CredentialInjector(tokens: tokens).authorize(&outbound, connection: connection, credentials: credentials)
        }
        let response = try await send(outbound)
        guard response.status == 401, case .oauthToken(let rejected) = injected else { return response }
        let token = try await Self.credentialProblems { try await tokens.refresh(for: connection.id, rejected: rejected) }
        outbound.headers[.authorization] = "Bearer \(token)"
        return try await send(outbound)
    }

    /// Runs a credential step, telling the connection's state (its credentials) apart from a token endpoint that could
    /// not be reached or failed.
    static func credentialProblems<Value>(_ step: () async throws -> Value) async throws -> Value {
        do {
            return try await step()
        } catch let error as OAuth2Error {
            throw ConnectionCallError.credentials(error)
        } catch let error as APIError {
            throw ConnectionCallError.tokenEndpoint(error)
        }
    }
}
