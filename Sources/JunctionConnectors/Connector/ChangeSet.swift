import Foundation

/// Changes a list cannot show.
public struct ChangeSet: Sendable, Equatable {
    /// A record the provider deleted.
    public struct Deletion: Sendable, Equatable {
        /// Its provider id.
        public var id: String
        /// When it was deleted, if the provider said.
        public var deletedAt: Date?

        /// A deletion.
        public init(id: String, deletedAt: Date?) {
            self.id = id
            self.deletedAt = deletedAt
        }
    }

    /// Deleted records.
    public var deleted: [Deletion]
    /// Ids of records updated in the window, when the provider lists them; `nil` when it does not.
    public var updatedIDs: [String]?
    /// Up to when the provider's answer is complete (Salesforce's `latestDateCovered`); ask again from here.
    public var coveredUntil: Date?

    /// A change set.
    public init(deleted: [Deletion], updatedIDs: [String]?, coveredUntil: Date?) {
        self.deleted = deleted
        self.updatedIDs = updatedIDs
        self.coveredUntil = coveredUntil
    }
}
