/// The providers a server accepts connections for, each with its connector, looked up by name.
public struct ProviderCatalog: Sendable {
    /// Connectors by provider name.
    public let connectors: [String: any Connector]

    /// A catalog of `connectors`; for a repeated name, the first wins.
    public init(_ connectors: [any Connector]) {
        self.connectors = Dictionary(connectors.map { ($0.descriptor.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The provider named `name`.
    public func provider(named name: String) -> ProviderDescriptor? {
        connectors[name]?.descriptor
    }

    /// The connector of the provider named `name`.
    public func connector(named name: String) -> (any Connector)? {
        connectors[name]
    }

    /// Every registered name, sorted, for error messages and listings.
    public var names: [String] { connectors.keys.sorted() }

    /// This catalog with `more` connectors; a name already present is replaced, so a definition file can override a
    /// built-in one.
    public func adding(_ more: [any Connector]) -> ProviderCatalog {
        var merged = connectors
        for connector in more { merged[connector.descriptor.name] = connector }
        return ProviderCatalog(Array(merged.values))
    }

    /// The providers Junction ships.
    public static let builtIn: ProviderCatalog = {
        var connectors: [any Connector] = BuiltInDefinitions.all.keys.sorted().map { name in
            do {
                // The verifier names are checked against the webhook module's list by the test suite.
                return DeclarativeConnector(try ConnectorDefinition.load(BuiltInDefinitions.all[name] ?? "", knownVerifiers: nil))
            } catch {
                fatalError("the built-in \(name) definition is invalid: \(error)")  // A build defect, caught by the tests.
            }
        }
        connectors += [
            SalesforceConnector(),
            GoogleConnector(),
            ProxyOnlyConnector(
                ProviderDescriptor(
                    name: "oauth2",
                    displayName: "Any OAuth2 API",
                    authKinds: [.oauth2AuthorizationCode, .oauth2ClientCredentials],
                    defaultBaseURL: nil,
                    credentialFields: ["clientId", "clientSecret", "accessToken", "refreshToken", "webhookSecret", "webhookSecrets"]
                )),
            ProxyOnlyConnector(
                ProviderDescriptor(
                    name: "rest",
                    displayName: "Any REST API",
                    authKinds: [.apiKey, .basic],
                    defaultBaseURL: nil,
                    credentialFields: ["apiKey", "token", "username", "password", "webhookSecret", "webhookSecrets"]
                )),
        ]
        return ProviderCatalog(connectors)
    }()
}
