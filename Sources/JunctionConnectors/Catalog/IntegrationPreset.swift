import JunctionCore

/// The OAuth endpoints and usual scopes of a well-known provider, so an integration names only its client id and
/// secret. Each preset cites the provider document it follows; an integration's own `oauth` members override it
/// (a Salesforce sandbox's `test.salesforce.com`, narrower scopes).
public struct IntegrationPreset: Sendable {
    /// The preset's name, e.g. `salesforce`.
    public var name: String
    /// The provider it is for.
    public var provider: String
    /// Settings it starts an integration with: `oauth`, and where calls need it, `auth`.
    public var settings: JSONObject
    /// The provider document it follows.
    public var source: String

    /// Every preset, by name.
    public static let all: [String: IntegrationPreset] = Dictionary(
        uniqueKeysWithValues: [salesforce, google, hubspot, stripeConnect].map { ($0.name, $0) })

    /// The preset named `name`.
    public static func named(_ name: String) -> IntegrationPreset? { all[name] }

    /// The preset an integration of `provider` starts from when it names none: the one named after the provider.
    public static func `default`(for provider: String) -> IntegrationPreset? {
        all.values.first { $0.provider == provider && $0.name == provider }
    }

    static let salesforce = IntegrationPreset(
        name: "salesforce", provider: "salesforce",
        settings: [
            "oauth": [
                "authorizeURL": "https://login.salesforce.com/services/oauth2/authorize",
                "tokenURL": "https://login.salesforce.com/services/oauth2/token",
                "revocationURL": "https://login.salesforce.com/services/oauth2/revoke",
                "scopes": ["api", "refresh_token"],
                "clientAuthentication": "client_secret_post",
            ]
        ],
        source: "https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_endpoints.htm")

    static let google = IntegrationPreset(
        name: "google", provider: "google",
        settings: [
            "oauth": [
                "authorizeURL": "https://accounts.google.com/o/oauth2/v2/auth",
                "tokenURL": "https://oauth2.googleapis.com/token",
                "revocationURL": "https://oauth2.googleapis.com/revoke",
                "scopes": ["openid", "email", "https://www.googleapis.com/auth/calendar", "https://www.googleapis.com/auth/drive"],
                "clientAuthentication": "client_secret_post",
                // A refresh token is issued only for offline access, and again only when consent is asked again.
                "extraAuthorizeParameters": ["access_type": "offline", "prompt": "consent", "include_granted_scopes": "true"],
            ]
        ],
        source: "https://developers.google.com/identity/protocols/oauth2/web-server")

    static let hubspot = IntegrationPreset(
        name: "hubspot", provider: "hubspot",
        settings: [
            "oauth": [
                "authorizeURL": "https://app.hubspot.com/oauth/authorize",
                "tokenURL": "https://api.hubapi.com/oauth/v1/token",
                "scopes": ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.companies.read"],
                "clientAuthentication": "client_secret_post",
            ]
        ],
        source: "https://developers.hubspot.com/docs/api/oauth-quickstart-guide")

    static let stripeConnect = IntegrationPreset(
        name: "stripe-connect", provider: "stripe",
        settings: [
            "oauth": [
                "authorizeURL": "https://connect.stripe.com/oauth/authorize",
                "tokenURL": "https://connect.stripe.com/oauth/token",
                "scopes": ["read_write"],
                // The platform's secret key is the client secret, sent in the body.
                "clientAuthentication": "client_secret_post",
            ],
            // A connected account's calls carry its OAuth access token rather than the platform's key.
            "auth": ["type": "oauth2"],
        ],
        source: "https://docs.stripe.com/connect/oauth-reference")
}
