import JunctionCore

/// Which page of a list to read: at most `limit` items after `cursor` (an id this API returned), newest first.
public struct PageRequest: Sendable, Equatable {
    /// Items per page when none is asked for.
    public static let defaultLimit = 50
    /// The most items one page holds.
    public static let maximumLimit = 200

    /// Items on the page.
    public var limit: Int
    /// The last id of the previous page, if any.
    public var cursor: String?

    /// A page request, or an invalid-input error naming the parameter: `limit` must be 1 to 200, and `cursor` an id
    /// made with `prefix` (a list's `nextCursor`).
    public init(limit: Int?, cursor: String?, prefix: String) throws(ApplicationError) {
        let limit = limit ?? Self.defaultLimit
        guard (1...Self.maximumLimit).contains(limit) else {
            throw .invalid("query parameter 'limit' must be an integer from 1 to \(Self.maximumLimit), not '\(limit)'")
        }
        if let cursor, !ResourceID.isWellFormed(cursor, prefix: prefix) {
            throw .invalid("query parameter 'cursor' is not a cursor this API returned: '\(cursor.prefix(64))'")
        }
        self.limit = limit
        self.cursor = cursor
    }
}

/// One page of a list, with the cursor of the next page (absent on the last page).
public struct Page<Item: Sendable>: Sendable {
    /// The items.
    public var items: [Item]
    /// Where the next page starts, when there is one.
    public var nextCursor: String?

    /// The page of `fetched`, read with `limit + 1` so the extra one says a next page exists.
    public init(fetched: [Item], limit: Int, cursor: (Item) -> String) {
        let page = fetched.prefix(limit)
        self.items = Array(page)
        self.nextCursor = fetched.count > limit ? page.last.map(cursor) : nil
    }

    /// A page of these items.
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    /// The same page with each item transformed.
    public func map<Other>(_ transform: (Item) throws -> Other) rethrows -> Page<Other> {
        Page<Other>(items: try items.map(transform), nextCursor: nextCursor)
    }
}
