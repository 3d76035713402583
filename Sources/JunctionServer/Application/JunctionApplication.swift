import Hummingbird
import HummingbirdTLS
import NIOSSL
import JunctionAPI
import JunctionApp
import OpenAPIHummingbird
import JunctionHTTP
import JunctionStore
import Logging

/// Builds Junction's HTTP application: the router with its middleware and every controller.
public enum JunctionApplication {
    /// The router, separate from the application so tests can inspect its routes.
    public static func makeRouter(services: JunctionServices, logger: Logger) throws -> Router<JunctionRequestContext> {
        let router = Router(context: JunctionRequestContext.self)
        for middleware in outerMiddleware(services: services) { router.add(middleware: middleware) }
        WebhookIngressController(services: services).addRoutes(to: router)

        OperationsController(
            database: services.database,
            migrator: Migrator(database: services.database, logger: logger),
            queue: services.queue,
            metrics: services.metrics,
            breakers: services.apiClient.breakers
        ).addRoutes(to: router)

        // The operations openapi.yaml's generated server implements; their paths are the document's own.
        let generated = router.group()
            .add(middleware: AdminAuthenticationMiddleware(token: services.adminToken))
            .add(middleware: SingleBufferResponseMiddleware())
            .add(middleware: QueryParameterMiddleware())
            .add(middleware: RequestBodyMiddleware())
        try ManagementAPI(services: services, logger: logger).registerHandlers(
            on: generated, serverURL: Servers.Server1.url(), configuration: JunctionAPI.configuration)

        let api = router.group("api/v1").add(middleware: AdminAuthenticationMiddleware(token: services.adminToken))
        OAuthCallbackController(authorizations: services.authorizations(logger: logger)).addRoutes(to: router)
        ProxyController(services: services).addRoutes(to: api)
        RecordContentController(resources: ResourceService(runtime: services.runtime)).addRoutes(to: api)
        try DashboardController(services: services, logger: logger, secureCookies: services.publicURL.lowercased().hasPrefix("https://"))
            .addRoutes(to: router)
        return router
    }

    /// What every request passes through first: its span, its id, its metrics, then errors turned into problem
    /// responses.
    static func outerMiddleware(services: JunctionServices) -> [any MiddlewareProtocol<Request, Response, JunctionRequestContext>] {
        [
            RequestTracingMiddleware(), RequestIDMiddleware(), RequestMetricsMiddleware(metrics: services.metrics),
            ProblemDetailsMiddleware(),
        ]
    }

    /// The responder the server runs: the router, with inbound webhooks answered ahead of its lookup
    /// (``JunctionResponder``).
    public static func makeResponder(services: JunctionServices, logger: Logger) throws -> some HTTPResponder<JunctionRequestContext> {
        JunctionResponder(
            router: try makeRouter(services: services, logger: logger).buildResponder(), middleware: outerMiddleware(services: services),
            listener: WebhookIngressController(services: services).receive
        )
    }

    /// The application, listening on `host:port`, over TLS when `tls` is given (``TLSFiles/configuration()``; then
    /// only over TLS: a plain HTTP request on that port fails its handshake and is closed).
    public static func make(
        services: JunctionServices,
        host: String,
        port: Int,
        tls: TLSConfiguration? = nil,
        logger: Logger
    ) throws -> some ApplicationProtocol {
        Application(
            responder: try makeResponder(services: services, logger: logger),
            server: try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
            configuration: .init(address: .hostname(host, port: port), serverName: "Junction"),
            logger: logger
        )
    }
}
