import ArgumentParser
import Foundation
import JunctionAuth
import JunctionStore
import Logging

/// Options every command that opens the store shares.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Database URL: sqlite://PATH (embedded, the default) or postgres://user:password@host:port/database. Env: JUNCTION_DATABASE_URL.",
            valueName: "url"
        )
    )
    var database: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error. Env: JUNCTION_LOG_LEVEL.", valueName: "level"))
    var logLevel: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Log format: text (for people) or json (one object per line). Env: JUNCTION_LOG_FORMAT.", valueName: "format"))
    var logFormat: String?

    /// These options as the flag layer of ``OptionLayers``.
    var flags: [String: String] {
        var flags: [String: String] = [:]
        flags["databaseUrl"] = database
        flags["logLevel"] = logLevel
        flags["logFormat"] = logFormat
        return flags
    }

    /// The options' layers: `layers` when a command has its own (`serve --config`), else these flags over the environment.
    func resolved(_ layers: OptionLayers?) -> OptionLayers {
        layers ?? OptionLayers(flags: flags)
    }

    /// The database URL from the flag, the environment, the configuration file, or the default.
    func databaseURL(_ layers: OptionLayers? = nil) throws -> DatabaseURL {
        let text = resolved(layers).string("databaseUrl") ?? DatabaseURL.defaultValue
        do {
            return try DatabaseURL(parsing: text)
        } catch {
            throw CLIError(error.detail)
        }
    }

    /// A logger at the chosen level, writing to standard error.
    func makeLogger(label: String, layers: OptionLayers? = nil) throws -> Logger {
        let level = try Self.logLevel(resolved(layers))
        let formatText = resolved(layers).string("logFormat") ?? "text"
        guard let format = LoggingBootstrap.Format(rawValue: formatText.lowercased()) else {
            throw CLIError("unknown log format '\(formatText)'; use text or json")
        }
        LoggingBootstrap.once(level: level, format: format)
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// The log level the layers name (`info` when none does).
    static func logLevel(_ layers: OptionLayers) throws -> Logger.Level {
        let text = layers.string("logLevel") ?? "info"
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw CLIError("unknown log level '\(text)'; use trace, debug, info, notice, warning, error or critical")
        }
        return level
    }

    /// Opens the store without touching its schema; with ``Database/PoolRunner/caller`` the caller runs its pool
    /// and nothing is asked of the server yet.
    func openDatabase(logger: Logger, poolRunner: Database.PoolRunner = .database, layers: OptionLayers? = nil) async throws -> Database {
        let url = try databaseURL(layers)
        do {
            return try await Database.open(url, logger: logger, poolRunner: poolRunner)
        } catch {
            throw CLIError("cannot open the database \(url): \(error)")
        }
    }

    /// Checks that a store opened with ``Database/PoolRunner/caller`` answers (one the database runs itself was checked
    /// as it opened), then applies pending migrations.
    func prepare(_ database: Database, logger: Logger, layers: OptionLayers? = nil) async throws {
        do {
            try await database.checkReachable()
        } catch {
            throw CLIError("cannot open the database \(try databaseURL(layers)): \(error)")
        }
        try await migrate(database, logger: logger, layers: layers)
    }

    /// Applies pending migrations.
    func migrate(_ database: Database, logger: Logger, layers: OptionLayers? = nil) async throws {
        do {
            try await Migrator(database: database, logger: logger).migrate()
        } catch {
            throw CLIError("cannot migrate the database \(try databaseURL(layers)): \(error)")
        }
    }

    /// Opens and migrates the store.
    func openStore(logger: Logger) async throws -> Database {
        let database = try await openDatabase(logger: logger)
        do {
            try await migrate(database, logger: logger)
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    /// Opens and migrates the store, runs `body`, and closes the store whether `body` succeeds or not.
    func withStore<Result>(logger: Logger, _ body: (Database) async throws -> Result) async throws -> Result {
        let database = try await openStore(logger: logger)
        do {
            let result = try await body(database)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }

    /// Resolves the master keys for the store at `url`.
    func openVault(database: Database, layers: OptionLayers? = nil) async throws -> VaultBootstrap.Outcome {
        var keyFilePath: String?
        if case .sqlite(let path) = try databaseURL(layers) {
            keyFilePath =
                Environment.value("JUNCTION_MASTER_KEY_FILE")
                ?? URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("master.key").path
        }
        do {
            return try await VaultBootstrap.open(
                environmentKey: Environment.value("JUNCTION_MASTER_KEY"),
                retiredKeys: Environment.value("JUNCTION_MASTER_KEYS_RETIRED"),
                keyFilePath: keyFilePath,
                dialect: database.dialect,
                secrets: VaultSecretRepository(database: database)
            )
        } catch let error as VaultError {
            throw CLIError(error.detail)
        }
    }
}

/// Reads configuration from the process environment; empty values count as unset.
enum Environment {
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    static func flag(_ name: String) -> Bool {
        guard let value = value(name)?.lowercased() else { return false }
        return ["1", "true", "yes", "on"].contains(value)
    }
}
