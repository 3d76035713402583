import Foundation
import JunctionCore
import Logging
import SQLKit

/// Brings a database to the latest schema. Safe to run from several nodes at once: on PostgreSQL an advisory
/// lock serializes them, and each migration commits with its version row, so a crash leaves no half-step.
public struct Migrator: Sendable {
    let database: Database
    let migrations: [Migration]
    let logger: Logger

    /// A migrator for `database`; `migrations` defaults to Junction's schema.
    public init(database: Database, migrations: [Migration] = SchemaMigrations.all, logger: Logger) {
        self.database = database
        self.migrations = migrations
        self.logger = logger
    }

    /// Applies every migration the database has not seen and returns the ones applied now.
    @discardableResult
    public func migrate() async throws -> [Migration] {
        try await database.transaction { [database] sql in
            if database.dialect == .postgres {
                try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Self.advisoryLockKey))").run()
            }
            try await sql.raw(
                """
                CREATE TABLE IF NOT EXISTS junction_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL
                )
                """
            ).run()
        }
        var applied: [Migration] = []
        for migration in migrations {
            let didApply = try await database.transaction { [database, logger] sql in
                if database.dialect == .postgres {
                    try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: Self.advisoryLockKey))").run()
                }
                let existing = try await sql.raw(
                    "SELECT version FROM junction_migrations WHERE version = \(bind: migration.version)"
                ).first()
                guard existing == nil else { return false }
                for statement in migration.statements {
                    try await sql.raw("\(unsafeRaw: SchemaDialect.render(statement, for: database.dialect))").run()
                }
                try await sql.raw(
                    """
                    INSERT INTO junction_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Date().epochMilliseconds))
                    """
                ).run()
                logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                return true
            }
            if didApply { applied.append(migration) }
        }
        return applied
    }

    /// The highest version applied, or 0 for an empty database.
    public func currentVersion() async throws -> Int {
        try await database.withSQL { [database] sql in
            let table = try await sql.raw(
                "SELECT COUNT(*) AS n FROM \(unsafeRaw: database.dialect == .postgres ? "information_schema.tables" : "sqlite_master") WHERE \(unsafeRaw: database.dialect == .postgres ? "table_schema = current_schema() AND table_name" : "name") = 'junction_migrations'"
            ).first()
            guard try table?.decode(column: "n", as: Int.self) ?? 0 > 0 else { return 0 }
            let row = try await sql.raw("SELECT MAX(version) AS version FROM junction_migrations").first()
            return try row?.decode(column: "version", as: Int?.self) ?? 0
        }
    }

    /// Whether the database is at the latest version this build knows.
    public func isUpToDate() async throws -> Bool {
        try await currentVersion() >= (migrations.last?.version ?? 0)
    }

    /// An arbitrary, fixed key for `pg_advisory_xact_lock`, taken by every node that migrates.
    static let advisoryLockKey: Int64 = 0x4A55_4E43_5449_4F4E
}
