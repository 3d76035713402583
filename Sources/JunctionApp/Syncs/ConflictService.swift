import Foundation
import JunctionConnectors
import JunctionCore
import JunctionStore

/// The conflict queue of two-way syncs: what both sides did to a record, field by field, and a person's resolution,
/// which is committed as a change and pushed like any other.
public struct ConflictService: Sendable {
    /// A conflict as a person reads it.
    public struct Detail: Sendable, Equatable {
        /// The conflict.
        public var conflict: SyncConflict
        /// The application's version: the base with the conflict's changes laid over it (`nil`: deleted).
        public var local: JSONObject?
        /// What the sync's policy settles, the conflicting fields at their base value.
        public var merged: ThreeWayMerge.Outcome
        /// Every field either side changed since the base.
        public var fields: [Field]
        /// The changes waiting on it.
        public var changeIDs: [String]
    }

    /// One field either side changed.
    public struct Field: Sendable, Equatable {
        /// The top-level field.
        public var name: String
        /// Its values (`nil`: absent).
        public var base, local, remote: JSONValue?
        /// Whether the application changed it since the base.
        public var changedLocally: Bool
        /// Whether the provider changed it since the base.
        public var changedRemotely: Bool
        /// Whether the merge left it to a person.
        public var conflicting: Bool
    }

    /// How a person settles a conflict.
    public enum Resolution: Sendable, Equatable {
        /// The application's values of the conflicting fields (what the policy settled stands); under `manual`, where
        /// every changed field conflicts, the application's version.
        case takeLocal
        /// The provider's values of the conflicting fields, likewise.
        case takeRemote
        /// A merged record, in the provider's shape.
        case record(JSONObject)
    }

    private let database: Database
    private let queue: JobQueue

    /// A service over the store and queue.
    public init(database: Database, queue: JobQueue) {
        self.database = database
        self.queue = queue
    }

    private var store: SyncChangeStore { SyncChangeStore(database: database) }

    /// A page of conflicts.
    public func list(_ filter: SyncChangeStore.ConflictFilter, page: PageRequest) async throws -> Page<Detail> {
        if let id = filter.syncID, !ResourceID.isWellFormed(id, prefix: SyncDefinition.idPrefix) {
            throw ApplicationError.invalid("query parameter 'syncId' is not a sync id (sync_01J…)", code: "invalid-parameter")
        }
        let fetched = try await store.conflicts(filter, after: page.cursor, limit: page.limit + 1)
        var details: [Detail] = []
        for conflict in fetched { details.append(try await detail(conflict)) }
        return Page(fetched: details, limit: page.limit, cursor: \.conflict.id)
    }

    /// The conflict `id`, field by field.
    public func conflict(id: String) async throws -> Detail {
        guard ResourceID.isWellFormed(id, prefix: SyncConflict.idPrefix), let conflict = try await store.conflict(id: id) else {
            throw ApplicationError.notFound("conflict", id: id, prefix: SyncConflict.idPrefix)
        }
        return try await detail(conflict)
    }

    /// Resolves the open conflict `id` as `resolution`, noting `person`, and queues the push of the result.
    public func resolve(id: String, _ resolution: Resolution, by person: String?) async throws -> Detail {
        let current = try await conflict(id: id)
        guard current.conflict.status == .open else {
            throw SyncChangeService.applicationError(.conflictResolved(id))
        }
        if let person { try SyncChangeService.checkText(person, name: "resolvedBy") }
        let conflict = current.conflict
        let resolved: JSONObject?
        let described: JSONValue
        switch resolution {
        case .takeLocal: (resolved, described) = (Self.settled(current, takingLocal: true), ["take": "local"])
        case .takeRemote: (resolved, described) = (Self.settled(current, takingLocal: false), ["take": "remote"])
        case .record(let record):
            // The provider's id and change time are the provider's: the push never sends them.
            (resolved, described) = (record, ["record": .object(record)])
        }
        var fields = resolved
        if var record = fields {
            // The result is the whole record: what the provider's version has and it does not is cleared.
            for key in (conflict.remote ?? [:]).keys where record[key] == nil { record[key] = .null }
            fields = record
        }
        let change = SyncLocalChange(
            syncID: conflict.syncID, externalID: conflict.externalID, operation: resolved == nil ? .delete : .replace, fields: fields,
            baseVersion: nil)
        let queue = queue
        do {
            _ = try await store.resolve(conflictID: id, by: person ?? "admin", resolution: described, resolutionChange: change) { sql in
                try await queue.enqueue([SyncPusher.job(syncID: conflict.syncID)], using: sql).first != .duplicate
            }
        } catch let error as SyncChangeStore.ChangeError {
            throw SyncChangeService.applicationError(error)
        }
        queue.wakeLocalWorkers()
        return try await self.conflict(id: id)
    }

    /// The conflict with its local version and field differences.
    private func detail(_ conflict: SyncConflict) async throws -> Detail {
        let changes = try await store.changes(conflictID: conflict.id)
        let pending = changes.filter { $0.status == .conflict || $0.status == .resolved }
        let local = pending.reduce(conflict.base) { $1.applied(to: $0) }
        let policy = try await SyncRepository(database: database).find(id: conflict.syncID)?.mergePolicy ?? MergePolicy()
        let outcome = ThreeWayMerge.merge(base: conflict.base, local: .init(local), remote: .init(conflict.remote), policy: policy)
        let conflicting = Set(outcome.conflicts.map(\.field))
        // Nested objects are shown field by field (`properties.email`), as they are merged.
        let base = Self.flattened(conflict.base ?? [:]), mine = local.map { Self.flattened($0) }, theirs = conflict.remote.map { Self.flattened($0) }
        let names = Set(base.keys).union((mine ?? [:]).keys).union((theirs ?? [:]).keys).sorted()
        let fields = names.compactMap { name -> Field? in
            let (b, l, r) = (base[name], mine?[name], theirs?[name])
            let changedLocally = l != b, changedRemotely = r != b
            guard changedLocally || changedRemotely else { return nil }
            return Field(
                name: name, base: b, local: l, remote: r, changedLocally: changedLocally, changedRemotely: changedRemotely,
                conflicting: conflicting.contains(name))
        }
        return Detail(conflict: conflict, local: local, merged: outcome, fields: fields, changeIDs: changes.map(\.id))
    }

    /// The record the conflict settles to when one side's values of its conflicting fields are taken: the merge with
    /// those fields filled in (`nil`: deleted, when that side deleted the record).
    static func settled(_ detail: Detail, takingLocal: Bool) -> JSONObject? {
        let side = takingLocal ? detail.local : detail.conflict.remote
        guard side != nil, var record = detail.merged.merged.map(JSONValue.object) else { return nil }
        for conflict in detail.merged.conflicts {
            guard let path = JSONPath(conflict.field) else { continue }
            record = path.setting((takingLocal ? conflict.local : conflict.remote) ?? .null, in: record)
        }
        return record.objectValue
    }

    /// `object` with its nested objects' fields as dotted paths (`properties.email`).
    static func flattened(_ object: JSONObject, prefix: String = "") -> JSONObject {
        var flat: JSONObject = [:]
        for (name, value) in object {
            let path = prefix.isEmpty ? name : prefix + "." + name
            if case .object(let nested) = value, !nested.isEmpty {
                flat.merge(flattened(nested, prefix: path)) { $1 }
            } else {
                flat[path] = value
            }
        }
        return flat
    }
}
