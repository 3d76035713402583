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
    let configuration: ConfigurationApplier

    /// The handlers over one server's services.
    init(services: JunctionServices, logger: Logger) {
        self.providers = ProviderDirectory(catalog: services.catalog)
        self.events = EventService(database: services.database, queue: services.queue, enricher: services.eventEnricher)
        self.messages = MessageService(database: services.database, queue: services.queue, dispatcher: services.dispatcher)
        self.endpoints = services.endpointService
        self.connections = services.connectionService(logger: logger)
        self.integrations = services.integrationService(logger: logger)
        self.health = HealthService(database: services.database, catalog: services.catalog)
        self.resources = ResourceService(runtime: services.runtime)
        self.authorizations = services.authorizations(logger: logger)
        self.syncs = services.syncService
        self.syncChanges = SyncChangeService(database: services.database, queue: services.queue, catalog: services.catalog)
        self.conflicts = ConflictService(database: services.database, queue: services.queue)
        self.syncRunner = services.syncRunner(logger: logger)
        self.syncPusher = services.syncPusher(logger: logger)
        self.database = services.database
        self.configuration = services.configurationApplier(logger: logger)
    }
}
