import ArgumentParser
import JunctionStore

/// `junction migrate`: bring the database to this build's schema without starting the server.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending database migrations (the server also does this at start).",
        discussion: "Idempotent: running it again applies nothing. Safe while other nodes start: they wait on a lock."
    )

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let logger = try store.makeLogger(label: "junction.migrate")
        let url = try store.databaseURL()
        let database = try await store.openDatabase(logger: logger)
        do {
            let migrator = Migrator(database: database, logger: logger)
            let applied = try await migrator.migrate()
            let version = try await migrator.currentVersion()
            if applied.isEmpty {
                print("schema is up to date at version \(version)")
            } else {
                for migration in applied { print("applied \(migration.version): \(migration.name)") }
                print("schema is now at version \(version)")
            }
        } catch {
            await database.close()
            throw CLIError("cannot migrate \(url): \(error)")
        }
        await database.close()
    }
}
