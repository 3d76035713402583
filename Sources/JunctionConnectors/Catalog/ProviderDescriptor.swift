import JunctionCore

/// What Junction knows about a provider before any call: its name, how it authenticates, which settings and
/// credentials a connection to it accepts, its resources and its webhooks. The management API validates
/// connections against it and lists it under `/api/v1/providers`.
public struct ProviderDescriptor: Sendable, Equatable {
    /// The registered name used in `"provider": "stripe"`.
    public var name: String
    /// A human name.
    public var displayName: String
    /// How connections to it authenticate.
    public var authKinds: [AuthKind]
    /// The base URL used when a connection's settings give none.
    public var defaultBaseURL: String?
    /// Credential fields it understands (others are refused, to catch typos).
    public var credentialFields: [String]
    /// How credentials go on requests when the connection's `settings.auth` says nothing (same shape).
    public var defaultAuthPlacement: [String: JSONValue]?
    /// The header carrying the API version, if the provider versions its API that way (`Stripe-Version`).
    public var apiVersionHeader: String?
    /// The API version used when a connection pins none.
    public var defaultAPIVersion: String?
    /// The token response field naming the connection's API host (Salesforce's `instance_url`), used as the base URL
    /// when the connection's settings give none.
    public var instanceURLField: String?
    /// The header carrying an idempotency key on writes, if the provider honours one (`Idempotency-Key`).
    public var idempotencyHeader: String?
    /// How an update is made conditional, if the provider can refuse one (412) when the record changed since it was
    /// read: a two-way push then writes without reading the record first.
    public var conditionalUpdate: ConditionalUpdate?
    /// What it holds.
    public var resources: [ResourceDescriptor]
    /// The verifier for its inbound webhooks (`stripe`, `standard-webhooks`…), if it sends any.
    public var webhookVerifier: String?
    /// Which resource an event type concerns (`customer.*` → `customers`), for webhook-driven sync.
    public var eventResources: [String: String]

    /// A provider descriptor.
    public init(
        name: String, displayName: String, authKinds: [AuthKind], defaultBaseURL: String?, credentialFields: [String],
        defaultAuthPlacement: [String: JSONValue]? = nil, apiVersionHeader: String? = nil, defaultAPIVersion: String? = nil,
        idempotencyHeader: String? = nil, instanceURLField: String? = nil, resources: [ResourceDescriptor] = [],
        webhookVerifier: String? = nil,
        eventResources: [String: String] = [:]
    ) {
        self.name = name
        self.displayName = displayName
        self.authKinds = authKinds
        self.defaultBaseURL = defaultBaseURL
        self.credentialFields = credentialFields
        self.defaultAuthPlacement = defaultAuthPlacement
        self.apiVersionHeader = apiVersionHeader
        self.defaultAPIVersion = defaultAPIVersion
        self.idempotencyHeader = idempotencyHeader
        self.instanceURLField = instanceURLField
        self.resources = resources
        self.webhookVerifier = webhookVerifier
        self.eventResources = eventResources
        self.conditionalUpdate = nil
    }

    /// A conditional update: `header` (`If-Match`, `If-Unmodified-Since`) carries the value of the record's `field`
    /// (its ETag or change time) as it was last read.
    public struct ConditionalUpdate: Sendable, Equatable {
        /// The request header.
        public var header: String
        /// The record field whose value it carries.
        public var field: String

        /// A conditional update.
        public init(header: String, field: String) {
            self.header = header
            self.field = field
        }
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
