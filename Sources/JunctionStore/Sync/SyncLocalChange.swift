import Foundation
import JunctionCore

/// A change the application made to one record of a two-way sync, committed before it is pushed to the provider.
///
/// Its fields are in the provider's shape (the application's shape was mapped back when it was submitted). A record's
/// pending changes are pushed together, in order, each applied over the last: the record's base (what both sides last
/// agreed) with every pending change laid over it is the application's side of a three-way merge.
public struct SyncLocalChange: Sendable, Equatable {
    /// What the application did.
    public enum Operation: String, Sendable, CaseIterable {
        /// A new record, under the application's own key until the provider names it.
        case create
        /// Some fields changed (PATCH): the fields named are set, `null` clears one.
        case update
        /// The whole record (PUT): the fields named are set (the mapped fields it omitted were set to `null` when it
        /// was submitted).
        case replace
        /// The record deleted.
        case delete
    }

    /// Where the change is.
    public enum Status: String, Sendable, CaseIterable {
        /// Committed, not yet on the provider.
        case pending
        /// On the provider (or settled without a call: the provider already held it, or its values won).
        case pushed
        /// Part of an open conflict, waiting for a person.
        case conflict
        /// Settled by a person's resolution of its conflict (the resolution is a change of its own).
        case resolved
        /// Refused by the provider, or its outcome could not be known safely; ``SyncLocalChange/reason`` says why.
        case failed
    }

    /// `chg_…`, time-ordered.
    public var id: String
    /// The sync it was made through.
    public var syncID: String
    /// The provider's id of the record; for a create, `nil` until the provider answers.
    public var externalID: String?
    /// The application's key of a record it created.
    public var localKey: String?
    /// The record it is about, for grouping a record's changes: the provider's id, or for a create not yet named by
    /// the provider its key (or its own id).
    public var recordKey: String { externalID ?? "local:" + (localKey ?? id) }
    /// What was done.
    public var operation: Operation
    /// The fields set, in the provider's shape (`nil` for a deletion).
    public var fields: JSONObject?
    /// The record's change version the change was made against (`nil` for a create).
    public var baseVersion: Int64?
    /// Where it is.
    public var status: Status
    /// Why it failed, or how it was settled.
    public var reason: String?
    /// Provider writes started for it.
    public var attempts: Int
    /// Failed tries (the provider or the network erring), for backoff and for giving up.
    public var failures: Int
    /// When the first call started (a create retried after a crash looks for what that call may have made).
    public var firstAttemptAt: Date?
    /// When it may be tried next.
    public var availableAt: Date
    /// The conflict it is part of.
    public var conflictID: String?
    /// When the application made it.
    public var createdAt: Date
    /// When its status last changed.
    public var updatedAt: Date
    /// When it reached the provider.
    public var pushedAt: Date?

    /// The prefix of change ids.
    public static let idPrefix = "chg"

    /// A new pending change.
    public init(
        id: String = ResourceID.make(prefix: SyncLocalChange.idPrefix), syncID: String, externalID: String?, localKey: String? = nil,
        operation: Operation, fields: JSONObject?, baseVersion: Int64?, now: Date = Date()
    ) {
        self.id = id
        self.syncID = syncID
        self.externalID = externalID
        self.localKey = localKey
        self.operation = operation
        self.fields = fields
        self.baseVersion = baseVersion
        self.status = .pending
        self.reason = nil
        self.attempts = 0
        self.failures = 0
        self.firstAttemptAt = nil
        self.availableAt = now
        self.conflictID = nil
        self.createdAt = now
        self.updatedAt = now
        self.pushedAt = nil
    }

    /// `record` as it is with this change applied (`nil`: deleted): the fields named are set, and an object is laid over
    /// the object it meets field by field (as a JSON merge patch does), so `{"properties": {"email": …}}` changes one
    /// property and keeps the others.
    public func applied(to record: JSONObject?) -> JSONObject? {
        switch operation {
        case .delete: nil
        case .create, .update, .replace: Self.overlay(fields ?? [:], on: record ?? [:])
        }
    }

    private static func overlay(_ changes: JSONObject, on record: JSONObject) -> JSONObject {
        var result = record
        for (field, value) in changes {
            if case .object(let nested) = value, case .object(let existing)? = result[field] {
                result[field] = .object(overlay(nested, on: existing))
            } else {
                result[field] = value
            }
        }
        return result
    }
}
