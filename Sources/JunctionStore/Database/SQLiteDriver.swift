import Foundation
import Logging
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO

/// The embedded engine: one SQLite connection in WAL mode shared by the whole process.
///
/// SQLite admits one writer at a time whatever the number of connections, so one connection behind a
/// ``SerialGate`` loses nothing and makes transactions simple. `synchronous=NORMAL` in WAL mode keeps every
/// commit across a process crash (`kill -9`); only an operating-system crash can lose the last commits.
final class SQLiteDriver: DatabaseDriver {
    private let connection: SQLiteConnection
    private let gate = SerialGate()
    /// SQLite's own thread: the connection's calls run on it, and so do the store calls that make them (see
    /// ``ThreadPoolTaskExecutor``), which the gate serializes anyway.
    private let threadPool: NIOThreadPool
    private let threadExecutor: ThreadPoolTaskExecutor

    var executor: (any TaskExecutor)? { threadExecutor }

    private init(connection: SQLiteConnection, threadPool: NIOThreadPool) {
        self.connection = connection
        self.threadPool = threadPool
        self.threadExecutor = ThreadPoolTaskExecutor(pool: threadPool)
    }

    static func open(path: String, logger: Logger) async throws -> SQLiteDriver {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: threadPool, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
        } catch {
            try? await threadPool.shutdownGracefully()
            throw error
        }
        let driver = SQLiteDriver(connection: connection, threadPool: threadPool)
        try await driver.withConnection { sql in
            for pragma in ["journal_mode = WAL", "synchronous = NORMAL", "busy_timeout = 10000", "foreign_keys = ON"] {
                try await sql.raw("PRAGMA \(unsafeRaw: pragma)").run()
            }
        }
        return driver
    }

    func withConnection<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        let sql = connection.sql(queryLogLevel: nil)
        return try await withTaskExecutorPreference(threadExecutor) {
            try await gate.withGate { try await body(sql) }
        }
    }

    func withTransaction<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        let sql = connection.sql(queryLogLevel: nil)
        return try await withTaskExecutorPreference(threadExecutor) {
            try await gate.withGate {
                // IMMEDIATE takes the write lock up front, so a second process (a CLI command next to the
                // server) waits at BEGIN instead of failing mid-transaction.
                try await sql.inTransaction(begin: "BEGIN IMMEDIATE", body)
            }
        }
    }

    func listen(channel: String) async throws -> AsyncThrowingStream<Void, any Error>? { nil }

    func close() async {
        _ = try? await gate.withGate { try await self.connection.close() }
        try? await threadPool.shutdownGracefully()
    }
}
