import SQLKit

/// The query of one page of a table's rows in id order: those after `cursor` matching every given filter (a `nil`
/// value does not narrow), at most `limit`. Lists of syncs, conflicts and the like are all this one shape.
struct PageQuery {
    /// `SELECT * FROM table WHERE … ORDER BY id LIMIT limit`; column names are the caller's own, never input.
    /// `newestFirst` orders by descending id, the cursor then being the last (oldest) id of the previous page.
    static func sql(
        from table: String, after cursor: String?, filters: [(column: String, value: String?)], limit: Int, newestFirst: Bool = false
    ) -> SQLQueryString {
        var query = SQLQueryString("SELECT * FROM \(unsafeRaw: table) WHERE 1 = 1")
        if let cursor { query.appendInterpolation(unsafeRaw: newestFirst ? " AND id < " : " AND id > "); query.appendInterpolation(bind: cursor) }
        for (column, value) in filters {
            guard let value else { continue }
            query.appendInterpolation(unsafeRaw: " AND \(column) = ")
            query.appendInterpolation(bind: value)
        }
        query.appendInterpolation(unsafeRaw: newestFirst ? " ORDER BY id DESC LIMIT " : " ORDER BY id LIMIT ")
        query.appendInterpolation(bind: limit)
        return query
    }
}
