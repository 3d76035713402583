import Foundation
import Logging
import NIOPosix
import SQLiteNIO

/// Copies SQLite's write-ahead log back into the database from a connection and thread of its own, so that no
/// commit waits for a checkpoint.
///
/// By default SQLite checkpoints inside the commit that takes the log past 1,000 pages: that commit, and every request
/// waiting on the shared connection behind it, waits while the log is copied and synced, which was most of the ingest
/// path's tail latency. Here the writer's automatic checkpoints are off, and this connection makes a passive checkpoint
/// every second (copying what no reader needs, without blocking the writer). A log copied in full is started again from
/// its beginning by the writer's next transaction, if none began while it was being copied. Under steady writes that
/// moment may never come, so when the log reaches 64 MiB up to two more passive checkpoints catch up, the database file
/// is synced, and a restart checkpoint is made inside the driver's gate (no transaction of this process is open or can
/// start, so it does not compete with the writer): it copies the few frames left, and the next commit rewinds the log.
/// A reader in another process holding an old snapshot can still prevent the rewind; the restart then gives up after a
/// short wait, says so in the log once, and is not tried again for a while, so that reader costs the server at most
/// that wait now and then.
final class SQLiteCheckpointer: Sendable {
    /// Time between passive checkpoints. Rarer checkpoints copy a page that many commits rewrote once instead of
    /// once per checkpoint: 1 s and 64 MiB measured faster than 100 ms and 16 MiB (README § Webhook ingest).
    static let defaultInterval = Duration.seconds(1)
    /// Log size (pages of 4 KiB, SQLite's default page) at which a restart checkpoint rewinds the log: 64 MiB,
    /// about two seconds of webhook ingest at full speed.
    static let defaultRestartPages = 16_384
    /// Log-size checks between two restart attempts after one found another process's transaction in the way.
    static let restartBackoff = 30
    /// How long a restart checkpoint waits for readers in other processes, holding this process's store calls.
    static let restartWaitMilliseconds = 100

    private let opened: DedicatedSQLiteConnection
    private let loop: Task<Void, Never>

    private init(
        opened: DedicatedSQLiteConnection, path: String, gate: SerialGate, interval: Duration, restartPages: Int, logger: Logger
    ) {
        self.opened = opened
        let connection = opened.connection
        let threadPool = opened.threadPool
        self.loop = Task {
            var failures = 0
            var blockedRestarts = 0
            var skippedRestarts = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                do {
                    var log = try await Self.passive(connection)
                    failures = 0
                    guard log.pages >= restartPages else { continue }
                    // Catch up outside the gate first: each passive checkpoint copies what arrived during the one
                    // before, so the restart inside the gate has only the last few frames to copy. (A log copied in
                    // full is not enough on its own: the writer rewinds it only if no commit started meanwhile,
                    // which under steady writes may never happen.)
                    for _ in 0..<2 where log.copied < log.pages { log = try await Self.passive(connection) }
                    if skippedRestarts > 0 {
                        skippedRestarts -= 1
                        continue
                    }
                    try await Self.syncDatabaseFile(path, on: threadPool)
                    if try await gate.withGate({ try await Self.restart(connection) }) {
                        blockedRestarts = 0
                    } else {
                        // Logged once per run of refusals, which only another process's transaction can cause
                        // (a long read, usually: a shell or a backup tool).
                        if blockedRestarts == 0 {
                            logger.warning(
                                "SQLite's write-ahead log could not be rewound: another process holds a transaction open",
                                metadata: ["logMiB": "\(log.pages * 4 / 1024)"])
                        }
                        blockedRestarts += 1
                        skippedRestarts = Self.restartBackoff
                    }
                } catch let error where !Task.isCancelled {
                    // Logged once per run of failures: a full disk would otherwise log every second.
                    if failures == 0 { logger.warning("SQLite checkpoint failed; retrying", metadata: ["error": "\(error)"]) }
                    failures += 1
                } catch {}
            }
        }
    }

    /// Opens the checkpointing connection to the database at `path`, whose writer must have automatic checkpoints
    /// off (`wal_autocheckpoint = 0`) and make its store calls inside `gate`: a passive checkpoint every `interval`,
    /// a restart checkpoint inside the gate when the log reaches `restartPages` pages.
    static func start(
        path: String, gate: SerialGate, interval: Duration = defaultInterval, restartPages: Int = defaultRestartPages,
        logger: Logger
    ) async throws -> SQLiteCheckpointer {
        let opened = try await DedicatedSQLiteConnection.open(
            path: path, pragmas: ["busy_timeout = \(restartWaitMilliseconds)"], logger: logger)
        return SQLiteCheckpointer(
            opened: opened, path: path, gate: gate, interval: interval, restartPages: restartPages, logger: logger)
    }

    /// One passive checkpoint: how many pages the log holds, and how many of them are now in the database file.
    private static func passive(_ connection: SQLiteConnection) async throws -> (pages: Int, copied: Int) {
        // One row: busy (1 when a lock prevented it), log (frames in the log), checkpointed (frames copied).
        let row = try await connection.query("PRAGMA wal_checkpoint(PASSIVE)").first
        return (row?.column("log")?.integer ?? 0, row?.column("checkpointed")?.integer ?? 0)
    }

    /// Writes the database file's copied pages to disk, on the checkpointer's thread and outside the gate. SQLite
    /// syncs the database file only after a checkpoint that reaches the end of the log, which under steady writes
    /// no passive checkpoint does: the restart checkpoint's sync then found a whole log's worth of pages to write,
    /// and took 12 to 26 ms inside the gate with every commit waiting. After this, it finds only the last few.
    private static func syncDatabaseFile(_ path: String, on threadPool: NIOThreadPool) async throws {
        try await threadPool.runIfActive {
            guard let file = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileNoSuchFile) }
            defer { try? file.close() }
            try file.synchronize()
        }
    }

    /// A restart checkpoint; `false` when a reader in another process kept it from completing.
    private static func restart(_ connection: SQLiteConnection) async throws -> Bool {
        let row = try await connection.query("PRAGMA wal_checkpoint(RESTART)").first
        return row?.column("busy")?.integer == 0
    }

    /// Stops checkpointing and closes the connection; a checkpoint in progress completes first.
    func stop() async {
        loop.cancel()
        await loop.value
        await opened.close()
    }
}
