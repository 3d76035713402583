import Foundation
import JunctionCore

/// Which page of a resource to list.
public struct ListQuery: Sendable, Equatable {
    /// Where to continue: the `nextCursor` of the previous page, `nil` for the first page.
    public var cursor: String?
    /// Records per page; the connector caps it at what the provider allows.
    public var limit: Int?
    /// Only records changed at or after this time, for resources with an incremental cursor.
    public var updatedSince: Date?
    /// Only changes since this checkpoint: the ``RecordPage/checkpoint`` of an earlier listing's last page, for
    /// providers that hand out their own sync state (Google Calendar's `syncToken`).
    public var checkpoint: String?

    /// A query.
    public init(cursor: String? = nil, limit: Int? = nil, updatedSince: Date? = nil, checkpoint: String? = nil) {
        self.cursor = cursor
        self.limit = limit
        self.updatedSince = updatedSince
        self.checkpoint = checkpoint
    }
}
