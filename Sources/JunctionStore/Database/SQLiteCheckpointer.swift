import Logging
import NIOPosix
import SQLiteNIO

/// Copies SQLite's write-ahead log back into the database from a connection and thread of its own, so that no
/// commit waits for a checkpoint.
///
/// By default SQLite checkpoints inside the commit that takes the log past 1,000 pages: that commit, and every
/// request waiting on the shared connection behind it, waits while the log is copied and synced, which was most of
/// the ingest path's tail latency. Here the writer's automatic checkpoints are off, and this connection makes a
/// passive checkpoint every second (copying what no reader needs, without blocking the writer). A passive
/// checkpoint cannot rewind a log that is written to while it runs, so once the log exceeds 64 MiB a restart
/// checkpoint finishes the frames left, holding writers back only for that, and the next commit starts the log from
/// its beginning: the log stays bounded under any load.
final class SQLiteCheckpointer: Sendable {
    /// Time between passive checkpoints. Rarer checkpoints copy a page that many commits rewrote once instead of
    /// once per checkpoint: 1 s and 64 MiB measured faster than 100 ms and 16 MiB (README § Webhook ingest).
    static let defaultInterval = Duration.seconds(1)
    /// Log size (pages of 4 KiB) past which a restart checkpoint rewinds the log: 64 MiB, about two seconds of
    /// webhook ingest at full speed.
    static let defaultRestartPages = 16_384

    private let connection: SQLiteConnection
    private let threadPool: NIOThreadPool
    private let loop: Task<Void, Never>

    private init(connection: SQLiteConnection, threadPool: NIOThreadPool, interval: Duration, restartPages: Int, logger: Logger) {
        self.connection = connection
        self.threadPool = threadPool
        self.loop = Task {
            var failures = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                do {
                    try await Self.checkpoint(connection, restartPages: restartPages)
                    failures = 0
                } catch let error where !Task.isCancelled {
                    // Logged once per run of failures: a full disk would otherwise log every second.
                    if failures == 0 { logger.warning("SQLite checkpoint failed; retrying", metadata: ["error": "\(error)"]) }
                    failures += 1
                } catch {}
            }
        }
    }

    /// Opens the checkpointing connection to the database at `path`, whose writer must have automatic checkpoints
    /// off (`wal_autocheckpoint = 0`): a passive checkpoint every `interval`, a restart checkpoint past
    /// `restartPages` pages of log.
    static func start(
        path: String, interval: Duration = defaultInterval, restartPages: Int = defaultRestartPages, logger: Logger
    ) async throws -> SQLiteCheckpointer {
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        do {
            let connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: threadPool, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
            do {
                // A restart checkpoint waits for the writer's transaction in progress; commits take milliseconds.
                _ = try await connection.query("PRAGMA busy_timeout = 2000")
            } catch {
                try? await connection.close()
                throw error
            }
            return SQLiteCheckpointer(
                connection: connection, threadPool: threadPool, interval: interval, restartPages: restartPages, logger: logger)
        } catch {
            try? await threadPool.shutdownGracefully()
            throw error
        }
    }

    /// One passive checkpoint, and a restart checkpoint when the log has grown past `restartPages`.
    private static func checkpoint(_ connection: SQLiteConnection, restartPages: Int) async throws {
        let rows = try await connection.query("PRAGMA wal_checkpoint(PASSIVE)")
        // One row: busy (1 when a lock prevented it), log (frames in the log), checkpointed (frames copied).
        guard let logPages = rows.first?.column("log")?.integer, logPages >= restartPages else { return }
        _ = try await connection.query("PRAGMA wal_checkpoint(RESTART)")
    }

    /// Stops checkpointing and closes the connection; a checkpoint in progress completes first.
    func stop() async {
        loop.cancel()
        await loop.value
        try? await connection.close()
        try? await threadPool.shutdownGracefully()
    }
}
