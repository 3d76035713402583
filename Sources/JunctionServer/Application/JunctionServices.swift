import JunctionAuth
import JunctionConnectors
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

    /// The services of one server.
    public init(
        database: Database,
        queue: JobQueue,
        vault: CredentialVault,
        adminToken: AdminToken,
        catalog: ProviderCatalog = .builtIn,
        metrics: ServerMetrics = ServerMetrics(),
        allowPrivateEndpoints: Bool = false
    ) {
        self.database = database
        self.queue = queue
        self.vault = vault
        self.adminToken = adminToken
        self.catalog = catalog
        self.metrics = metrics
        self.allowPrivateEndpoints = allowPrivateEndpoints
    }
}
