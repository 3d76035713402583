import JunctionCore

/// One page of records as the provider returned them.
public struct RecordPage: Sendable, Equatable {
    /// The provider's records.
    public var records: [JSONValue]
    /// Pass as ``ListQuery/cursor`` for the next page; `nil` on the last page.
    public var nextCursor: String?
    /// On the last page, where the next incremental listing starts (``ListQuery/checkpoint``), for providers with
    /// their own sync state.
    public var checkpoint: String?

    /// A page.
    public init(records: [JSONValue], nextCursor: String?, checkpoint: String? = nil) {
        self.records = records
        self.nextCursor = nextCursor
        self.checkpoint = checkpoint
    }
}
