import Foundation
import Logging
import SQLKit
import SQLiteKit
import SQLiteNIO
import Synchronization

/// The embedded engine: one SQLite connection in WAL mode shared by the whole process.
///
/// SQLite admits one writer at a time whatever the number of connections, so one connection behind a
/// ``SerialGate`` loses nothing and makes transactions simple. `synchronous=NORMAL` in WAL mode keeps every
/// commit across a process crash (`kill -9`); only an operating-system crash can lose the last commits.
final class SQLiteDriver: DatabaseDriver {
    /// The connection and SQLite's own thread: the connection's calls run on it, and so do the store calls that make
    /// them (see ``ThreadPoolTaskExecutor``), which the gate serializes anyway.
    private let opened: DedicatedSQLiteConnection
    private var connection: SQLiteConnection { opened.connection }
    /// Serializes the store calls on the connection; the checkpointer's restart checkpoints take it too.
    private let gate: SerialGate
    private let threadExecutor: ThreadPoolTaskExecutor
    /// Checkpoints the log off the commit path.
    private let checkpointer: SQLiteCheckpointer

    var executor: (any TaskExecutor)? { threadExecutor }

    private init(opened: DedicatedSQLiteConnection, gate: SerialGate, checkpointer: SQLiteCheckpointer) {
        self.opened = opened
        self.gate = gate
        self.checkpointer = checkpointer
        self.threadExecutor = ThreadPoolTaskExecutor(pool: opened.threadPool)
    }

    static func open(path: String, logger: Logger) async throws -> SQLiteDriver {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        // The busy timeout first: switching to WAL waits for a lock another process may hold. No checkpoints inside
        // commits: the checkpointer makes them from its own connection.
        let opened = try await DedicatedSQLiteConnection.open(
            path: path,
            pragmas: ["busy_timeout = 10000", "journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON", "wal_autocheckpoint = 0"],
            logger: logger
        )
        do {
            let gate = SerialGate()
            let checkpointer = try await SQLiteCheckpointer.start(path: path, gate: gate, logger: logger)
            return SQLiteDriver(opened: opened, gate: gate, checkpointer: checkpointer)
        } catch {
            await opened.close()
            throw error
        }
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
                // server) waits at BEGIN instead of failing mid-transaction. BEGIN and COMMIT go to SQLiteNIO
                // directly: through SQLKit each also took a trip through an event loop, twice per group commit. A
                // task cancelled before its COMMIT runs gets a CancellationError and the rollback: the caller hears
                // that nothing was committed, as for any failed commit.
                try await sql.inTransaction(begin: "BEGIN IMMEDIATE", execute: execute, rollBack: rollBack, body)
            }
        }
    }

    /// Runs a statement that returns no rows on the connection's thread.
    private func execute(_ statement: String) async throws {
        try await connection.query(statement, []) { _ in }
    }

    /// Ends the open transaction, even for a cancelled task. SQLiteNIO's async calls refuse to run for a cancelled
    /// task, so a rollback made that way would leave the shared connection inside the transaction, and every later
    /// caller's statements with it; the future-based call runs whatever the task's state.
    private func rollBack() async {
        _ = try? await connection.query("ROLLBACK", [], logger: connection.logger) { _ in }.get()
    }

    /// Bound directly, without SQLKit's serializer and generic encoder. Callers are inside a store call's body, so
    /// they hold the gate, and `sql` is this one connection.
    func run(_ insert: BulkInsert, on sql: any SQLDatabase) async throws -> [BulkInsert.Value] {
        let binds = insert.values.map(Self.sqliteData)
        let keys = insert.suppliedKeys
        guard !keys.isEmpty, keys.allSatisfy({ $0.matches(insert.returnedKind) }) else {
            return try await runReturning(insert, binds: binds)
        }
        // The rows give their keys, so none need returning: SQLite's RETURNING costs a row per insert, read back
        // through SQLiteNIO, about a twentieth of the inbox's store time per event. When a conflict skipped rows
        // (rare: a sender's retry), the keys now in the table are the rows inserted, as the keys are new (the
        // template's contract); a key stored before would show as more keys found than rows inserted, an error.
        try await connection.query(insert.sqliteText(returning: false), binds) { _ in }
        let changed = try await connection.query("SELECT changes() AS changed", []).first?.column("changed")?.integer ?? -1
        if changed == keys.count { return keys }
        let placeholders = Array(repeating: "?", count: keys.count).joined(separator: ", ")
        let found = try await connection.query(
            "SELECT \(insert.returning) FROM \(insert.table) WHERE \(insert.returning) IN (\(placeholders))", keys.map(Self.sqliteData))
        let stored = Set(found.compactMap { $0.column(insert.returning).map(Self.value) })
        let inserted = keys.filter(stored.contains)
        guard inserted.count == changed else { throw BulkInsertError.rowsNotReturned(inserted: changed, returned: inserted.count) }
        return inserted
    }

    /// The insert with its `RETURNING` clause, for keys the database makes (an autoincrement id).
    private func runReturning(_ insert: BulkInsert, binds: [SQLiteData]) async throws -> [BulkInsert.Value] {
        let returned = Mutex<[SQLiteData?]>([])
        let key = insert.returning
        try await connection.query(insert.sqliteText(), binds) { row in
            let value = row.column(key)
            returned.withLock { $0.append(value) }
        }
        // Only the column's own kind, as PostgreSQL's decoding demands: a NULL or another kind is an error on both.
        return try returned.withLock { $0 }.map { value in
            let value = value.map(Self.value) ?? .null
            guard value.matches(insert.returnedKind) else {
                throw BulkInsertError.unexpectedReturnedValue(column: key, expected: insert.returnedKind)
            }
            return value
        }
    }

    private static func sqliteData(_ value: BulkInsert.Value) -> SQLiteData {
        switch value {
        case .text(let string): .text(string)
        case .integer(let integer): .integer(Int(integer))
        case .null: .null
        }
    }

    /// Text and integers as themselves; anything else (a NULL, a float, a blob) as NULL, which no kind matches.
    private static func value(_ data: SQLiteData) -> BulkInsert.Value {
        switch data {
        case .text(let text): .text(text)
        case .integer(let integer): .integer(Int64(integer))
        default: .null
        }
    }

    func listen(channel: String) async throws -> AsyncThrowingStream<Void, any Error>? { nil }

    /// Nothing runs per pool on SQLite (the checkpointer is the driver's own): waits until cancelled.
    func run() async {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }

    /// The file was opened, so it answers.
    func checkReachable() async throws {}

    func close() async {
        // The checkpointer first; then the writer's connection, when it is the last one open on the database (no
        // other process has it open), checkpoints the whole log and removes it.
        await checkpointer.stop()
        _ = try? await gate.withGate { await self.opened.close() }
    }
}
