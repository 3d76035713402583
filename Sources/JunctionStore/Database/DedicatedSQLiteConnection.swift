import Logging
import NIOPosix
import SQLiteNIO

/// An SQLite connection with a thread of its own. SQLite's calls block, so each connection runs them on a one-thread
/// pool that nothing else shares: the store's writer on one, the checkpointer on another.
struct DedicatedSQLiteConnection: Sendable {
    /// The connection; its calls run on `threadPool`.
    let connection: SQLiteConnection
    /// The connection's one thread.
    let threadPool: NIOThreadPool

    /// Opens the database file at `path` and applies `pragmas` in order (`"busy_timeout = 100"`: the store's own
    /// settings, never input). If any step fails, what was opened is closed before the error is thrown.
    static func open(path: String, pragmas: [String], logger: Logger) async throws -> DedicatedSQLiteConnection {
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
        let opened = DedicatedSQLiteConnection(connection: connection, threadPool: threadPool)
        do {
            for pragma in pragmas { _ = try await connection.query("PRAGMA \(pragma)") }
        } catch {
            await opened.close()
            throw error
        }
        return opened
    }

    /// Closes the connection, then stops its thread.
    func close() async {
        try? await connection.close()
        try? await threadPool.shutdownGracefully()
    }
}
