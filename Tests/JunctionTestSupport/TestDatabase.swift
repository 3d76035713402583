import Foundation
import JunctionCore
import JunctionStore
import Logging
import SQLKit

/// The engines store tests run against. PostgreSQL joins when `JUNCTION_TEST_POSTGRES_URL` points at a
/// server (the test script starts a throwaway one); with `JUNCTION_TEST_REQUIRE_POSTGRES=1` its absence is
/// a failure rather than a skip, so CI cannot pass on SQLite alone.
public enum TestEngine: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }

    /// The engines available in this run.
    public static var available: [TestEngine] {
        if postgresAdminURL != nil || requirePostgres { return [.sqlite, .postgres] }
        return [.sqlite]
    }

    static var postgresAdminURL: String? {
        ProcessInfo.processInfo.environment["JUNCTION_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var requirePostgres: Bool {
        ProcessInfo.processInfo.environment["JUNCTION_TEST_REQUIRE_POSTGRES"] == "1"
    }
}

/// A fresh, empty database for one test: a temporary SQLite file, or a new PostgreSQL database created
/// on the test server and dropped afterwards.
public struct TestDatabase: Sendable {
    /// The database's URL, for child processes.
    public let url: DatabaseURL
    /// The URL as text.
    public let urlText: String
    /// The engine.
    public let engine: TestEngine
    /// The SQLite file's path (SQLite only).
    public let sqlitePath: String?
    /// A folder for the test's other files (key files and such), removed afterwards.
    public let folder: String

    /// A quiet logger for tests.
    public static let logger: Logger = {
        var logger = Logger(label: "junction.test")
        logger.logLevel = .error
        return logger
    }()

    /// Runs `body` with a fresh, migrated database of `engine`.
    public static func with<Result>(
        _ engine: TestEngine,
        migrate: Bool = true,
        _ body: (Database, TestDatabase) async throws -> Result
    ) async throws -> Result {
        let test = try await create(engine)
        let database = try await Database.open(test.url, logger: logger)
        do {
            if migrate { try await Migrator(database: database, logger: logger).migrate() }
            let result = try await body(database, test)
            await database.close()
            try await test.destroy()
            return result
        } catch {
            await database.close()
            try? await test.destroy()
            throw error
        }
    }

    /// Creates the database without opening it (for tests that hand it to a child process).
    public static func create(_ engine: TestEngine) async throws -> TestDatabase {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("junction-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        switch engine {
        case .sqlite:
            let path = folder + "/junction.sqlite"
            let text = "sqlite://" + path
            return TestDatabase(url: try DatabaseURL(parsing: text), urlText: text, engine: engine, sqlitePath: path, folder: folder)
        case .postgres:
            guard let adminText = TestEngine.postgresAdminURL else {
                throw TestSetupError(
                    "JUNCTION_TEST_REQUIRE_POSTGRES=1 but JUNCTION_TEST_POSTGRES_URL is not set; run the tests with `make test`")
            }
            let name = "junction_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            let admin = try await Database.open(try DatabaseURL(parsing: adminText), logger: logger)
            do {
                try await admin.withSQL { sql in try await sql.raw("CREATE DATABASE \(unsafeRaw: String(name))").run() }
            } catch {
                await admin.close()
                throw error
            }
            await admin.close()
            guard var components = URLComponents(string: adminText) else { throw TestSetupError("bad JUNCTION_TEST_POSTGRES_URL") }
            components.path = "/" + name
            let text = components.string ?? adminText
            return TestDatabase(url: try DatabaseURL(parsing: text), urlText: text, engine: engine, sqlitePath: nil, folder: folder)
        }
    }

    /// Removes the database and the test's folder.
    public func destroy() async throws {
        try? FileManager.default.removeItem(atPath: folder)
        guard engine == .postgres, case .postgres(let location) = url, let adminText = TestEngine.postgresAdminURL else { return }
        let admin = try await Database.open(try DatabaseURL(parsing: adminText), logger: Self.logger)
        try? await admin.withSQL { sql in
            try await sql.raw("DROP DATABASE IF EXISTS \(unsafeRaw: location.database) WITH (FORCE)").run()
        }
        await admin.close()
    }

    /// Every byte the database holds on disk: the SQLite file with its WAL, or a `pg_dump` of the database.
    public func rawContents() async throws -> Data {
        switch engine {
        case .sqlite:
            var data = Data()
            for suffix in ["", "-wal", "-shm"] {
                if let path = sqlitePath, let bytes = FileManager.default.contents(atPath: path + suffix) { data.append(bytes) }
            }
            return data
        case .postgres:
            let dump = try await ChildProcess.run("pg_dump", arguments: ["--dbname", urlText])
            guard dump.status == 0 else { throw TestSetupError("pg_dump failed: \(dump.standardError)") }
            return Data(dump.standardOutput.utf8)
        }
    }
}

/// A test could not set up what it needs.
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
