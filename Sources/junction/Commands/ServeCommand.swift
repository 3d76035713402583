import ArgumentParser
import Foundation
import Hummingbird
import JunctionApp
import JunctionAuth
import JunctionConnectors
import JunctionHTTP
import JunctionServer
import JunctionStore
import Logging
import Metrics
import NIOCore
import NIOSSL
import Prometheus
import ServiceLifecycle
import UnixSignals

/// `junction serve`: the HTTP server and the background workers, until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the Junction server: management API, webhook listener, health and metrics, and the job workers.",
        discussion: """
            Environment:
              JUNCTION_MASTER_KEY          base64 of 32 bytes; seals every stored credential. With the embedded \
            SQLite default a missing key is generated into master.key next to the database (mode 0600): back it up. \
            With PostgreSQL it is required, and every node must have the same one (`junction keys generate`).
              JUNCTION_MASTER_KEYS_RETIRED comma-separated older keys still accepted for reading (see `junction keys rotate`).
              JUNCTION_ADMIN_TOKEN         the management API's bearer token. If unset on first start, one is generated \
            and printed once; only its SHA-256 is stored.
              OTEL_EXPORTER_OTLP_ENDPOINT  a collector's OTLP/HTTP address (http://127.0.0.1:4318): spans of requests,             jobs, provider calls and deliveries are exported there, W3C traceparent is read and sent, and log lines carry             trace_id. OpenTelemetry's other OTEL_* variables apply (OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER, …).

            Every option below is taken from its flag, else its environment variable, else the `server` section of the \
            --config file (the option's name in camelCase: jobConcurrency, databaseUrl), else its default.

            SIGHUP reads the --config file again: the log level and the webhook listener's limits change at once, \
            integrations, connections, endpoints and syncs are applied again (schedules, health probe intervals), and \
            options that need a restart are named in the log. A file with a mistake is refused whole and changes nothing.

            SIGTERM or SIGINT stops accepting requests, lets in-flight requests and jobs finish, and exits 0.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Address to listen on. Env: JUNCTION_HOST. Default: 127.0.0.1.", valueName: "address"))
    var host: String?

    @Option(name: .long, help: ArgumentHelp("TCP port to listen on. Env: JUNCTION_PORT. Default: 8080.", valueName: "port"))
    var port: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The URL browsers reach this server at, for OAuth redirect URIs (<url>/oauth/callback). Env: JUNCTION_PUBLIC_URL. Default: http://<host>:<port>.",
            valueName: "url"
        )
    )
    var publicURL: String?

    @Flag(
        name: .long,
        help:
            "Let outbound URLs (webhook endpoints) point at loopback and private networks; refused by default to prevent SSRF. Env: JUNCTION_ALLOW_PRIVATE_ENDPOINTS=1."
    )
    var allowPrivateEndpoints = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Serve HTTPS with this PEM certificate chain (needs --tls-key); the port then takes TLS only. Behind a reverse proxy that terminates TLS, leave it out. Env: JUNCTION_TLS_CERTIFICATE.",
            valueName: "file"
        )
    )
    var tlsCertificate: String?

    @Option(
        name: .long,
        help: ArgumentHelp("The PEM private key of --tls-certificate. Env: JUNCTION_TLS_KEY.", valueName: "file")
    )
    var tlsKey: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Comma-separated hosts that provider and token calls may go to (an egress allow-list); calls to any other host fail with 409 before a connection is made. Env: JUNCTION_OUTBOUND_HOSTS. Default: any host.",
            valueName: "hosts"
        )
    )
    var outboundHosts: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Inbound webhooks per second accepted from one source address (bursts of twice that). Env: JUNCTION_WEBHOOK_SOURCE_RATE_LIMIT. Default: 1000.", valueName: "n")
    )
    var webhookSourceRateLimit: Double?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Inbound webhooks per second accepted for one connection, unless its settings.webhook.rateLimit says otherwise. Env: JUNCTION_WEBHOOK_CONNECTION_RATE_LIMIT. Default: 1000.",
            valueName: "n"
        )
    )
    var webhookConnectionRateLimit: Double?

    @Option(
        name: .long, help: ArgumentHelp("Largest inbound webhook body; larger ones get 413. Env: JUNCTION_WEBHOOK_MAX_BODY_BYTES. Default: 1048576 (1 MiB).", valueName: "bytes"))
    var webhookMaxBodyBytes: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Background jobs (webhook processing, deliveries, refreshes) this node runs at once; sync runs have workers of their own (as many as this, at most 4). 0 makes an HTTP-only node: it accepts and stores work, and other nodes on the same PostgreSQL database run it. Env: JUNCTION_JOB_CONCURRENCY. Default: 16.",
            valueName: "n"
        )
    )
    var jobConcurrency: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "How long a node holds a background job between heartbeats; a job whose node died is taken over by another after this. Env: JUNCTION_JOB_LEASE_SECONDS. Default: 30.",
            valueName: "seconds"
        )
    )
    var jobLeaseSeconds: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "How far before its checkpoint an incremental sync run reads again, so records written late or sharing the checkpoint's time are never skipped (what is read again unchanged is dropped). Env: JUNCTION_SYNC_OVERLAP_SECONDS. Default: 60.",
            valueName: "seconds"
        )
    )
    var syncOverlapSeconds: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A folder of declarative connector definitions (*.yaml, *.yml, *.json) to serve beside the built-in providers; a definition named like a built-in one replaces it. Env: JUNCTION_CONNECTOR_DEFINITIONS.",
            valueName: "folder"
        )
    )
    var connectorDefinitions: String?

    /// Crash tests only: kills this process with SIGKILL at a step of a token refresh. Hidden from --help.
    @Option(name: .long, help: .hidden) var testCrashPoint: TokenManager.RefreshStep?

    @OptionGroup var store: StoreOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A configuration file (YAML): server options under `server`, and integrations, connections, endpoints and syncs applied at start and again on SIGHUP (see docs/configuration.md). Env: JUNCTION_CONFIG.",
            valueName: "file"
        )
    )
    var config: String?

    /// The flags given, by option name, the first layer of ``OptionLayers``.
    var flags: [String: String] {
        var flags = store.flags
        flags["host"] = host
        flags["port"] = port.map(String.init)
        flags["publicUrl"] = publicURL
        flags["allowPrivateEndpoints"] = allowPrivateEndpoints ? "1" : nil
        flags["tlsCertificate"] = tlsCertificate
        flags["tlsKey"] = tlsKey
        flags["outboundHosts"] = outboundHosts
        flags["connectorDefinitions"] = connectorDefinitions
        flags["webhookSourceRateLimit"] = webhookSourceRateLimit.map { String($0) }
        flags["webhookConnectionRateLimit"] = webhookConnectionRateLimit.map { String($0) }
        flags["webhookMaxBodyBytes"] = webhookMaxBodyBytes.map(String.init)
        flags["jobConcurrency"] = jobConcurrency.map(String.init)
        flags["jobLeaseSeconds"] = jobLeaseSeconds.map(String.init)
        flags["syncOverlapSeconds"] = syncOverlapSeconds.map(String.init)
        return flags
    }

    /// The TLS files; both or neither.
    static func tlsFiles(_ settings: ServeSettings) throws -> TLSFiles? {
        switch (settings.tlsCertificate, settings.tlsKey) {
        case (nil, nil): return nil
        case (let certificate?, let key?): return TLSFiles(certificateChain: certificate, privateKey: key)
        case (nil, _): throw CLIError("--tls-key needs --tls-certificate (or JUNCTION_TLS_CERTIFICATE) too")
        case (_, nil): throw CLIError("--tls-certificate needs --tls-key (or JUNCTION_TLS_KEY) too")
        }
    }

    /// The configuration file named by `--config` or `JUNCTION_CONFIG`, read and checked; `nil` without one.
    func configurationFile() throws -> ConfigurationFile? {
        guard let path = config ?? Environment.value("JUNCTION_CONFIG") else { return nil }
        return try ConfigCommand.load(path)
    }

    func run() async throws {
        let file = try configurationFile()
        let layers = OptionLayers(flags: flags, file: file?.server ?? [:])
        let settings = try ServeSettings(layers)
        let logger = try store.makeLogger(label: "junction", layers: layers)
        // Read before anything starts, so a wrong file is one line and no half-started server.
        let tls: TLSConfiguration?
        do {
            tls = try Self.tlsFiles(settings)?.configuration()
        } catch let error as TLSFiles.LoadError {
            throw CLIError(error.description)
        }
        let document = try file?.document().document
        let tracing = try TracingBootstrap.start(logger: logger)

        // The pool is the first service of the group after the trace exporter, so it starts first and stops last
        // but for the exporter, which flushes the final spans; the server's own work is the next one, a group of its
        // own (the application and the job workers) started once the store answers.
        let database = try await store.openDatabase(logger: logger, poolRunner: .caller, layers: layers)
        let server = StartupService {
            try await store.prepare(database, logger: logger, layers: layers)
            try await serve(
                database: database, tls: tls, settings: settings, layers: layers, configuration: document.map { (file?.path ?? "", $0) },
                logger: logger)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: (tracing.map { [.init(service: $0)] } ?? []) + [
                    .init(service: DatabaseService(database: database)),
                    .init(service: server, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch {
            await database.close()
            throw error
        }
        await database.close()
        logger.info("junction stopped")
    }

    /// How sync runs read: the overlap from `--sync-overlap-seconds`.
    static func syncConfiguration(_ settings: ServeSettings) -> SyncRunner.Configuration {
        var configuration = SyncRunner.Configuration()
        configuration.overlap = .seconds(settings.syncOverlapSeconds)
        return configuration
    }

    /// Token refresh settings: the defaults, with the crash test's fault when one is asked for.

    var tokenConfiguration: TokenManager.Configuration {
        var configuration = TokenManager.Configuration()
        if let crashPoint = testCrashPoint {
            configuration.onRefreshStep = { step in if step == crashPoint { kill(getpid(), SIGKILL) } }
        }
        return configuration
    }

    private func serve(
        database: Database, tls: TLSConfiguration?, settings: ServeSettings, layers: OptionLayers,
        configuration: (path: String, document: ConfigurationDocument)?, logger: Logger
    ) async throws {
        let (host, port, allowPrivate) = (settings.host, settings.port, settings.allowPrivateEndpoints)
        let vault = try await store.openVault(database: database, layers: layers)
        if let warning = vault.warning { logger.warning("\(warning)") }

        let provisioning = try await AdminToken.provision(
            configured: Environment.value("JUNCTION_ADMIN_TOKEN"),
            settings: SettingsRepository(database: database)
        )
        if case .generated(_, let plaintext) = provisioning {
            // Shown once, on standard output and never in the log; only its hash is stored.
            FileHandle.standardOutput.write(
                Data(
                    """
                    ────────────────────────────────────────────────────────────────────────
                    Junction generated the management API token. It is shown only this once:

                        \(plaintext)

                    Use it as 'Authorization: Bearer <token>'. To choose your own, set JUNCTION_ADMIN_TOKEN.
                    ────────────────────────────────────────────────────────────────────────

                    """.utf8))
        }

        var catalog = ProviderCatalog.builtIn
        if let folder = settings.connectorDefinitions {
            do {
                let connectors = try ConnectorDefinitionFiles.load(directory: folder)
                catalog = catalog.adding(connectors)
                logger.info(
                    "connector definitions loaded", metadata: ["folder": "\(folder)", "providers": "\(connectors.map(\.descriptor.name))"])
            } catch {
                throw CLIError("connector definitions in \(folder) are invalid:\n\(error)")
            }
        }

        let configuredPublicURL = settings.publicURL
        if port == 0, configuredPublicURL == nil {
            logger.warning("with --port 0 and no --public-url, OAuth redirect URLs name port 0: set one to authorize connections")
        }
        let metrics = ServerMetrics()
        MetricsSystemBootstrap.once(registry: metrics.registry)
        let queue = JobQueue(database: database)
        let services = JunctionServices(
            database: database,
            queue: queue,
            vault: vault.vault,
            adminToken: provisioning.token,
            catalog: catalog,
            metrics: metrics,
            allowPrivateEndpoints: allowPrivate,
            publicURL: configuredPublicURL ?? "\(tls == nil ? "http" : "https")://\(host):\(port)",
            apiClient: APIClient(configuration: .init(allowedHosts: settings.outboundHosts)),
            webhookIngress: settings.webhookIngress.configuration,
            tokenConfiguration: tokenConfiguration,
            syncConfiguration: Self.syncConfiguration(settings),
            logger: logger
        )
        if let configuration {
            try await Self.applyAtStart(configuration.document, file: configuration.path, services: services, logger: logger)
        }
        let application = try JunctionApplication.make(services: services, host: host, port: port, tls: tls, logger: logger)
        var serviceList: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: application)]
        let jobConcurrency = settings.jobConcurrency
        if jobConcurrency > 0 {
            var configuration = JobWorkerService.Configuration()
            configuration.concurrency = jobConcurrency
            configuration.batchSize = max(configuration.batchSize, jobConcurrency)
            configuration.leaseDuration = .seconds(settings.jobLeaseSeconds)
            serviceList.append(
                .init(
                    service: JobWorkerService(
                        queue: queue, handlers: services.jobHandlers(logger: logger), configuration: configuration, logger: logger))
            )
            let syncWorkers = services.syncWorkers(
                count: min(4, jobConcurrency), leaseDuration: .seconds(settings.jobLeaseSeconds), logger: logger)
            serviceList += syncWorkers.map { .init(service: $0) }
            serviceList.append(.init(service: services.syncScheduler(logger: logger)))
        }
        // Every node stores the calls it counted; only nodes with workers probe and judge.
        var health = HealthMonitor.Configuration()
        health.judges = jobConcurrency > 0
        serviceList.append(.init(service: services.healthMonitor(logger: logger, configuration: health)))
        serviceList.append(
            .init(
                service: ConfigurationReloader(path: configuration?.path, flags: flags, layers: layers, services: services, logger: logger)))
        // Nested in the command's group, it stops gracefully when that one does (on SIGTERM or SIGINT).
        let group = ServiceGroup(configuration: .init(services: serviceList, logger: logger))
        logger.info(
            "junction starting",
            metadata: [
                "address": "\(host):\(port)", "database": "\(database.location)",
                "allowPrivateEndpoints": "\(allowPrivate)", "jobConcurrency": "\(jobConcurrency)",
                "masterKey": "\(vault.vault.currentKeyring.current.id)",
            ]
        )
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw CLIError("cannot listen on \(host):\(port): the address is in use (is another server running there?)")
        } catch {
            throw CLIError("the server stopped: \(error)")
        }
    }
}

extension ServeCommand {
    /// Applies the --config file's resources before the server takes requests; a failure stops the start.
    static func applyAtStart(_ document: ConfigurationDocument, file: String, services: JunctionServices, logger: Logger) async throws {
        do {
            let plan = try await services.configurationApplier(logger: logger).apply(document)
            logger.info("configuration applied", metadata: ["file": "\(file)", "changes": "\(plan.changes)", "entries": "\(plan.steps.count)"])
        } catch let error as ApplicationError {
            throw CLIError("\(file): \(error.detail)")
        }
    }
}

/// Routes swift-metrics (used by libraries) into the same Prometheus registry `/metrics` renders.
enum MetricsSystemBootstrap {
    static func once(registry: PrometheusCollectorRegistry) {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }
}

extension TokenManager.RefreshStep: ExpressibleByArgument {}

/// A service whose work is a closure: the server's start-up and its own group, run inside the command's group.
private struct StartupService: Service {
    let work: @Sendable () async throws -> Void

    func run() async throws {
        try await work()
    }
}
