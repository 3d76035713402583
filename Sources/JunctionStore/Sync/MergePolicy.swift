import JunctionCore

/// How a two-way sync settles a field both sides changed to different values: per sync (``MergePolicy/record``), with
/// per-field overrides (``MergePolicy/fields``).
public enum ConflictPolicy: String, Sendable, CaseIterable {
    /// The provider's value stands.
    case remoteWins = "remote-wins"
    /// The application's value stands.
    case localWins = "local-wins"
    /// The value changed last stands, by each side's change time; a tie (or an unknown time) goes to a person.
    case lastWriterWins = "last-writer-wins"
    /// Fields changed on one side only are merged; a field changed on both goes to a person unless a field policy says
    /// otherwise.
    case merge
    /// Any record changed on both sides goes to a person, disjoint changes included (only fields with a policy of their
    /// own are settled).
    case manual
}

/// How a deletion on one side meets an edit on the other.
public enum DeletePolicy: String, Sendable, CaseIterable {
    /// The record is deleted on both sides.
    case deleteWins = "delete-wins"
    /// The edited record stands, and comes back on the side that deleted it.
    case editWins = "edit-wins"
}

/// A two-way sync's rules for settling what both sides changed.
public struct MergePolicy: Sendable, Equatable {
    /// The policy of every field without one of its own.
    public var record: ConflictPolicy
    /// Policies of single fields (`email`, or `properties.email` for a nested one, which otherwise follows its parent's),
    /// over ``record``.
    public var fields: [String: ConflictPolicy]
    /// Deletion against edit.
    public var deletes: DeletePolicy
    /// Whether a blank value (absent, `null` or `""`) on one side never erases a filled one on the other.
    public var keepFilledValues: Bool

    /// A policy: by default `manual`, edits win over deletions, and blanks erase.
    public init(
        record: ConflictPolicy = .manual, fields: [String: ConflictPolicy] = [:], deletes: DeletePolicy = .editWins,
        keepFilledValues: Bool = false
    ) {
        self.record = record
        self.fields = fields
        self.deletes = deletes
        self.keepFilledValues = keepFilledValues
    }
}

extension MergePolicy {
    /// The policy as stored and as the API shows it (`conflictPolicy`, `fieldPolicies`, `deletePolicy`,
    /// `keepFilledValues`).
    public var json: JSONValue {
        .object([
            "conflictPolicy": .string(record.rawValue),
            "fieldPolicies": .object(fields.mapValues { .string($0.rawValue) }),
            "deletePolicy": .string(deletes.rawValue),
            "keepFilledValues": .bool(keepFilledValues),
        ])
    }

    /// A policy from its stored form; what is missing or unknown keeps its default.
    public init(json: JSONValue?) {
        let members = json?.objectValue ?? [:]
        self.init(
            record: members["conflictPolicy"]?.stringValue.flatMap(ConflictPolicy.init(rawValue:)) ?? .manual,
            fields: (members["fieldPolicies"]?.objectValue ?? [:]).compactMapValues { $0.stringValue.flatMap(ConflictPolicy.init(rawValue:)) },
            deletes: members["deletePolicy"]?.stringValue.flatMap(DeletePolicy.init(rawValue:)) ?? .editWins,
            keepFilledValues: members["keepFilledValues"]?.boolValue ?? false)
    }
}
