import Foundation
import HTTPTypes
import JunctionCore
import JunctionHTTP

/// The OAuth2 protocol steps against any provider's endpoints: the authorization URL with PKCE, the code
/// exchange, refresh, client credentials, JWT bearer (RFC 7523) and revocation (RFC 7009). Token requests are
/// never retried on an answer (a refresh token may be single-use), only when the connection surely failed.
public struct OAuth2Client: Sendable {
    let apiClient: APIClient

    /// A client over `apiClient`.
    public init(apiClient: APIClient) {
        self.apiClient = apiClient
    }

    /// The URL to send the user's browser to.
    public func authorizationURL(configuration: OAuth2Configuration, state: String, pkce: PKCE, redirectURI: String) throws(OAuth2Error)
        -> String
    {
        guard let authorize = configuration.authorizeURL, var components = URLComponents(string: authorize) else {
            throw .misconfigured("settings.oauth.authorizeURL is required to authorize a user")
        }
        var items = components.queryItems ?? []
        items += [
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "client_id", value: configuration.clientID),
            URLQueryItem(name: "redirect_uri", value: redirectURI),
            URLQueryItem(name: "state", value: state),
            URLQueryItem(name: "code_challenge", value: pkce.challenge),
            URLQueryItem(name: "code_challenge_method", value: pkce.method),
        ]
        if !configuration.scopes.isEmpty {
            items.append(URLQueryItem(name: "scope", value: configuration.scopes.joined(separator: configuration.scopeSeparator)))
        }
        items += configuration.extraAuthorizeParameters.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        components.queryItems = items
        guard let url = components.string else { throw .misconfigured("settings.oauth.authorizeURL is not a valid URL") }
        return url
    }

    /// Exchanges an authorization code (with its PKCE verifier) for tokens.
    public func exchange(code: String, verifier: String, redirectURI: String, configuration: OAuth2Configuration) async throws -> TokenSet {
        try await tokenRequest(
            ["grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI, "code_verifier": verifier],
            configuration: configuration
        )
    }

    /// Obtains a new access token with a refresh token.
    public func refresh(refreshToken: String, configuration: OAuth2Configuration) async throws -> TokenSet {
        try await tokenRequest(["grant_type": "refresh_token", "refresh_token": refreshToken], configuration: configuration)
    }

    /// Obtains a token with the client's own credentials.
    public func clientCredentials(configuration: OAuth2Configuration) async throws -> TokenSet {
        var parameters = ["grant_type": "client_credentials"]
        if !configuration.scopes.isEmpty { parameters["scope"] = configuration.scopes.joined(separator: configuration.scopeSeparator) }
        return try await tokenRequest(parameters, configuration: configuration)
    }

    /// Exchanges a signed JWT assertion for a token (RFC 7523 §2.1).
    public func jwtBearer(assertion: String, tokenURL: String) async throws -> TokenSet {
        try await post(
            url: tokenURL,
            parameters: ["grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion],
            headers: [:]
        )
    }

    /// Revokes a token (RFC 7009). Providers answer 200 even for unknown tokens; an error is thrown only when
    /// the endpoint itself fails.
    public func revoke(token: String, hint: String, configuration: OAuth2Configuration) async throws {
        guard let revocationURL = configuration.revocationURL else { return }
        var parameters = ["token": token, "token_type_hint": hint]
        let headers = authenticate(&parameters, configuration: configuration)
        // Revoking twice is harmless, so unlike token requests this one may be retried.
        _ = try await apiClient.execute(
            Self.formRequest(url: revocationURL, parameters: parameters, headers: headers),
            policy: ClientPolicy(retry: RetryPolicy(maximumAttempts: 3), idempotencyKeyHeader: nil)
        )
    }

    private func tokenRequest(_ parameters: [String: String], configuration: OAuth2Configuration) async throws -> TokenSet {
        var parameters = parameters.merging(configuration.extraTokenParameters) { own, _ in own }
        let headers = authenticate(&parameters, configuration: configuration)
        return try await post(url: configuration.tokenURL, parameters: parameters, headers: headers)
    }

    private func authenticate(_ parameters: inout [String: String], configuration: OAuth2Configuration) -> HTTPFields {
        switch configuration.clientAuthentication {
        case .basic:
            // RFC 6749 §2.3.1: id and secret are form-encoded before being joined for Basic.
            let id = Self.formEncode(configuration.clientID)
            let secret = Self.formEncode(configuration.clientSecret ?? "")
            return [.authorization: "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()]
        case .post:
            parameters["client_id"] = configuration.clientID
            parameters["client_secret"] = configuration.clientSecret
            return [:]
        case .none:
            parameters["client_id"] = configuration.clientID
            return [:]
        }
    }

    private func post(url: String, parameters: [String: String], headers: HTTPFields) async throws -> TokenSet {
        let response: APIResponse
        do {
            // Retried only when the connection failed before the request could arrive (no idempotency key,
            // POST): a refresh token may be single-use, so a request that reached the server is never repeated.
            response = try await apiClient.execute(
                Self.formRequest(url: url, parameters: parameters, headers: headers),
                policy: ClientPolicy(
                    retry: RetryPolicy(maximumAttempts: 3, retryableStatuses: []),
                    idempotencyKeyHeader: nil
                )
            )
        } catch let error as APIError {
            guard let status = error.status else { throw error }
            switch error {
            case .validation(_, let details), .unauthorized(let details), .client(_, let details), .forbidden(let details):
                if details.code == "invalid_grant" { throw OAuth2Error.invalidGrant(details.message ?? "no description") }
                throw OAuth2Error.tokenEndpoint(status: status, code: details.code, description: details.message)
            default:
                throw error
            }
        }
        guard let json = try? JSONValue.parse(String(decoding: response.body, as: UTF8.self)),
            let accessToken = json["access_token"]?.stringValue
        else {
            throw OAuth2Error.tokenEndpoint(status: response.status, code: nil, description: "the response has no access_token")
        }
        var expiresAt: Date?
        if case .number(let seconds) = json["expires_in"] {
            expiresAt = Date().addingTimeInterval(seconds)
        } else if let text = json["expires_in"]?.stringValue, let seconds = Double(text) {
            expiresAt = Date().addingTimeInterval(seconds)
        }
        var extras: [String: String] = [:]
        for key in ["instance_url", "id", "token_type", "issued_at"] {
            if let value = json[key]?.stringValue { extras[key] = value }
        }
        return TokenSet(
            accessToken: accessToken,
            refreshToken: json["refresh_token"]?.stringValue,
            expiresAt: expiresAt,
            scope: json["scope"]?.stringValue,
            extras: extras
        )
    }

    /// A form POST as OAuth2 endpoints take it (RFC 6749 §4.1.3, RFC 7009 §2.1).
    static func formRequest(url: String, parameters: [String: String], headers: HTTPFields) -> APIRequest {
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        headers[.accept] = "application/json"
        return APIRequest(method: .post, url: url, headers: headers, body: form(parameters))
    }

    static func form(_ parameters: [String: String]) -> Data {
        Data(parameters.sorted { $0.key < $1.key }.map { "\(formEncode($0.key))=\(formEncode($0.value))" }.joined(separator: "&").utf8)
    }

    static func formEncode(_ text: String) -> String {
        // application/x-www-form-urlencoded: only ASCII alphanumerics and -._* stay as they are.
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text).replacingOccurrences(of: "%20", with: "+")
    }
}
