import Foundation
import JunctionCore
import JunctionStore

/// Settles one record changed on both sides of a two-way sync, against the base version both last agreed on: a
/// change on one side only is taken (no write is lost), an equal change on both is no conflict, and a field changed
/// on both to different values is settled by its policy or handed to a person. Pure: the caller applies the outcome.
public enum ThreeWayMerge {
    /// One side of a record: its fields, or `nil` when that side deleted it (or, without a base, never had it).
    public struct Side: Sendable, Equatable {
        /// The record's fields, or `nil` when deleted or absent.
        public var record: JSONObject?
        /// When that side last changed it, for `last-writer-wins`.
        public var changedAt: Date?

        /// A side.
        public init(_ record: JSONObject?, changedAt: Date? = nil) {
            self.record = record
            self.changedAt = changedAt
        }
    }

    /// A field both sides changed to different values, left to a person.
    public struct FieldConflict: Sendable, Equatable {
        /// The top-level field.
        public var field: String
        /// Its value in the base (`nil`: absent).
        public var base: JSONValue?
        /// The application's value (`nil`: absent).
        public var local: JSONValue?
        /// The provider's value (`nil`: absent).
        public var remote: JSONValue?

        /// A conflict on `field`.
        public init(field: String, base: JSONValue?, local: JSONValue?, remote: JSONValue?) {
            self.field = field
            self.base = base
            self.local = local
            self.remote = remote
        }
    }

    /// What the merge decided.
    public struct Outcome: Sendable, Equatable {
        /// The record both sides should hold (`nil`: deleted on both); with conflicts, what is settled so far, the
        /// conflicting fields at their base value.
        public var merged: JSONObject?
        /// The fields left to a person; empty when the record is settled.
        public var conflicts: [FieldConflict]

        /// Whether a person must decide before anything is applied.
        public var needsPerson: Bool { !conflicts.isEmpty }
    }

    /// Merges `local` and `remote` against `base` (`nil`: the record is new on one or both sides) under `policy`.
    public static func merge(base: JSONObject?, local: Side, remote: Side, policy: MergePolicy) -> Outcome {
        switch (local.record, remote.record) {
        case (nil, nil):
            return Outcome(merged: nil, conflicts: [])
        case (nil, let kept?), (let kept?, nil):
            // One side deleted (or, without a base, the other created).
            guard let base else { return Outcome(merged: kept, conflicts: []) }
            let edited = kept != base
            if !edited || policy.deletes == .deleteWins { return Outcome(merged: nil, conflicts: []) }
            return Outcome(merged: kept, conflicts: [])
        case (let localRecord?, let remoteRecord?):
            return fields(base: base ?? [:], local: localRecord, remote: remoteRecord, times: (local.changedAt, remote.changedAt), policy: policy)
        }
    }

    /// Merges the fields of one object. Objects on both sides (HubSpot's `properties`, Stripe's `metadata`) are merged
    /// field by field in turn, so edits of different nested fields do not collide; a nested field's policy is its
    /// dotted path's (`properties.email`), else its parent's.
    ///
    /// The merge starts from the provider's version and visits only the fields where the application's differs from
    /// it (a field equal on both sides, or absent from both, is settled as it is): most of a record costs one lookup.
    private static func fields(
        base: JSONObject, local: JSONObject, remote: JSONObject, times: (local: Date?, remote: Date?), policy: MergePolicy,
        prefix: String = "", inherited: ConflictPolicy? = nil, bothChanged known: Bool? = nil
    ) -> Outcome {
        // Under `manual`, a record changed on both sides (in fields without a policy of their own) is a person's to
        // settle; equal changes do not count. Only `manual` asks, so nothing is computed for the other policies.
        let bothChanged =
            known
            ?? {
                guard policy.record == .manual || policy.fields.values.contains(.manual) else { return false }
                let open = openChanges(base: base, local: local, remote: remote, prefix: prefix, inherited: inherited, policy: policy)
                return open.local && open.remote
            }()
        var merged = remote
        var conflicts: [FieldConflict] = []
        func settleField(_ name: String, local l: JSONValue?, remote r: JSONValue?) {
            let path = prefix.isEmpty ? name : prefix + "." + name
            let fieldPolicy = policy.fields.isEmpty ? inherited : policy.fields[path] ?? inherited
            let b = base[name]
            let value: JSONValue?
            if case .object(let localObject)? = l, case .object(let remoteObject)? = r, b == nil || b?.objectValue != nil {
                let nested = fields(
                    base: b?.objectValue ?? [:], local: localObject, remote: remoteObject, times: times, policy: policy, prefix: path,
                    inherited: fieldPolicy, bothChanged: bothChanged)
                conflicts += nested.conflicts
                value = .object(nested.merged ?? [:])
            } else if let kept = policy.keepFilledValues ? filled(l, over: r) : nil {
                value = kept
            } else {
                let effective = fieldPolicy ?? policy.record
                if l == b, effective != .manual || !bothChanged || fieldPolicy != nil {
                    value = r
                } else if r == b, effective != .manual || !bothChanged || fieldPolicy != nil {
                    value = l
                } else {
                    switch settle(effective, local: l, remote: r, times: times) {
                    case .some(let settled):
                        value = settled
                    case nil:
                        conflicts.append(FieldConflict(field: path, base: b, local: l, remote: r))
                        value = b
                    }
                }
            }
            if let value { merged[name] = value } else { merged.removeValue(forKey: name) }
        }
        for (name, l) in local where l != remote[name] { settleField(name, local: l, remote: remote[name]) }
        for (name, r) in remote where local[name] == nil { settleField(name, local: nil, remote: r) }
        if conflicts.count > 1 { conflicts.sort { $0.field < $1.field } }
        return Outcome(merged: merged, conflicts: conflicts)
    }

    /// Whether each side changed a field, nested ones included, that has no policy of its own (nor its parent's) and
    /// differs between the sides: what makes a record "changed on both sides" under `manual`.
    private static func openChanges(
        base: JSONObject, local: JSONObject, remote: JSONObject, prefix: String, inherited: ConflictPolicy?, policy: MergePolicy
    ) -> (local: Bool, remote: Bool) {
        var changed = (local: false, remote: false)
        for name in Set(base.keys).union(local.keys).union(remote.keys) {
            let path = prefix.isEmpty ? name : prefix + "." + name
            let fieldPolicy = policy.fields[path] ?? inherited
            let (b, l, r) = (base[name], local[name], remote[name])
            guard l != r else { continue }
            if case .object(let localObject)? = l, case .object(let remoteObject)? = r, b == nil || b?.objectValue != nil {
                let nested = openChanges(
                    base: b?.objectValue ?? [:], local: localObject, remote: remoteObject, prefix: path, inherited: fieldPolicy, policy: policy)
                changed = (changed.local || nested.local, changed.remote || nested.remote)
            } else if fieldPolicy == nil {
                changed = (changed.local || l != b, changed.remote || r != b)
            }
        }
        return changed
    }

    /// A field's value under `policy` when both sides differ; `nil` (outer) when a person must decide.
    private static func settle(
        _ policy: ConflictPolicy, local: JSONValue?, remote: JSONValue?, times: (local: Date?, remote: Date?)
    ) -> JSONValue?? {
        switch policy {
        case .remoteWins: return .some(remote)
        case .localWins: return .some(local)
        case .lastWriterWins:
            guard let localTime = times.local, let remoteTime = times.remote, localTime != remoteTime else { return nil }
            return .some(localTime > remoteTime ? local : remote)
        case .merge, .manual: return nil
        }
    }

    /// With `keepFilledValues`: the filled value when exactly one of the two is blank (absent, `null` or `""`).
    private static func filled(_ local: JSONValue?, over remote: JSONValue?) -> JSONValue?? {
        switch (isBlank(local), isBlank(remote)) {
        case (true, false): return .some(remote)
        case (false, true): return .some(local)
        default: return nil
        }
    }

    static func isBlank(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null?: true
        case .string(let text)?: text.isEmpty
        default: false
        }
    }
}
