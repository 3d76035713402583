import Foundation
import Logging
import NIOSSL
import PostgresKit
import PostgresNIO
import SQLKit

/// The scale-out engine: a PostgresNIO connection pool shared by every task of the process.
///
/// The pool's `run()` is the server's ``DatabaseService``, first in its service group so that it starts first and
/// stops last, after every service that uses the store; commands and tests let the driver run it in a task of its own
/// (`runsPool`), stopped by ``close()``.
final class PostgresDriver: DatabaseDriver {
    private let client: PostgresClient
    private let location: DatabaseURL.PostgresLocation
    /// The pool's run, when the driver runs it.
    private let runTask: Task<Void, Never>?

    private init(client: PostgresClient, location: DatabaseURL.PostgresLocation, runTask: Task<Void, Never>?) {
        self.client = client
        self.location = location
        self.runTask = runTask
    }

    static func open(_ location: DatabaseURL.PostgresLocation, logger: Logger, runsPool: Bool) async throws -> PostgresDriver {
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
        guard runsPool else { return PostgresDriver(client: client, location: location, runTask: nil) }
        let runTask = Task { await client.run() }
        let driver = PostgresDriver(client: client, location: location, runTask: runTask)
        do {
            try await driver.checkReachable()
        } catch {
            runTask.cancel()
            throw error
        }
        return driver
    }

    func run() async {
        await client.run()
    }

    func checkReachable() async throws {
        // `run()` marks the pool as running as its first step; give its task a moment to start, or the first lease
        // logs a spurious "run() hasn't been called yet" warning.
        try? await Task.sleep(for: .milliseconds(10))
        // The pool retries a refused connection until its breaker trips, about a minute later; a start-up that
        // cannot reach the server should say so sooner.
        let deadline = Self.reachableDeadline
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.withConnection { sql in try await sql.raw("SELECT 1").run() } }
                group.addTask {
                    try await Task.sleep(for: deadline)
                    throw PostgresUnreachable(deadline: deadline)
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            throw PostgresConnectError(location: location, underlying: error)
        }
    }

    /// How long ``checkReachable()`` waits for a first connection.
    static let reachableDeadline: Duration = .seconds(10)

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
        runTask?.cancel()
        await runTask?.value
    }
}

/// No connection to PostgreSQL within the start-up deadline.
struct PostgresUnreachable: Error, CustomStringConvertible {
    let deadline: Duration

    var description: String {
        "no connection within \(deadline.components.seconds) s (refused, unreachable or refusing the credentials; the log at info level names each attempt's error)"
    }
}

/// PostgreSQL could not be reached at start-up.
struct PostgresConnectError: Error, CustomStringConvertible {
    let location: DatabaseURL.PostgresLocation
    let underlying: any Error

    var description: String {
        let cause = underlying is PostgresUnreachable ? "\(underlying)" : String(reflecting: underlying)
        return "cannot connect to PostgreSQL at \(location.host):\(location.port) (database '\(location.database)', user '\(location.username)'): \(cause)"
    }
}
