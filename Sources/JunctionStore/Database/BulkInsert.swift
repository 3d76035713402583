/// One multi-row `INSERT … [ON CONFLICT (…) DO NOTHING] RETURNING <key>` over plain text and integer values.
///
/// The webhook inbox writes every verified event this way, and the job queue the jobs that need no conflict check.
/// Through SQLKit, building, serializing and encoding the statement's binds (each through its generic `Encodable`
/// path) cost about as much CPU per event as SQLite's own insert; with the values already text and integers, SQLite
/// binds them directly (``Database/run(_:on:)``).
public struct BulkInsert: Sendable {
    /// One column's value in one row.
    public enum Value: Sendable, Hashable {
        case text(String)
        case integer(Int64)
        case null

        /// The text, when the value is text.
        public var text: String? {
            if case .text(let text) = self { text } else { nil }
        }

        /// The integer, when the value is an integer.
        public var integer: Int64? {
            if case .integer(let integer) = self { integer } else { nil }
        }

        /// Whether the value is of `kind` (a NULL is of none).
        func matches(_ kind: ReturnedKind) -> Bool {
            switch (self, kind) {
            case (.text, .text), (.integer, .integer): true
            default: false
            }
        }
    }

    /// What the `returning` column holds, so each engine reads it as that.
    public enum ReturnedKind: Sendable, Equatable {
        case text
        case integer
    }

    /// The table written to.
    public let table: String
    /// The columns every row gives, in order.
    public let columns: [String]
    /// The unique columns whose conflict skips a row instead of failing the statement; none, and a conflict fails it.
    public let conflictColumns: [String]
    /// The column returned for each row inserted (not for the rows skipped). When the rows supply it (it is one of
    /// `columns`), it must be unique in the table (its primary key, say), not one of `conflictColumns`, and each
    /// row's value new: SQLite then learns which rows went in without a `RETURNING` clause (``Database/run(_:on:)``),
    /// and a key stored before makes the insert fail with ``BulkInsertError/rowsNotReturned(inserted:returned:)``.
    public let returning: String
    /// What that column holds.
    public let returnedKind: ReturnedKind
    /// Every row's values, row after row, one per column.
    public private(set) var values: [Value] = []
    /// The statement up to its rows and after them (the conflict clause, then `RETURNING`), made once: an insert
    /// is built per group commit, from a template.
    private let head: String
    private let onConflict: String
    private let returningClause: String
    /// One row of `?` placeholders, `(?, ?, …)`.
    private let sqliteRow: [UInt8]
    /// Where the `returning` column is among `columns`, when the rows supply it.
    let suppliedKeyColumn: Int?

    /// An empty insert; SQL names are written as given, so they must be the store's own, never input.
    public init(table: String, columns: [String], conflictColumns: [String], returning: String, returnedKind: ReturnedKind = .text) {
        self.table = table
        self.columns = columns
        self.conflictColumns = conflictColumns
        self.returning = returning
        self.returnedKind = returnedKind
        self.head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        self.sqliteRow = Array(("(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")").utf8)
        self.onConflict = conflictColumns.isEmpty ? "" : " ON CONFLICT (\(conflictColumns.joined(separator: ", "))) DO NOTHING"
        self.returningClause = " RETURNING \(returning)"
        precondition(!conflictColumns.contains(returning), "the returned column \(returning) cannot be a conflict column")
        self.suppliedKeyColumn = columns.firstIndex(of: returning)
    }

    /// The value each row gives its `returning` column, in row order; empty when the rows do not supply it.
    var suppliedKeys: [Value] {
        guard let suppliedKeyColumn else { return [] }
        return stride(from: suppliedKeyColumn, to: values.count, by: columns.count).map { values[$0] }
    }

    /// How many rows have been added.
    public var rowCount: Int { columns.isEmpty ? 0 : values.count / columns.count }

    /// Makes room for `rows` rows at once.
    public mutating func reserveCapacity(rows: Int) {
        values.reserveCapacity(rows * columns.count)
    }

    /// Adds a row, which must give one value per column.
    public mutating func append(_ row: [Value]) {
        precondition(row.count == columns.count, "a row of \(row.count) values for \(columns.count) columns")
        values.append(contentsOf: row)
    }

    /// The statement with SQLite's `?` for every value: the row's text is made once and repeated, and NULLs are
    /// bound like any other value. Without `returning`, it has no `RETURNING` clause.
    func sqliteText(returning: Bool = true) -> String {
        let tail = returning ? onConflict + returningClause : onConflict
        var text: [UInt8] = []
        text.reserveCapacity(head.utf8.count + rowCount * (sqliteRow.count + 2) + tail.utf8.count)
        text.append(contentsOf: head.utf8)
        for index in 0..<rowCount {
            if index > 0 {
                text.append(UInt8(ascii: ","))
                text.append(UInt8(ascii: " "))
            }
            text.append(contentsOf: sqliteRow)
        }
        text.append(contentsOf: tail.utf8)
        return String(decoding: text, as: UTF8.self)
    }

    /// Writes the statement for an engine whose placeholders differ per value (PostgreSQL's `$1`, `$2`, …): `write`
    /// takes SQL text, `writeValue` each non-null value to bind (NULL is written as a literal).
    func render(_ write: (String) -> Void, _ writeValue: (Value) -> Void) {
        write(head)
        for (index, value) in values.enumerated() {
            let column = index % columns.count
            if column == 0 { write(index == 0 ? "(" : "), (") } else { write(", ") }
            if value == .null { write("NULL") } else { writeValue(value) }
        }
        if !values.isEmpty { write(")") }
        write(onConflict + returningClause)
    }
}

/// Why a bulk insert's result could not be read.
public enum BulkInsertError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `returning` column held something other than its kind (or NULL) for an inserted row.
    case unexpectedReturnedValue(column: String, expected: BulkInsert.ReturnedKind)
    /// An insert returned fewer (or more) rows than it inserted: without conflict columns, or with keys supplied that
    /// were not new.
    case rowsNotReturned(inserted: Int, returned: Int)

    public var description: String {
        switch self {
        case .unexpectedReturnedValue(let column, let expected):
            "the inserted rows' \(column) column is not \(expected == .text ? "text" : "an integer")"
        case .rowsNotReturned(let inserted, let returned): "\(inserted) rows were inserted but \(returned) returned"
        }
    }
}
