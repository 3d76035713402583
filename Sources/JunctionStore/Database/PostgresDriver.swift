import Foundation
import Logging
import NIOSSL
import PostgresKit
import PostgresNIO
import SQLKit

/// The scale-out engine: a PostgresNIO connection pool shared by every task of the process.
///
/// The pool's `run()` is started here and stopped by ``close()`` rather than being a service of the
/// application's service group: the store must outlive every service that uses it, so it is closed only
/// after the group has finished.
final class PostgresDriver: DatabaseDriver {
    private let client: PostgresClient
    private let runTask: Task<Void, Never>

    private init(client: PostgresClient, runTask: Task<Void, Never>) {
        self.client = client
        self.runTask = runTask
    }

    static func open(_ location: DatabaseURL.PostgresLocation, logger: Logger) async throws -> PostgresDriver {
        var configuration = PostgresClient.Configuration(
            host: location.host,
            port: location.port,
            username: location.username,
            password: location.password,
            database: location.database,
            tls: location.requireTLS ? .require(.makeClientConfiguration()) : .disable
        )
        configuration.options.maximumConnections = 24
        configuration.options.connectTimeout = .seconds(5)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runTask = Task { await client.run() }
        // `run()` marks the pool as running as its first step; give its task a moment to start, or the first
        // lease below logs a spurious "run() hasn't been called yet" warning.
        try? await Task.sleep(for: .milliseconds(10))
        let driver = PostgresDriver(client: client, runTask: runTask)
        do {
            try await driver.withConnection { sql in try await sql.raw("SELECT 1").run() }
        } catch {
            runTask.cancel()
            throw PostgresConnectError(location: location, underlying: error)
        }
        return driver
    }

    func withConnection<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await client.withConnection { connection in
            try await body(connection.sql(queryLogLevel: nil))
        }
    }

    func withTransaction<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await client.withConnection { connection in
            try await connection.sql(queryLogLevel: nil).inTransaction(begin: "BEGIN", body)
        }
    }

    func listen(channel: String) async throws -> AsyncThrowingStream<Void, any Error>? {
        let client = self.client
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: channel) { notifications in
                            continuation.yield()  // the listener is in place: wake once so nothing enqueued before is missed
                            for try await _ in notifications {
                                continuation.yield()
                            }
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    var executor: (any TaskExecutor)? { nil }

    func close() async {
        runTask.cancel()
        await runTask.value
    }
}

/// PostgreSQL could not be reached at start-up.
struct PostgresConnectError: Error, CustomStringConvertible {
    let location: DatabaseURL.PostgresLocation
    let underlying: any Error

    var description: String {
        "cannot connect to PostgreSQL at \(location.host):\(location.port) (database '\(location.database)', user '\(location.username)'): \(String(reflecting: underlying))"
    }
}
