import Foundation
import JunctionApp
import JunctionStore
import JunctionCore
import Testing

/// The two-way merge rules as pure functions, exhaustively: every combination of a field's state on each side
/// (unchanged, changed, changed to the other side's value, blank, absent) under every policy, against an oracle
/// written from the rules; then the record-level cases (creates, deletes against edits, `manual` against `merge`).
@Suite("Three-way merge")
struct ThreeWayMergeTests {
    static let early = Date(timeIntervalSince1970: 1_000)
    static let late = Date(timeIntervalSince1970: 2_000)
    /// A field's possible values: absent, blank, the base's, each side's own, and one both sides may choose.
    static let values: [JSONValue?] = [nil, .null, "", "base", "mine", "theirs", "shared"]

    /// What the rules say a field becomes; `nil` (outer) when a person must decide. The remote side changed later.
    static func oracle(base: JSONValue?, local: JSONValue?, remote: JSONValue?, policy: ConflictPolicy, keepFilled: Bool) -> JSONValue?? {
        func blank(_ value: JSONValue?) -> Bool { value == nil || value == .null || value == "" }
        if local == remote { return .some(local) }
        if keepFilled, blank(local) != blank(remote) { return .some(blank(local) ? remote : local) }
        if local == base { return .some(remote) }
        if remote == base { return .some(local) }
        switch policy {
        case .remoteWins, .lastWriterWins: return .some(remote)
        case .localWins: return .some(local)
        case .merge, .manual: return nil
        }
    }

    @Test("Every field state on each side, under every policy, with and without keeping filled values")
    func everyFieldCombination() {
        var cases = 0
        for base in Self.values {
            for local in Self.values {
                for remote in Self.values {
                    for policy in ConflictPolicy.allCases {
                        for keepFilled in [false, true] {
                            func record(_ value: JSONValue?) -> JSONObject {
                                var fields: JSONObject = ["id": "r1"]
                                if let value { fields["field"] = value }
                                return fields
                            }
                            let outcome = ThreeWayMerge.merge(
                                base: record(base), local: .init(record(local), changedAt: Self.early),
                                remote: .init(record(remote), changedAt: Self.late),
                                policy: MergePolicy(record: policy, keepFilledValues: keepFilled))
                            let expected = Self.oracle(base: base, local: local, remote: remote, policy: policy, keepFilled: keepFilled)
                            let label = "base \(String(describing: base)), local \(String(describing: local)), remote \(String(describing: remote)), \(policy), keep \(keepFilled)"
                            switch expected {
                            case .some(let value):
                                #expect(!outcome.needsPerson, "\(label)")
                                #expect(outcome.merged?["field"] == value, "\(label)")
                                #expect(outcome.merged?["id"] == "r1")
                            case nil:
                                #expect(outcome.conflicts == [.init(field: "field", base: base, local: local, remote: remote)], "\(label)")
                                #expect(outcome.merged?["field"] == base, "a conflicting field stays at its base: \(label)")
                            }
                            cases += 1
                        }
                    }
                }
            }
        }
        #expect(cases == 7 * 7 * 7 * 5 * 2)
    }

    @Test("Disjoint changes merge under merge and every winner policy, and go to a person under manual")
    func disjointChanges() {
        let base: JSONObject = ["name": "Ada", "email": "ada@example.com", "plan": "free"]
        let local = ThreeWayMerge.Side(["name": "Ada Lovelace", "email": "ada@example.com", "plan": "free"])
        let remote = ThreeWayMerge.Side(["name": "Ada", "email": "ada@example.com", "plan": "pro"])
        for policy in [ConflictPolicy.merge, .remoteWins, .localWins, .lastWriterWins] {
            let outcome = ThreeWayMerge.merge(base: base, local: local, remote: remote, policy: MergePolicy(record: policy))
            #expect(outcome.merged == ["name": "Ada Lovelace", "email": "ada@example.com", "plan": "pro"], "\(policy)")
            #expect(!outcome.needsPerson)
        }
        let manual = ThreeWayMerge.merge(base: base, local: local, remote: remote, policy: MergePolicy(record: .manual))
        #expect(manual.conflicts.map(\.field) == ["name", "plan"])
        #expect(manual.merged == base, "nothing is applied before a person decides")
        // A field with a policy of its own is settled, and does not make the record a person's to settle.
        let overridden = ThreeWayMerge.merge(
            base: base, local: local, remote: .init(["name": "Ada", "email": "a@lovelace.dev", "plan": "free"]),
            policy: MergePolicy(record: .manual, fields: ["email": .remoteWins]))
        #expect(!overridden.needsPerson)
        #expect(overridden.merged == ["name": "Ada Lovelace", "email": "a@lovelace.dev", "plan": "free"])
    }

    @Test("A field changed on both sides falls to its own policy, then the sync's; last-writer-wins needs both times, and different ones")
    func collisions() {
        let base: JSONObject = ["email": "a@x", "phone": "1"]
        let local = ThreeWayMerge.Side(["email": "b@x", "phone": "2"], changedAt: Self.late)
        let remote = ThreeWayMerge.Side(["email": "c@x", "phone": "3"], changedAt: Self.early)
        let outcome = ThreeWayMerge.merge(base: base, local: local, remote: remote, policy: MergePolicy(record: .merge, fields: ["email": .remoteWins]))
        #expect(outcome.merged?["email"] == "c@x")
        #expect(outcome.conflicts.map(\.field) == ["phone"])
        let lww = ThreeWayMerge.merge(base: base, local: local, remote: remote, policy: MergePolicy(record: .lastWriterWins))
        #expect(lww.merged == ["email": "b@x", "phone": "2"], "the local side changed later")
        for (localTime, remoteTime) in [(Self.early, Self.early), (nil, Self.early), (Self.early, nil)] as [(Date?, Date?)] {
            let undecided = ThreeWayMerge.merge(
                base: base, local: .init(local.record, changedAt: localTime), remote: .init(remote.record, changedAt: remoteTime),
                policy: MergePolicy(record: .lastWriterWins))
            #expect(undecided.conflicts.count == 2, "a tie or an unknown time is a person's to settle")
        }
    }

    @Test("Deletions against edits, both deleted, and records new on one or both sides")
    func recordLevel() {
        let base: JSONObject = ["name": "Ada"]
        let edited: JSONObject = ["name": "Ada Lovelace"]
        for deletes in DeletePolicy.allCases {
            let policy = MergePolicy(deletes: deletes)
            // A deletion against an unchanged record deletes it, whatever the rule.
            #expect(ThreeWayMerge.merge(base: base, local: .init(nil), remote: .init(base), policy: policy).merged == nil)
            #expect(ThreeWayMerge.merge(base: base, local: .init(base), remote: .init(nil), policy: policy).merged == nil)
            // Against an edit, the rule decides.
            let expected: JSONObject? = deletes == .editWins ? edited : nil
            #expect(ThreeWayMerge.merge(base: base, local: .init(nil), remote: .init(edited), policy: policy).merged == expected)
            #expect(ThreeWayMerge.merge(base: base, local: .init(edited), remote: .init(nil), policy: policy).merged == expected)
            #expect(ThreeWayMerge.merge(base: base, local: .init(nil), remote: .init(nil), policy: policy).merged == nil)
        }
        // New on one side: taken. New on both with the same key: merged field by field from an empty base.
        #expect(ThreeWayMerge.merge(base: nil, local: .init(edited), remote: .init(nil), policy: MergePolicy()).merged == edited)
        #expect(ThreeWayMerge.merge(base: nil, local: .init(nil), remote: .init(edited), policy: MergePolicy()).merged == edited)
        let both = ThreeWayMerge.merge(
            base: nil, local: .init(["name": "Ada", "email": "a@x"]), remote: .init(["name": "Ada", "plan": "pro"]),
            policy: MergePolicy(record: .merge))
        #expect(both.merged == ["name": "Ada", "email": "a@x", "plan": "pro"])
        let clash = ThreeWayMerge.merge(base: nil, local: .init(["name": "Ada"]), remote: .init(["name": "Grace"]), policy: MergePolicy(record: .merge))
        #expect(clash.conflicts.map(\.field) == ["name"])
    }

    @Test("Nested objects merge field by field: different properties merge, the same one collides under its dotted path, and a nested field's own policy settles it without a person")
    func nested() {
        let base: JSONObject = ["id": "1", "properties": ["firstname": "Ada", "lastname": "L", "modified": "t0"]]
        let local = ThreeWayMerge.Side(["id": "1", "properties": ["firstname": "Ada!", "lastname": "L", "modified": "t0"]])
        let remote = ThreeWayMerge.Side(["id": "1", "properties": ["firstname": "Ada", "lastname": "Lovelace", "modified": "t1"]])
        let merged = ThreeWayMerge.merge(base: base, local: local, remote: remote, policy: MergePolicy(record: .merge))
        #expect(!merged.needsPerson)
        #expect(merged.merged == ["id": "1", "properties": ["firstname": "Ada!", "lastname": "Lovelace", "modified": "t1"]])

        let clashing = ThreeWayMerge.Side(["id": "1", "properties": ["firstname": "Augusta", "lastname": "L", "modified": "t1"]])
        let clash = ThreeWayMerge.merge(base: base, local: local, remote: clashing, policy: MergePolicy(record: .merge))
        #expect(clash.conflicts == [.init(field: "properties.firstname", base: "Ada", local: "Ada!", remote: "Augusta")])
        let settled = ThreeWayMerge.merge(
            base: base, local: local, remote: clashing, policy: MergePolicy(record: .merge, fields: ["properties.firstname": .localWins]))
        #expect(settled.merged?["properties"]?["firstname"] == "Ada!")
        // A parent's policy covers its fields.
        let parent = ThreeWayMerge.merge(base: base, local: local, remote: clashing, policy: MergePolicy(record: .merge, fields: ["properties": .remoteWins]))
        #expect(parent.merged?["properties"]?["firstname"] == "Augusta")

        // Under manual, changes on both sides go to a person, unless the changed fields have policies of their own,
        // nested ones included.
        #expect(ThreeWayMerge.merge(base: base, local: local, remote: remote, policy: MergePolicy(record: .manual)).needsPerson)
        let owned = ThreeWayMerge.merge(
            base: base, local: local, remote: remote,
            policy: MergePolicy(record: .manual, fields: ["properties.lastname": .remoteWins, "properties.modified": .remoteWins]))
        #expect(!owned.needsPerson)
        #expect(owned.merged == merged.merged)
    }
}
