import Foundation
import JunctionApp
import JunctionServer
import Logging
import ServiceLifecycle
import UnixSignals

/// `junction serve`'s SIGHUP: reads the --config file again and takes what a running server can (the log level, the
/// webhook listener's limits, the file's integrations, connections, endpoints and syncs, hence schedules and probe
/// intervals), and names in the log the options that need a restart. A file with a mistake changes nothing.
struct ConfigurationReloader: Service {
    let path: String?
    let flags: [String: String]
    let layers: OptionLayers
    let services: JunctionServices
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            await reload()
        }
    }

    /// One reload; what happened is logged.
    func reload() async {
        guard let path else {
            logger.notice("SIGHUP: the server runs without --config, so there is no configuration to read again")
            return
        }
        let file: ConfigurationFile
        let document: ConfigurationDocument
        let settings: ServeSettings
        let level: Logger.Level
        do {
            file = try ConfigCommand.load(path)
            document = try file.document().document
            // Checked on layers of their own before the running ones change, so a wrong value changes nothing.
            let candidate = OptionLayers(flags: flags, file: file.server)
            settings = try ServeSettings(candidate)
            level = try StoreOptions.logLevel(candidate)
        } catch {
            logger.error("configuration not reloaded: the file has mistakes, and nothing changed", metadata: ["file": "\(path)", "problems": "\(error)"])
            return
        }
        let changed = layers.reload(file: file.server)
        // Said at the level in force until now, so a reload that quiets the log still shows it happened.
        logger.notice(
            "configuration reloaded",
            metadata: [
                "file": "\(path)", "changed": "\(changed.filter { OptionLayers.names[$0] == true })",
                "logLevel": "\(level.rawValue)",
            ])
        LoggingBootstrap.setLevel(level)
        services.reconfigureWebhookIngress(settings.webhookIngress.configuration)
        let needRestart = changed.filter { OptionLayers.names[$0] != true }
        if !needRestart.isEmpty {
            logger.warning(
                "these options changed in the file but take effect only after a restart", metadata: ["options": "\(needRestart)"])
        }
        do {
            let plan = try await services.configurationApplier(logger: logger).apply(document)
            logger.notice(
                "configuration resources applied", metadata: ["changes": "\(plan.changes)", "entries": "\(plan.steps.count)"])
        } catch {
            logger.error("configuration resources not applied", metadata: ["error": "\(error)"])
        }
    }
}
