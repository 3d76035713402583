import Foundation
import JunctionCore
import Logging
import SQLKit

/// The store's handle on its database: one API over SQLite and PostgreSQL, so repositories and the job queue
/// are written once. Statements go through SQLKit, whose binds render as `?` or `$n` for the engine.
public final class Database: Sendable {
    /// Which engine is underneath, for the few statements whose SQL differs.
    public let dialect: SQLDialectKind
    /// Where the database is, with secrets redacted.
    public let location: String
    let driver: any DatabaseDriver

    init(dialect: SQLDialectKind, location: String, driver: any DatabaseDriver) {
        self.dialect = dialect
        self.location = location
        self.driver = driver
    }

    /// Who runs the connection pool's background work (PostgreSQL's `PostgresClient.run()`), for as long as the
    /// database is in use.
    public enum PoolRunner: Sendable {
        /// The database, in a task of its own from ``Database/open(_:logger:poolRunner:)`` to ``Database/close()``, having
        /// checked that the server answers: for short commands and tests.
        case database
        /// The caller, by running ``Database/run()`` (``DatabaseService`` in a service group) before and while it uses
        /// the database; nothing is asked of the server until then.
        case caller
    }

    /// Opens the database at `url`, creating an SQLite file (and its folder) when needed.
    public static func open(_ url: DatabaseURL, logger: Logger, poolRunner: PoolRunner = .database) async throws -> Database {
        switch url {
        case .sqlite(let path):
            let driver = try await SQLiteDriver.open(path: path, logger: logger)
            return Database(dialect: .sqlite, location: url.description, driver: driver)
        case .postgres(let location):
            let driver = try await PostgresDriver.open(location, logger: logger, runsPool: poolRunner == .database)
            return Database(dialect: .postgres, location: url.description, driver: driver)
        }
    }

    /// Runs the connection pool's background work until the task is cancelled, for a database opened with
    /// ``PoolRunner/caller``; SQLite has none, and this only waits.
    public func run() async {
        await driver.run()
    }

    /// Checks that the server answers, saying where it was looked for when it does not: the first thing a process that
    /// runs the pool itself asks.
    public func checkReachable() async throws {
        try await driver.checkReachable()
    }

    /// Runs `body` with exclusive use of one connection, outside a transaction (each statement commits alone).
    /// `body` must not make store calls of its own: the connection is not reentrant. On SQLite, tasks it starts with
    /// `async let` or a task group run on SQLite's thread too.
    public func withSQL<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await driver.withConnection(body)
    }

    /// Runs `body` in one transaction on one connection: committed if it returns, rolled back if it throws (also
    /// when the calling task was cancelled). The same rules for `body` as for ``withSQL(_:)``.
    public func transaction<Result: Sendable>(
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await driver.withTransaction(body)
    }

    /// Runs `insert` on the connection `sql` stands for, inside a ``withSQL(_:)`` or ``transaction(_:)`` body (and
    /// in its transaction), and returns the `returning` value of each row inserted; skipped rows return nothing.
    public func run(_ insert: BulkInsert, on sql: any SQLDatabase) async throws -> [BulkInsert.Value] {
        guard insert.rowCount > 0 else { return [] }
        let returned = try await driver.run(insert, on: sql)
        // Without a conflict clause no row is skipped, so each one must come back: a row missing would be lost quietly.
        if insert.conflictColumns.isEmpty, returned.count != insert.rowCount {
            throw BulkInsertError.rowsNotReturned(inserted: insert.rowCount, returned: returned.count)
        }
        return returned
    }

    /// The executor store calls run on, when the engine has one (SQLite's own thread); `nil` for PostgreSQL. A task
    /// that mostly makes store calls (a group commit's flush) can start there and stay on one thread throughout.
    /// Within the package only: blocking work scheduled there would stall every store call.
    package var executor: (any TaskExecutor)? {
        driver.executor
    }

    /// Checks that the database answers.
    public func ping() async throws {
        try await withSQL { sql in try await sql.raw("SELECT 1").run() }
    }

    /// Closes every connection. Call once, after every service that uses the store has stopped.
    public func close() async {
        await driver.close()
    }

    /// Tells idle job workers in other processes that work is waiting (PostgreSQL `NOTIFY`); a no-op on SQLite.
    func notifyJobsAvailable(on sql: any SQLDatabase) async throws {
        if dialect == .postgres {
            try await sql.raw("NOTIFY \(unsafeRaw: JobQueue.notificationChannel)").run()
        }
    }

    /// The notifications other processes send on `channel` (PostgreSQL `LISTEN`); `nil` on SQLite, which has one process.
    func listen(channel: String) async throws -> AsyncThrowingStream<Void, any Error>? {
        try await driver.listen(channel: channel)
    }
}

/// One engine's connection handling behind ``Database``.
protocol DatabaseDriver: Sendable {
    func withConnection<Result: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result
    func withTransaction<Result: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result
    func listen(channel: String) async throws -> AsyncThrowingStream<Void, any Error>?
    func run(_ insert: BulkInsert, on sql: any SQLDatabase) async throws -> [BulkInsert.Value]
    func close() async
    /// Runs the pool's background work until cancelled.
    func run() async
    /// Checks that the server answers.
    func checkReachable() async throws
    /// The executor store calls run on, if the engine has one.
    var executor: (any TaskExecutor)? { get }
}

extension DatabaseDriver {
    /// Through SQLKit, whose binds render in the engine's placeholder style.
    func run(_ insert: BulkInsert, on sql: any SQLDatabase) async throws -> [BulkInsert.Value] {
        let rows = try await sql.raw("\(BulkInsertExpression(insert: insert))").all()
        return try rows.map { row in
            switch insert.returnedKind {
            case .text: .text(try row.decode(column: insert.returning, as: String.self))
            case .integer: .integer(try row.decode(column: insert.returning, as: Int64.self))
            }
        }
    }
}

/// A ``BulkInsert`` as an SQLKit expression.
private struct BulkInsertExpression: SQLExpression {
    let insert: BulkInsert

    func serialize(to serializer: inout SQLSerializer) {
        insert.render({ serializer.write($0) }) { value in
            switch value {
            case .text(let text): serializer.write(bind: text)
            case .integer(let integer): serializer.write(bind: integer)
            case .null: serializer.write("NULL")
            }
        }
    }
}

extension SQLDatabase {
    /// Runs `body` between `begin` and COMMIT on this connection; if anything throws, `rollBack` ends the transaction.
    /// By default BEGIN and COMMIT go through SQLKit and the rollback is a ROLLBACK on this connection; an engine with
    /// a cheaper way to run a statement passes `execute`, and one whose statements a cancelled task cannot run passes
    /// its own `rollBack`.
    func inTransaction<Result: Sendable>(
        begin: String,
        execute: (@Sendable (String) async throws -> Void)? = nil,
        rollBack: (@Sendable () async -> Void)? = nil,
        _ body: @Sendable (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        let execute = execute ?? { statement in try await self.raw("\(unsafeRaw: statement)").run() }
        try await execute(begin)
        do {
            let result = try await body(self)
            try await execute("COMMIT")
            return result
        } catch {
            if let rollBack {
                await rollBack()
            } else {
                try? await raw("ROLLBACK").run()
            }
            throw error
        }
    }
}
