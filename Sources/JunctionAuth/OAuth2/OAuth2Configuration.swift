import Foundation
import JunctionCore

/// A connection's OAuth2 setup, read from its settings (`settings.oauth`) and credentials (`clientId`,
/// `clientSecret`), so any OAuth2 provider works without code: only URLs and names differ.
///
///     "settings": {"oauth": {"authorizeURL": "https://…/authorize", "tokenURL": "https://…/token",
///                            "revocationURL": "https://…/revoke", "scopes": ["read", "write"],
///                            "grantType": "authorization_code", "clientAuthentication": "client_secret_basic",
///                            "extraAuthorizeParameters": {"access_type": "offline", "prompt": "consent"}}}
public struct OAuth2Configuration: Sendable, Equatable {
    /// How the client authenticates at the token endpoint.
    public enum ClientAuthentication: String, Sendable {
        /// HTTP Basic with the client id and secret (RFC 6749 §2.3.1; the default).
        case basic = "client_secret_basic"
        /// The id and secret in the form body.
        case post = "client_secret_post"
        /// A public client: the id in the body, no secret (PKCE protects the code).
        case none
    }

    /// The grant that obtains tokens without a user present.
    public enum Grant: String, Sendable {
        /// A user authorizes in the browser; tokens are refreshed with the refresh token.
        case authorizationCode = "authorization_code"
        /// The client's own credentials (machine to machine).
        case clientCredentials = "client_credentials"
        /// A signed JWT assertion (RFC 7523): Google service accounts, Salesforce's JWT bearer flow.
        case jwtBearer = "jwt_bearer"
    }

    /// The authorization endpoint (authorization code grant only).
    public var authorizeURL: String?
    /// The token endpoint.
    public var tokenURL: String
    /// The RFC 7009 revocation endpoint, if the provider has one.
    public var revocationURL: String?
    /// The client id.
    public var clientID: String
    /// The client secret (absent for public clients and JWT bearer).
    public var clientSecret: String?
    /// Scopes to ask for.
    public var scopes: [String]
    /// How scopes are joined (a space per RFC 6749; some providers want a comma).
    public var scopeSeparator: String
    /// Extra parameters for the authorization request (`access_type=offline`, `prompt=consent`, `audience`).
    public var extraAuthorizeParameters: [String: String]
    /// Extra parameters for every token request (`audience`, `resource`).
    public var extraTokenParameters: [String: String]
    /// How the client authenticates at the token endpoint.
    public var clientAuthentication: ClientAuthentication
    /// Which grant keeps the connection's token fresh.
    public var grant: Grant
    /// Refresh this long before the access token expires.
    public var refreshAhead: Duration

    /// Reads the configuration; errors name the setting that is missing or wrong.
    public init(settings: JSONValue, credentials: [String: JSONValue]) throws(OAuth2Error) {
        let oauth = settings["oauth"]?.objectValue ?? [:]
        func string(_ key: String) -> String? { oauth[key]?.stringValue }
        guard let tokenURL = string("tokenURL"), URL(string: tokenURL)?.host != nil else {
            throw .misconfigured("settings.oauth.tokenURL must be the provider's token endpoint URL")
        }
        let grantText = string("grantType") ?? Grant.authorizationCode.rawValue
        guard let grant = Grant(rawValue: grantText) else {
            throw .misconfigured(
                "settings.oauth.grantType must be authorization_code, client_credentials or jwt_bearer, not '\(grantText)'")
        }
        let authenticationText = string("clientAuthentication") ?? ClientAuthentication.basic.rawValue
        guard let authentication = ClientAuthentication(rawValue: authenticationText) else {
            throw .misconfigured("settings.oauth.clientAuthentication must be client_secret_basic, client_secret_post or none")
        }
        // A service account key carries its own client id; JWT bearer needs no other.
        let serviceAccountClientID = credentials["serviceAccountKey"].flatMap { key in
            key["client_id"]?.stringValue ?? key.stringValue.flatMap { try? JSONValue.parse($0) }?["client_id"]?.stringValue
        }
        guard
            let clientID = credentials["clientId"]?.stringValue ?? string("clientId")
                ?? (grant == .jwtBearer ? serviceAccountClientID ?? "" : nil)
        else {
            throw .misconfigured("credentials.clientId is required for OAuth2")
        }
        if grant == .authorizationCode {
            guard let authorize = string("authorizeURL"), URL(string: authorize)?.host != nil else {
                throw .misconfigured("settings.oauth.authorizeURL must be the provider's authorization endpoint URL")
            }
        }
        self.authorizeURL = string("authorizeURL")
        self.tokenURL = tokenURL
        self.revocationURL = string("revocationURL")
        self.clientID = clientID
        self.clientSecret = credentials["clientSecret"]?.stringValue
        if case .array(let scopes) = oauth["scopes"] {
            self.scopes = scopes.compactMap(\.stringValue)
        } else {
            self.scopes = string("scopes").map { $0.split(separator: " ").map(String.init) } ?? []
        }
        self.scopeSeparator = string("scopeSeparator") ?? " "
        self.extraAuthorizeParameters = (oauth["extraAuthorizeParameters"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        self.extraTokenParameters = (oauth["extraTokenParameters"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
        self.clientAuthentication = authentication
        self.grant = grant
        if case .number(let seconds) = oauth["refreshAheadSeconds"] {
            self.refreshAhead = .clampedSeconds(seconds, maximum: 86_400)
        } else {
            self.refreshAhead = .seconds(60)
        }
        if authentication != .none, grant != .jwtBearer, clientSecret == nil {
            throw .misconfigured(
                "credentials.clientSecret is required with \(authentication.rawValue); use \"clientAuthentication\": \"none\" for a public client"
            )
        }
    }

    /// Whether `settings` configure OAuth2 at all.
    public static func isConfigured(in settings: JSONValue) -> Bool {
        settings["oauth"]?.objectValue != nil
    }
}
