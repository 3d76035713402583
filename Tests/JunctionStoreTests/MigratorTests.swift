import JunctionStore
import JunctionTestSupport
import Testing

@Suite("Migrations")
struct MigratorTests {
    @Test("migrate brings an empty database to the latest version and is idempotent", arguments: TestEngine.available)
    func idempotent(engine: TestEngine) async throws {
        try await TestDatabase.with(engine, migrate: false) { database, _ in
            let migrator = Migrator(database: database, logger: TestDatabase.logger)
            #expect(try await migrator.currentVersion() == 0)
            #expect(try await migrator.isUpToDate() == false)
            let first = try await migrator.migrate()
            #expect(first.map(\.version) == SchemaMigrations.all.map(\.version))
            let second = try await migrator.migrate()
            #expect(second.isEmpty)
            #expect(try await migrator.currentVersion() == SchemaMigrations.latestVersion)
        }
    }

    @Test("concurrent migrators apply each migration exactly once", arguments: TestEngine.available)
    func concurrent(engine: TestEngine) async throws {
        try await TestDatabase.with(engine, migrate: false) { database, _ in
            let applied = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await Migrator(database: database, logger: TestDatabase.logger).migrate().count }
                }
                return try await group.reduce(0, +)
            }
            #expect(applied == SchemaMigrations.all.count)
        }
    }
}

@Suite("Database URLs")
struct DatabaseURLTests {
    @Test("errors never show a password, even one that breaks URL parsing")
    func redaction() throws {
        for url in ["postgres://ada:pa/ss#w?rd@db.example.com:5432", "postgres://ada:secret@/", "mysql://ada:secret@host/db"] {
            do {
                _ = try DatabaseURL(parsing: url)
                Issue.record("\(url) should not parse")
            } catch {
                #expect(!error.detail.contains("secret") && !error.detail.contains("pa/ss"), "\(error.detail)")
            }
        }
        #expect(try DatabaseURL(parsing: "postgres://ada:secret@db:5433/app").description == "postgres://ada@db:5433/app")
    }
}
