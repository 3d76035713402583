import Foundation
import JunctionConnectors
import JunctionCore
import JunctionStore

/// The application's changes to the records of a push or two-way sync: checked, mapped back to the provider's shape,
/// committed with their base version, and answered at once; ``SyncPusher`` carries them to the provider.
public struct SyncChangeService: Sendable {
    /// What the application asks for.
    public struct Write: Sendable {
        /// What it does.
        public var operation: SyncLocalChange.Operation
        /// The provider's id of the record (every operation but create).
        public var externalID: String?
        /// The application's key of a created record.
        public var localKey: String?
        /// The fields (create, update, replace), in the application's shape where the connection maps the resource.
        public var record: JSONObject?
        /// The record's version the change was made against; refused when the record changed since.
        public var baseVersion: Int64?

        /// A write.
        public init(
            operation: SyncLocalChange.Operation, externalID: String? = nil, localKey: String? = nil, record: JSONObject? = nil,
            baseVersion: Int64? = nil
        ) {
            self.operation = operation
            self.externalID = externalID
            self.localKey = localKey
            self.record = record
            self.baseVersion = baseVersion
        }
    }

    private let database: Database
    private let queue: JobQueue
    private let catalog: ProviderCatalog

    /// A service over the store and queue, knowing the providers of `catalog`.
    public init(database: Database, queue: JobQueue, catalog: ProviderCatalog) {
        self.database = database
        self.queue = queue
        self.catalog = catalog
    }

    /// Commits `write` to `syncID` and queues its push; returns the change (for a repeated create, the first one) and
    /// whether it was a repeat.
    public func submit(syncID: String, _ write: Write) async throws -> SyncChangeStore.Submission {
        let sync = try await Self.sync(syncID, database: database)
        guard sync.direction.acceptsLocalChanges else {
            throw ApplicationError(
                kind: .conflict, code: "sync-pull-only", title: "Sync only pulls",
                detail: "sync \(sync.id) only pulls from the provider; set its direction to push or bidirectional to change records through it")
        }
        let (resource, mapper) = try await resourceAndMapper(of: sync)
        let required: ResourceDescriptor.Operation =
            switch write.operation {
            case .create: .create
            case .update, .replace: .update
            case .delete: .delete
            }
        guard resource.operations.contains(required) else {
            throw ApplicationError(
                kind: .conflict, code: "operation-not-supported", title: "Operation not supported",
                detail: "\(resource.name) of this provider cannot be \(required == .create ? "created" : required == .update ? "updated" : "deleted")")
        }
        if let id = write.externalID { try Self.checkExternalID(id) }
        if let key = write.localKey { try Self.checkText(key, name: "localKey") }
        var fields: JSONObject?
        if let record = write.record {
            fields = try Self.providerFields(record, mapper: mapper, replacing: write.operation == .replace, resource: resource)
        } else if write.operation != .delete {
            throw ApplicationError.invalid("the request body must be a JSON object of the record's fields")
        }
        let change = SyncLocalChange(
            syncID: sync.id, externalID: write.externalID, localKey: write.localKey, operation: write.operation, fields: fields, baseVersion: nil)
        let queue = queue
        let submission: SyncChangeStore.Submission
        do {
            submission = try await SyncChangeStore(database: database).submit(
                change, expectedVersion: write.baseVersion, allowUnknownRecord: sync.direction == .push
            ) { sql in
                try await queue.enqueue([SyncPusher.job(syncID: sync.id)], using: sql).first != .duplicate
            }
        } catch let error as SyncChangeStore.ChangeError {
            throw Self.applicationError(error)
        }
        queue.wakeLocalWorkers()
        return submission
    }

    /// The change `changeID` of `syncID`.
    public func change(syncID: String, changeID: String) async throws -> SyncLocalChange {
        _ = try await Self.sync(syncID, database: database)
        guard ResourceID.isWellFormed(changeID, prefix: SyncLocalChange.idPrefix),
            let change = try await SyncChangeStore(database: database).change(syncID: syncID, id: changeID)
        else { throw ApplicationError.notFound("change", id: changeID, prefix: SyncLocalChange.idPrefix) }
        return change
    }

    /// The sync `id`, or not found.
    static func sync(_ id: String, database: Database) async throws -> SyncDefinition {
        guard ResourceID.isWellFormed(id, prefix: SyncDefinition.idPrefix), let sync = try await SyncRepository(database: database).find(id: id)
        else { throw SyncService.notFound(id) }
        return sync
    }

    /// The sync's resource and the connection's mapping of it (read without opening the connection's credentials).
    func resourceAndMapper(of sync: SyncDefinition) async throws -> (ResourceDescriptor, DataMapper?) {
        let connection = try await ConnectionRepository(database: database).existingResolved(id: sync.connectionID)
        guard let connector = catalog.connector(named: connection.provider) else {
            throw ApplicationError(
                kind: .conflict, code: "provider-unknown", title: "Provider unknown",
                detail: "this server has no connector for the connection's provider '\(connection.provider)'")
        }
        let resource: ResourceDescriptor
        do { resource = try connector.resource(named: sync.resource) } catch { throw ApplicationError.invalid(error.detail) }
        let mapper = try connection.settings["mappings"].map { try ResourceMappings(settings: $0, provider: connector.descriptor) }?
            .mapper(for: resource.name)
        return (resource, mapper)
    }

    /// `record`'s fields in the provider's shape: mapped back where a mapping exists (every field must be one it
    /// maps; `null` clears the provider's field; a replace clears the mapped fields it leaves out), else as given.
    /// The provider's id is never changed by a write.
    static func providerFields(
        _ record: JSONObject, mapper: DataMapper?, replacing: Bool, resource: ResourceDescriptor
    ) throws(ApplicationError) -> JSONObject {
        guard let mapper else {
            if let value = record[resource.idField], value != .null {
                throw .invalid("field '\(resource.idField)' is the provider's id of the record, which a change cannot set", code: "invalid-field")
            }
            return record
        }
        let writable = mapper.mapping.fields.filter { $0.source != nil && $0.template == nil }
        let targets = Set(writable.map { topLevel($0.target) })
        let unknown = record.keys.filter { !targets.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw .invalid(
                "field\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\($0)'" }.joined(separator: ", ")) "
                    + "\(unknown.count == 1 ? "is" : "are") not in the connection's mapping of \(resource.name); it maps "
                    + targets.sorted().joined(separator: ", "),
                code: "unknown-fields", details: ["unknownFields": .array(unknown.map { .string($0) })])
        }
        var mapped: JSONObject
        do {
            mapped = try mapper.outbound(.object(record)).objectValue ?? [:]
        } catch {
            throw .invalid(error.description, code: "invalid-field")
        }
        // The mapper leaves out what is null or absent: a null clears the provider's field, and so does an absent one
        // in a whole-record write.
        for field in writable {
            guard let source = field.source, let target = JSONPath(field.target) else { continue }
            let value = target.value(in: .object(record))
            if value == .null || (replacing && value == nil) {
                let key = topLevel(source)
                if key == source {
                    mapped[key] = .null
                } else if let path = JSONPath(source), mapped[key] == nil || mapped[key]?.objectValue != nil {
                    mapped = path.setting(.null, in: .object(mapped)).objectValue ?? mapped
                }
            }
        }
        mapped[topLevel(resource.idField)] = nil
        return mapped
    }

    static func topLevel(_ path: String) -> String {
        String(path.prefix { $0 != "." && $0 != "[" })
    }

    /// A provider id as a path carries it: 1 to 255 characters, none a control character or `/`.
    static func checkExternalID(_ id: String) throws(ApplicationError) {
        guard (1...255).contains(id.count), !id.contains("/") else {
            throw .invalid("a record id is 1 to 255 characters without '/'", code: "invalid-parameter")
        }
        try checkText(id, name: "externalId")
    }

    /// Text without control characters, at most 255 characters.
    static func checkText(_ text: String, name: String) throws(ApplicationError) {
        guard ConnectionValidation.isPlainText(text, maximum: 255) else {
            throw .invalid("'\(name)' must be 1 to 255 characters without control characters", code: "invalid-parameter")
        }
    }

    /// The API's error for a refused change.
    static func applicationError(_ error: SyncChangeStore.ChangeError) -> ApplicationError {
        switch error {
        case .syncNotFound(let id): SyncService.notFound(id)
        case .unknownRecord(let id):
            .notFound("the sync holds no record '\(id.prefix(255))' (run it first, or create the record with POST …/records)")
        case .versionMismatch(let id, let expected, let actual):
            ApplicationError(
                kind: .conflict, code: "version-mismatch", title: "Record changed",
                detail: "record '\(id.prefix(255))' is at version \(actual), not \(expected): read it again from the feed, or send the change without baseVersion",
                details: ["version": .integer(exactly: actual)])
        case .conflictNotFound(let id): .notFound("conflict", id: id, prefix: SyncConflict.idPrefix)
        case .conflictResolved(let id):
            ApplicationError(
                kind: .conflict, code: "conflict-resolved", title: "Conflict already resolved", detail: "conflict \(id) is already resolved")
        }
    }
}
