import JunctionApp
import JunctionAuth
import JunctionConnectors
import JunctionHTTP
import JunctionStore
import JunctionWebhooks
import Logging
import Synchronization

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
    /// Opens connections for provider calls, the same way for the resources API and the proxy.
    public let runtime: ConnectionRuntime
    /// Counts this node's calls through each connection for the health monitor.
    public let callRecorder = CallRecorder()

    /// Limits of the inbound webhook listener.
    public var webhookIngress: WebhookIngressConfiguration { webhookIngressLimits.withLock { $0 } }
    /// The listener's limits, which a running server changes on SIGHUP (``reconfigureWebhookIngress(_:)``).
    private let webhookIngressLimits: SharedValue<WebhookIngressConfiguration>
    /// Rate limits per source address and per connection for inbound webhooks.
    let webhookAdmission = AdmissionLimiter()
    /// Verifiers and secrets of connections receiving webhooks.
    let webhookSources: WebhookSourceCache
    /// The durable inbox inbound webhooks are committed to.
    public let inbox: WebhookInbox
    /// Accepts messages for the application's endpoints.
    public let dispatcher: MessageDispatcher
    /// Makes outbound deliveries.
    public let deliverer: WebhookDeliverer
    /// The SSRF guard for endpoint URLs.
    public let endpointAddressPolicy: EndpointAddressPolicy
    /// Maps inbound events with their connection's mappings, for processing and for the events API.
    let eventEnricher: EventMappingEnricher
    /// How sync runs read and recover.
    public let syncConfiguration: SyncRunner.Configuration

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
        webhookIngress: WebhookIngressConfiguration = .init(),
        tokenConfiguration: TokenManager.Configuration = .init(),
        syncConfiguration: SyncRunner.Configuration = .init(),
        logger: Logger = Logger(label: "junction")
    ) {
        self.syncConfiguration = syncConfiguration
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
        self.tokens = TokenManager(database: database, vault: vault, oauth: oauth, configuration: tokenConfiguration, logger: logger)
        self.runtime = ConnectionRuntime(
            database: database, vault: vault, tokens: tokens, catalog: catalog, apiClient: apiClient, recorder: callRecorder)
        self.webhookIngressLimits = SharedValue(webhookIngress)
        self.webhookSources = WebhookSourceCache(database: database, vault: vault, catalog: catalog)
        self.inbox = WebhookInbox(database: database, queue: queue, logger: logger) { metrics.recordInboxFlush(events: $0) }
        self.dispatcher = MessageDispatcher(database: database, queue: queue)
        self.endpointAddressPolicy = EndpointAddressPolicy(allowPrivate: allowPrivateEndpoints)
        self.eventEnricher = EventMappingEnricher(database: database, catalog: catalog)
        self.deliverer = WebhookDeliverer(
            database: database, queue: queue, vault: vault, addressPolicy: endpointAddressPolicy, logger: logger
        )
    }

    /// The OAuth authorization flow, with provider redirects coming back to this server's `/oauth/callback`.
    func authorizations(logger: Logger) -> OAuthAuthorizationService {
        OAuthAuthorizationService(
            database: database, vault: vault, oauth: oauth, tokens: tokens, redirectURI: publicURL + "/oauth/callback", logger: logger)
    }

    /// The handlers of the job kinds this server's workers run, sync runs aside (``syncWorkers(count:logger:)``).
    public func jobHandlers(logger: Logger) -> [String: any JobHandler] {
        let runner = syncRunner(logger: logger)
        return [
            WebhookInbox.processJobKind: WebhookEventProcessor(
                events: WebhookEventRepository(database: database),
                queue: queue,
                handlers: [OutboundForwardingHandler(dispatcher: dispatcher), RealtimeSyncHandler(database: database, catalog: catalog, runner: runner)],
                enricher: eventEnricher,
                logger: logger
            ),
            MessageDispatcher.deliverJobKind: deliverer,
        ]
    }

    /// Workers for sync runs and pushes, `count` of them, each running one job at a time. Runs can take hours: kept
    /// apart from the other jobs, and one per worker, a long run holds up neither webhook processing nor another sync.
    public func syncWorkers(count: Int, leaseDuration: Duration = .seconds(30), pollInterval: Duration = .seconds(1), logger: Logger)
        -> [JobWorkerService]
    {
        var configuration = JobWorkerService.Configuration()
        configuration.concurrency = 1
        configuration.batchSize = 1
        configuration.leaseDuration = leaseDuration
        configuration.pollInterval = pollInterval
        let handlers: [String: any JobHandler] = [SyncRunner.jobKind: syncRunner(logger: logger), SyncPusher.jobKind: syncPusher(logger: logger)]
        return (0..<count).map { _ in
            JobWorkerService(queue: queue, handlers: handlers, configuration: configuration, logger: logger)
        }
    }

    /// Announces sync changes and failures through the outbound webhooks.
    public var syncAnnouncer: SyncAnnouncer { SyncAnnouncer(database: database, dispatcher: dispatcher) }

    /// Runs syncs, reading providers through this server's connections.
    public func syncRunner(logger: Logger) -> SyncRunner {
        SyncRunner(database: database, runtime: runtime, announcer: syncAnnouncer, configuration: syncConfiguration, logger: logger)
    }

    /// Pushes two-way syncs' local changes through this server's connections.
    public func syncPusher(logger: Logger, configuration: SyncPusher.Configuration = .init()) -> SyncPusher {
        SyncPusher(database: database, runtime: runtime, announcer: syncAnnouncer, configuration: configuration, logger: logger)
    }

    /// Watches the connections' health (probes, state changes, alerts, their messages), as a service of `junction serve`.
    public func healthMonitor(logger: Logger, configuration: HealthMonitor.Configuration = .init()) -> HealthMonitor {
        HealthMonitor(
            database: database, runtime: runtime, recorder: callRecorder, dispatcher: dispatcher, catalog: catalog, configuration: configuration,
            logger: logger)
    }

    /// Starts due syncs and sends due announcements every `interval`, and renews watch channels, as a service of
    /// `junction serve`.
    public func syncScheduler(logger: Logger, interval: Duration = .seconds(1)) -> SyncScheduler {
        SyncScheduler(
            database: database, queue: queue, announcer: syncAnnouncer, subscriptions: realtimeSubscriptions, interval: interval,
            logger: logger)
    }

    /// Subscribes real-time syncs to their provider's webhooks, pointing providers at ``publicURL``.
    public var realtimeSubscriptions: RealtimeSubscriptions {
        RealtimeSubscriptions(database: database, runtime: runtime, vault: vault, publicURL: publicURL)
    }

    /// Changes the webhook listener's limits for the requests that come after.
    public func reconfigureWebhookIngress(_ configuration: WebhookIngressConfiguration) {
        webhookIngressLimits.withLock { $0 = configuration }
    }

    /// Integrations, over this server's store and vault.
    public func integrationService(logger: Logger) -> IntegrationService {
        IntegrationService(database: database, vault: vault, catalog: catalog, webhookSources: webhookSources, logger: logger)
    }

    /// Connections, over this server's store, vault and token manager.
    public func connectionService(logger: Logger) -> ConnectionService {
        ConnectionService(
            database: database, vault: vault, catalog: catalog, oauth: oauth, tokens: tokens, webhookSources: webhookSources, logger: logger)
    }

    /// Outbound webhook endpoints, checked against this server's address policy.
    public var endpointService: EndpointService {
        EndpointService(database: database, queue: queue, vault: vault, addressPolicy: endpointAddressPolicy)
    }

    /// Syncs, subscribing real-time ones through ``realtimeSubscriptions``.
    public var syncService: SyncService {
        SyncService(database: database, queue: queue, catalog: catalog, subscriptions: realtimeSubscriptions)
    }

    /// Applies configuration files (`junction apply`, `serve --config`) through the same services as the API.
    public func configurationApplier(logger: Logger) -> ConfigurationApplier {
        ConfigurationApplier(
            database: database, vault: vault, integrations: integrationService(logger: logger), connections: connectionService(logger: logger),
            endpoints: endpointService, syncs: syncService, logger: logger)
    }
}

/// A value shared by the copies of a struct, changed under a lock.
final class SharedValue<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) {
        self.value = Mutex(value)
    }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        value.withLock { body(&$0) }
    }
}

/// Limits of the inbound webhook listener; a connection's `settings.webhook.rateLimit` overrides its own limit.
public struct WebhookIngressConfiguration: Sendable, Equatable {
    /// Webhooks per second accepted from one source address (bursts of twice that).
    public var sourceRateLimit: Double = 1000
    /// Webhooks per second accepted for one connection (bursts of twice that).
    public var connectionRateLimit: Double = 1000
    /// Largest webhook body, in bytes; larger ones get 413.
    public var maximumBodyBytes: Int = 1024 * 1024

    /// The defaults: 1,000/s per source and per connection, 1 MiB bodies.
    public init(sourceRateLimit: Double = 1000, connectionRateLimit: Double = 1000, maximumBodyBytes: Int = 1024 * 1024) {
        self.sourceRateLimit = sourceRateLimit
        self.connectionRateLimit = connectionRateLimit
        self.maximumBodyBytes = maximumBodyBytes
    }
}
