import JunctionAPI
import JunctionApp
import JunctionStore
import Logging

/// The management API's handlers, as `openapi.yaml` declares them (the generated `APIProtocol`): each reads its
/// generated input, calls the application layer, and returns its generated output. Failures are thrown as they
/// are (an ``ApplicationError``, a decoding error) and become problem documents in ``ProblemDetailsMiddleware``.
struct ManagementAPI: APIProtocol {
    let providers: ProviderDirectory
    let events: EventService
    let messages: MessageService
    let endpoints: EndpointService
    let connections: ConnectionService
    let integrations: IntegrationService
    let health: HealthService
    let resources: ResourceService
    let authorizations: OAuthAuthorizationService
    let syncs: SyncService
    let syncChanges: SyncChangeService
    let conflicts: ConflictService
    let syncRunner: SyncRunner
    let syncPusher: SyncPusher
    let database: Database

    /// The handlers over one server's services.
    init(services: JunctionServices, logger: Logger) {
        self.providers = ProviderDirectory(catalog: services.catalog)
        self.events = EventService(database: services.database, queue: services.queue, enricher: services.eventEnricher)
        self.messages = MessageService(database: services.database, queue: services.queue, dispatcher: services.dispatcher)
        self.endpoints = EndpointService(
            database: services.database, queue: services.queue, vault: services.vault, addressPolicy: services.endpointAddressPolicy)
        self.connections = ConnectionService(
            database: services.database, vault: services.vault, catalog: services.catalog, oauth: services.oauth, tokens: services.tokens,
            webhookSources: services.webhookSources, logger: logger)
        self.integrations = IntegrationService(
            database: services.database, vault: services.vault, catalog: services.catalog, webhookSources: services.webhookSources,
            logger: logger)
        self.health = HealthService(database: services.database, catalog: services.catalog)
        self.resources = ResourceService(runtime: services.runtime)
        self.authorizations = services.authorizations(logger: logger)
        self.syncs = SyncService(
            database: services.database, queue: services.queue, catalog: services.catalog,
            subscriptions: services.realtimeSubscriptions)
        self.syncChanges = SyncChangeService(database: services.database, queue: services.queue, catalog: services.catalog)
        self.conflicts = ConflictService(database: services.database, queue: services.queue)
        self.syncRunner = services.syncRunner(logger: logger)
        self.syncPusher = services.syncPusher(logger: logger)
        self.database = services.database
    }
}
