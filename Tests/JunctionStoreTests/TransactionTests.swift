import JunctionStore
import JunctionTestSupport
import SQLKit
import Testing

/// Transactions on the shared connection: whatever ends a transaction's body, the connection is left outside any
/// transaction for the next caller.
@Suite("Transactions")
struct TransactionTests {
    @Test("a task cancelled inside a transaction is rolled back, and the next transaction works", arguments: TestEngine.available)
    func cancelledInsideTransaction(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            try await database.withSQL { sql in try await sql.raw("CREATE TABLE cancel_probe (n INTEGER NOT NULL)").run() }
            let started = AsyncStream<Void>.makeStream()
            let writer = Task {
                try await database.transaction { sql in
                    try await sql.raw("INSERT INTO cancel_probe (n) VALUES (1)").run()
                    started.continuation.yield()
                    // Cancelled here: the sleep throws, and the rollback must still reach the database even though the
                    // task asking for it is cancelled.
                    try await Task.sleep(for: .seconds(30))
                }
            }
            for await _ in started.stream { break }
            writer.cancel()
            await #expect(throws: CancellationError.self) { try await writer.value }

            try await database.transaction { sql in try await sql.raw("INSERT INTO cancel_probe (n) VALUES (2)").run() }
            let values = try await database.withSQL { sql in
                try await sql.raw("SELECT n FROM cancel_probe ORDER BY n").all().map { try $0.decode(column: "n", as: Int.self) }
            }
            #expect(values == [2])
        }
    }
}
