import JunctionAuth
import JunctionConnectors
import JunctionHTTP
import JunctionStore
import Logging

/// Everything the HTTP layer works with, built once at start-up (by `junction serve` or a test).
public struct JunctionServices: Sendable {
    /// The store.
    public let database: Database
    /// The job queue over the store.
    public let queue: JobQueue
    /// The credential vault.
    public let vault: CredentialVault
    /// Verifies the management API's bearer token.
    public let adminToken: AdminToken
    /// The providers connections can be made to.
    public let catalog: ProviderCatalog
    /// The metrics registry `/metrics` renders.
    public let metrics: ServerMetrics
    /// Whether outbound URLs may point at loopback and private networks (`--allow-private-endpoints`).
    public let allowPrivateEndpoints: Bool
    /// The URL the server is reached at from a browser, for OAuth redirect URIs (`JUNCTION_PUBLIC_URL`).
    public let publicURL: String
    /// The resilient client every provider call goes through.
    public let apiClient: APIClient
    /// OAuth2 protocol steps.
    public let oauth: OAuth2Client
    /// Access tokens per connection, refreshed once across nodes.
    public let tokens: TokenManager

    /// The services of one server.
    public init(
        database: Database,
        queue: JobQueue,
        vault: CredentialVault,
        adminToken: AdminToken,
        catalog: ProviderCatalog = .builtIn,
        metrics: ServerMetrics = ServerMetrics(),
        allowPrivateEndpoints: Bool = false,
        publicURL: String = "http://127.0.0.1:8080",
        apiClient: APIClient = APIClient(),
        logger: Logger = Logger(label: "junction")
    ) {
        self.database = database
        self.queue = queue
        self.vault = vault
        self.adminToken = adminToken
        self.catalog = catalog
        self.metrics = metrics
        self.allowPrivateEndpoints = allowPrivateEndpoints
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.apiClient = apiClient
        self.oauth = OAuth2Client(apiClient: apiClient)
        self.tokens = TokenManager(database: database, vault: vault, oauth: oauth, logger: logger)
    }
}
