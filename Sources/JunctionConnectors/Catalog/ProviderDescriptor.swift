/// What Junction knows about a provider before any connector code runs: its name, how it authenticates, and
/// which settings and credentials a connection to it accepts. The management API validates connections
/// against it.
public struct ProviderDescriptor: Sendable, Equatable {
    /// The registered name used in `"provider": "stripe"`.
    public let name: String
    /// A human name.
    public let displayName: String
    /// How connections to it authenticate.
    public let authKinds: [AuthKind]
    /// The base URL used when a connection's settings give none.
    public let defaultBaseURL: String?
    /// Credential fields it understands (others are refused, to catch typos).
    public let credentialFields: [String]

    /// A provider descriptor.
    public init(name: String, displayName: String, authKinds: [AuthKind], defaultBaseURL: String?, credentialFields: [String]) {
        self.name = name
        self.displayName = displayName
        self.authKinds = authKinds
        self.defaultBaseURL = defaultBaseURL
        self.credentialFields = credentialFields
    }

    /// The ways a connection can authenticate to a provider.
    public enum AuthKind: String, Sendable, Codable, CaseIterable {
        /// A static API key or token.
        case apiKey = "api_key"
        /// OAuth2 authorization code with PKCE.
        case oauth2AuthorizationCode = "oauth2_authorization_code"
        /// OAuth2 client credentials.
        case oauth2ClientCredentials = "oauth2_client_credentials"
        /// RFC 7523 JWT bearer (service accounts).
        case jwtBearer = "jwt_bearer"
        /// HTTP Basic.
        case basic
    }
}
