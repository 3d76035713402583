/// One multi-row `INSERT … ON CONFLICT (…) DO NOTHING RETURNING <key>` over plain text and integer values.
///
/// The webhook inbox writes every verified event this way. Through SQLKit, building, serializing and encoding the
/// statement's binds (each through its generic `Encodable` path) cost about as much CPU per event as SQLite's own
/// insert; with the values already text and integers, SQLite binds them directly (``Database/run(_:on:)``).
public struct BulkInsert: Sendable {
    /// One column's value in one row.
    public enum Value: Sendable, Equatable {
        case text(String)
        case integer(Int64)
        case null
    }

    /// The table written to.
    public let table: String
    /// The columns every row gives, in order.
    public let columns: [String]
    /// The unique columns whose conflict skips a row instead of failing the statement.
    public let conflictColumns: [String]
    /// The text column returned for each row inserted (not for the rows skipped).
    public let returning: String
    /// The rows, each with one value per column.
    public private(set) var rows: [[Value]] = []

    /// An empty insert; SQL names are written as given, so they must be the store's own, never input.
    public init(table: String, columns: [String], conflictColumns: [String], returning: String) {
        self.table = table
        self.columns = columns
        self.conflictColumns = conflictColumns
        self.returning = returning
    }

    /// Adds a row, which must give one value per column.
    public mutating func append(_ row: [Value]) {
        precondition(row.count == columns.count, "a row of \(row.count) values for \(columns.count) columns")
        rows.append(row)
    }

    /// Writes the statement: `write` takes SQL text, `writeValue` each non-null value, which the engine binds in
    /// its own placeholder style (NULL is written as a literal).
    func render(_ write: (String) -> Void, _ writeValue: (Value) -> Void) {
        write("INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES ")
        for row in rows.indices {
            write(row == 0 ? "(" : ", (")
            for (column, value) in rows[row].enumerated() {
                if column > 0 { write(", ") }
                if value == .null { write("NULL") } else { writeValue(value) }
            }
            write(")")
        }
        write(" ON CONFLICT (\(conflictColumns.joined(separator: ", "))) DO NOTHING RETURNING \(returning)")
    }
}
