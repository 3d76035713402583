import Foundation
import Logging
import NIOPosix
import SQLiteKit
import Testing

@testable import JunctionStore

/// The writer's automatic checkpoints are off, so the checkpointer alone keeps the write-ahead log from growing.
@Suite("SQLite checkpointer")
struct SQLiteCheckpointerTests {
    @Test("the log is copied into the database and rewound while a writer keeps committing")
    func keepsTheLogBounded() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("checkpointer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.sqlite").path
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let writer = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: threadPool, on: MultiThreadedEventLoopGroup.singleton.any())
        for pragma in ["journal_mode = WAL", "synchronous = NORMAL", "wal_autocheckpoint = 0"] {
            _ = try await writer.query("PRAGMA \(pragma)")
        }
        _ = try await writer.query("CREATE TABLE filler (n INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        let checkpointer = try await SQLiteCheckpointer.start(
            path: path, interval: .milliseconds(20), restartPages: 64, logger: Logger(label: "test"))

        // 400 commits of 8 KiB each: 3.2 MiB, about 800 pages of log without checkpoints.
        let row = String(repeating: "x", count: 8192)
        for n in 0..<400 {
            _ = try await writer.query("INSERT INTO filler (n, text) VALUES (?, ?)", [.integer(n), .text(row)])
            if n % 10 == 9 { try await Task.sleep(for: .milliseconds(10)) }
        }
        try await Task.sleep(for: .milliseconds(200))
        await checkpointer.stop()

        let databaseBytes = try Self.size(of: path)
        let logBytes = try Self.size(of: path + "-wal")
        // Copied: the database file holds the rows (the writer alone would have left them all in the log).
        #expect(databaseBytes > 3_000_000)
        // Rewound: the log was reused from its start instead of growing to the 3.2 MiB written.
        #expect(logBytes < 1_600_000)
        let count = try await writer.query("SELECT count(*) AS rows FROM filler").first?.column("rows")?.integer
        #expect(count == 400)
        try await writer.close()
        try await threadPool.shutdownGracefully()
    }

    private static func size(of path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
    }
}
