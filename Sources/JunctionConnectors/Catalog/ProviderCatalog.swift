/// The providers a server accepts connections for, looked up by name.
public struct ProviderCatalog: Sendable {
    /// Providers by name.
    public let providers: [String: ProviderDescriptor]

    /// A catalog of `providers`.
    public init(_ providers: [ProviderDescriptor]) {
        self.providers = Dictionary(providers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The provider named `name`.
    public func provider(named name: String) -> ProviderDescriptor? {
        providers[name]
    }

    /// Every registered name, sorted, for error messages and listings.
    public var names: [String] { providers.keys.sorted() }

    /// The providers Junction ships.
    public static let builtIn = ProviderCatalog([
        ProviderDescriptor(
            name: "stripe",
            displayName: "Stripe",
            authKinds: [.apiKey],
            defaultBaseURL: "https://api.stripe.com",
            credentialFields: ["apiKey", "webhookSecret", "webhookSecrets"]
        ),
        ProviderDescriptor(
            name: "salesforce",
            displayName: "Salesforce",
            authKinds: [.oauth2AuthorizationCode, .jwtBearer],
            defaultBaseURL: "https://login.salesforce.com",
            credentialFields: [
                "clientId", "clientSecret", "privateKey", "username", "accessToken", "refreshToken",
                "webhookSecret", "webhookSecrets",
            ]
        ),
        ProviderDescriptor(
            name: "google",
            displayName: "Google APIs",
            authKinds: [.oauth2AuthorizationCode, .jwtBearer],
            defaultBaseURL: "https://www.googleapis.com",
            credentialFields: [
                "clientId", "clientSecret", "serviceAccountKey", "accessToken", "refreshToken",
                "webhookSecret", "webhookSecrets",
            ]
        ),
        ProviderDescriptor(
            name: "oauth2",
            displayName: "Any OAuth2 API",
            authKinds: [.oauth2AuthorizationCode, .oauth2ClientCredentials],
            defaultBaseURL: nil,
            credentialFields: ["clientId", "clientSecret", "accessToken", "refreshToken", "webhookSecret", "webhookSecrets"]
        ),
        ProviderDescriptor(
            name: "rest",
            displayName: "Any REST API",
            authKinds: [.apiKey, .basic],
            defaultBaseURL: nil,
            credentialFields: ["apiKey", "token", "username", "password", "webhookSecret", "webhookSecrets"]
        ),
    ])
}
