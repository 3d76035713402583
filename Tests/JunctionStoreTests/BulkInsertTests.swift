import JunctionStore
import JunctionTestSupport
import SQLKit
import Testing

/// The multi-row insert the webhook inbox writes with: SQLite binds its values directly, PostgreSQL through SQLKit;
/// both must store the same values and skip the same conflicts.
@Suite("Bulk insert")
struct BulkInsertTests {
    @Test(
        "rows are stored with their text, integers and NULLs; conflicting rows are skipped and not returned",
        arguments: TestEngine.available)
    func insertsAndSkipsConflicts(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            try await database.withSQL { sql in
                try await sql.raw(
                    "CREATE TABLE bulk_probe (id TEXT PRIMARY KEY, owner TEXT NOT NULL, external TEXT NOT NULL, n BIGINT, note TEXT NOT NULL)"
                ).run()
                try await sql.raw("CREATE UNIQUE INDEX bulk_probe_dedup ON bulk_probe (owner, external)").run()
            }
            let firstBatch = Self.batch([("a", "evt_1", 1_700_000_000_000, #"{"quote":"\"", "é":"✓"}"#), ("b", "evt_2", nil, "")])
            let first = try await database.transaction { sql in try await database.run(firstBatch, on: sql) }
            #expect(Set(first) == [.text("a"), .text("b")])

            // evt_2 exists already, and evt_3 appears twice in the batch: each is stored once.
            let secondBatch = Self.batch([("c", "evt_2", 5, "dup"), ("d", "evt_3", -1, "x"), ("e", "evt_3", 7, "dup")])
            let second = try await database.transaction { sql in try await database.run(secondBatch, on: sql) }
            #expect(second == [.text("d")])
            let nothing = try await database.transaction { sql in try await database.run(Self.batch([]), on: sql) }
            #expect(nothing.isEmpty)
            // A key supplied again with its old conflict values breaks the template's contract (keys are new). With
            // RETURNING (PostgreSQL) nothing comes back; SQLite, which reads keys back instead, must not report the old
            // row as inserted, so the insert fails.
            let reused = Self.batch([("a", "evt_1", nil, "again")])
            if engine == .sqlite {
                await #expect(throws: BulkInsertError.rowsNotReturned(inserted: 0, returned: 1)) {
                    try await database.transaction { sql in try await database.run(reused, on: sql) }
                }
            } else {
                #expect(try await database.transaction { sql in try await database.run(reused, on: sql) }.isEmpty)
            }

            let stored = try await database.withSQL { sql in
                try await sql.raw("SELECT id, external, n, note FROM bulk_probe ORDER BY id").all().map { row in
                    (
                        try row.decode(column: "id", as: String.self), try row.decode(column: "external", as: String.self),
                        try row.decode(column: "n", as: Int64?.self), try row.decode(column: "note", as: String.self)
                    )
                }
            }
            #expect(stored.map(\.0) == ["a", "b", "d"])
            #expect(stored.map(\.2) == [1_700_000_000_000, nil, -1])
            #expect(stored.map(\.3) == [#"{"quote":"\"", "é":"✓"}"#, "", "x"])
        }
    }

    @Test("an integer column can be returned; on SQLite, a column of another kind is an error", arguments: TestEngine.available)
    func returnsIntegers(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            try await database.withSQL { sql in
                let key = engine == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY"
                try await sql.raw("CREATE TABLE bulk_numbers (id \(unsafeRaw: key), name TEXT NOT NULL UNIQUE)").run()
            }
            @Sendable func insert(_ names: [String], returnedKind: BulkInsert.ReturnedKind) -> BulkInsert {
                var insert = BulkInsert(
                    table: "bulk_numbers", columns: ["name"], conflictColumns: ["name"], returning: "id", returnedKind: returnedKind)
                for name in names { insert.append([.text(name)]) }
                return insert
            }
            let ids = try await database.transaction { sql in
                try await database.run(insert(["x", "y", "z"], returnedKind: .integer), on: sql)
            }
            #expect(ids.compactMap(\.integer).sorted() == [1, 2, 3])
            // SQLite's values carry their kind, so a template declaring the wrong one fails. (PostgresKit decodes an
            // int8 as text without complaint, bytes and all: declaring the kind right is the template's job.)
            if engine == .sqlite {
                await #expect(throws: BulkInsertError.unexpectedReturnedValue(column: "id", expected: .text)) {
                    try await database.transaction { sql in try await database.run(insert(["w"], returnedKind: .text), on: sql) }
                }
            }
        }
    }

    private static func batch(_ rows: [(id: String, external: String, n: Int64?, note: String)]) -> BulkInsert {
        var insert = BulkInsert(
            table: "bulk_probe", columns: ["id", "owner", "external", "n", "note"], conflictColumns: ["owner", "external"], returning: "id")
        for row in rows {
            insert.append([.text(row.id), .text("owner-1"), .text(row.external), row.n.map { .integer($0) } ?? .null, .text(row.note)])
        }
        return insert
    }
}
