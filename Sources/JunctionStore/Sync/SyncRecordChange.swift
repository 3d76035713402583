import Foundation
import JunctionCore

/// A change the provider made to one record, as a run or a webhook brings it to the store.
public enum SyncRecordChange: Sendable, Equatable {
    /// The record as the provider has it now.
    case upsert(IncomingRecord)
    /// The provider deleted the record (at the time given, when known).
    case delete(externalID: String, at: Date?)

    /// The provider's id of the record.
    public var externalID: String {
        switch self {
        case .upsert(let record): record.externalID
        case .delete(let id, _): id
        }
    }
}

/// A provider record on its way into the store.
public struct IncomingRecord: Sendable, Equatable {
    /// The provider's id.
    public var externalID: String
    /// The provider's record, as it came.
    public var raw: JSONValue
    /// The record in the application's shape, where the connection maps the resource.
    public var data: JSONValue?
    /// When the provider last changed it (its modified time, or the event's), when known: an older change never
    /// overwrites a newer one.
    public var remoteModifiedAt: Date?

    /// A record.
    public init(externalID: String, raw: JSONValue, data: JSONValue? = nil, remoteModifiedAt: Date? = nil) {
        self.externalID = externalID
        self.raw = raw
        self.data = data
        self.remoteModifiedAt = remoteModifiedAt
    }
}

/// A place in a sync's change feed: after the record `externalID` of change version `sequence`. Versions are handed
/// out per transaction, so many records share one; the id orders them inside it.
public struct FeedPosition: Sendable, Equatable, Comparable {
    /// The change version.
    public var sequence: Int64
    /// The last record read at that version (`""`: none of it).
    public var externalID: String

    /// A position.
    public init(sequence: Int64, externalID: String) {
        self.sequence = sequence
        self.externalID = externalID
    }

    /// The start of the feed.
    public static let start = FeedPosition(sequence: 0, externalID: "")

    public static func < (left: FeedPosition, right: FeedPosition) -> Bool {
        (left.sequence, left.externalID) < (right.sequence, right.externalID)
    }
}

/// One record in the change feed, as of its last change.
public struct FeedEntry: Sendable, Equatable {
    /// What happened to it since the reader's position.
    public enum Operation: String, Sendable {
        /// New to the reader.
        case added
        /// Changed since the reader last saw it.
        case updated
        /// Deleted at the provider.
        case deleted
    }

    /// The provider's id.
    public var externalID: String
    /// What happened.
    public var operation: Operation
    /// The provider's record (the last one seen, for a deleted record).
    public var raw: JSONValue
    /// The record in the application's shape, where the connection maps it.
    public var data: JSONValue?
    /// When Junction stored the change.
    public var changedAt: Date
    /// When the provider changed it, when known.
    public var remoteModifiedAt: Date?
    /// Where this entry is in the feed: a reader that stops here continues after it.
    public var position: FeedPosition
    /// The application's key, for a record it created through the sync.
    public var localKey: String?
}
