import Foundation
import JunctionConnectors
import JunctionCore
import JunctionStore

/// A connection's records at its provider, through its connector: listed a page at a time, read, created (one or in
/// a batch), changed and deleted, with deletions learned where the provider reports them. Each record comes back with
/// its provider id and, where the connection has a mapping for the resource (`settings.mappings`), in the
/// application's shape; a write may be in the application's shape too, and is mapped back before it is sent.
public struct ResourceService: Sendable {
    /// A record as callers see it.
    public struct Item: Sendable, Equatable {
        /// The provider's id of the record, where the record has one.
        public var externalID: String?
        /// The provider's record.
        public var record: JSONValue
        /// The record in the application's shape, where there is a mapping (`.null` when mapping it failed).
        public var mapped: JSONValue?
        /// The version of the mapping that made ``mapped``.
        public var mappingVersion: Int?
        /// Why the record could not be mapped.
        public var mappingError: String?
    }

    /// A page of items.
    public struct ItemPage: Sendable {
        /// The page's records.
        public var items: [Item]
        /// Where the next page starts, if there is one.
        public var nextCursor: String?
        /// On the last page, where the next incremental listing starts.
        public var checkpoint: String?
    }

    /// The shape a write's body is in.
    public enum InputShape: String, Sendable {
        /// The provider's own record.
        case provider
        /// The application's shape, mapped back with the connection's mapping.
        case mapped
    }

    /// The largest batch accepted in one call.
    public static let maximumBatch = 10_000

    private let runtime: ConnectionRuntime

    /// A service making its calls through `runtime`.
    public init(runtime: ConnectionRuntime) {
        self.runtime = runtime
    }

    // MARK: Connection-wide

    /// The resources of the connection's provider.
    public func resources(connectionID: String) async throws -> [ResourceDescriptor] {
        let session = try await runtime.open(id: connectionID)
        return try session.requireConnector().descriptor.resources
    }

    /// Runs the provider's health probe with the connection's credentials; answers the connection's provider and how
    /// long the probe took.
    public func test(connectionID: String) async throws -> (provider: String, latency: Duration) {
        let session = try await runtime.open(id: connectionID)
        let connector = try session.requireConnector()
        let started = ContinuousClock.now
        try await connector.probe(session: runtime.connectorSession(session, connector: connector))
        let latency = ContinuousClock.now - started
        await runtime.touch(session)
        return (session.connection.provider, latency)
    }

    // MARK: Records

    /// A page of `resource`'s records.
    public func list(connectionID: String, resource: String, query: ListQuery) async throws -> ItemPage {
        if let limit = query.limit, !(1...1000).contains(limit) {
            throw ApplicationError.invalid(
                "query parameter 'limit' must be a whole number from 1 to 1000, not \(limit)", code: "invalid-parameter")
        }
        let target = try await target(connectionID: connectionID, resource: resource)
        let page = try await target.run { try await $0.list($1, query: query, session: $2) }
        return ItemPage(items: page.records.map(target.item), nextCursor: page.nextCursor, checkpoint: page.checkpoint)
    }

    /// One record.
    public func get(connectionID: String, resource: String, externalID: String) async throws -> Item {
        let id = try Self.checked(externalID: externalID)
        let target = try await target(connectionID: connectionID, resource: resource)
        return target.item(try await target.run { try await $0.get($1, id: id, session: $2) })
    }

    /// Creates a record; `idempotencyKey` makes a retried create happen once where the provider honours keys.
    public func create(
        connectionID: String, resource: String, record: [String: JSONValue], shape: InputShape, idempotencyKey: String?
    ) async throws -> Item {
        let target = try await target(connectionID: connectionID, resource: resource)
        let input = try target.input(record, shape: shape)
        return target.item(try await target.run { try await $0.create($1, record: input, idempotencyKey: idempotencyKey, session: $2) })
    }

    /// Changes a record; answers it as the provider now has it.
    public func update(
        connectionID: String, resource: String, externalID: String, changes: [String: JSONValue], shape: InputShape,
        idempotencyKey: String?
    ) async throws -> Item {
        let id = try Self.checked(externalID: externalID)
        let target = try await target(connectionID: connectionID, resource: resource)
        let input = try target.input(changes, shape: shape)
        return target.item(
            try await target.run { try await $0.update($1, id: id, changes: input, idempotencyKey: idempotencyKey, session: $2) })
    }

    /// Deletes a record (or archives or cancels it, as the provider defines deletion); answers what the provider said.
    public func delete(connectionID: String, resource: String, externalID: String) async throws -> (externalID: String, answer: JSONValue) {
        let id = try Self.checked(externalID: externalID)
        let target = try await target(connectionID: connectionID, resource: resource)
        return (id, try await target.run { try await $0.delete($1, id: id, session: $2) })
    }

    /// Creates many records; a refused record does not fail the others.
    public func createBatch(connectionID: String, resource: String, records: [JSONValue]) async throws -> BatchResult {
        guard (1...Self.maximumBatch).contains(records.count) else {
            throw ApplicationError.invalid("a batch holds from 1 to \(Self.maximumBatch) records, not \(records.count)", code: "invalid-field")
        }
        let target = try await target(connectionID: connectionID, resource: resource)
        return try await target.run { try await $0.createBatch($1, records: records, session: $2) }
    }

    /// A stored file's bytes and media type.
    public func download(connectionID: String, resource: String, externalID: String) async throws -> (data: Data, contentType: String) {
        let id = try Self.checked(externalID: externalID)
        let target = try await target(connectionID: connectionID, resource: resource)
        return try await target.run { try await $0.download($1, id: id, session: $2) }
    }

    /// Deletions (and updated ids, where the provider reports them) between `since` and `until` (default now), both
    /// ``TimeParameter``s. A window that is empty (it starts in the future, or ends before it starts) has no changes.
    public func changes(connectionID: String, resource: String, since sinceText: String, until untilText: String?) async throws
        -> ChangeSet
    {
        let since = try Self.time(sinceText, parameter: "since")
        // Nothing has changed after now.
        let until = min(try untilText.map { try Self.time($0, parameter: "until") } ?? Date(), Date())
        let target = try await target(connectionID: connectionID, resource: resource)
        guard since < until else { return ChangeSet(deleted: [], updatedIDs: nil, coveredUntil: nil) }
        return try await target.run { try await $0.changes($1, since: since, until: until, session: $2) }
    }

    // MARK: Input

    /// The time a query parameter names (``TimeParameter``); `parameter` names it in the error.
    public static func time(_ text: String, parameter: String) throws(ApplicationError) -> Date {
        guard let date = TimeParameter.date(from: text) else {
            throw .invalid(
                "query parameter '\(parameter)' must be an RFC 3339 time from 1970 (2024-05-01T12:00:00Z) or Unix seconds, "
                    + "not '\(text.prefix(64))'",
                code: "invalid-parameter")
        }
        return date
    }

    /// A record id from a path: not empty, at most 1024 characters, and not `.` or `..`, which would name the
    /// collection or its parent once a server normalizes the path.
    static func checked(externalID id: String) throws(ApplicationError) -> String {
        guard !id.isEmpty, id.count <= 1024 else {
            throw .invalid("the record id in the path is empty or longer than 1024 characters", code: "invalid-parameter")
        }
        guard id != ".", id != ".." else { throw .invalid("'\(id)' is not a record id", code: "invalid-parameter") }
        return id
    }

    private func target(connectionID: String, resource name: String) async throws -> ResourceTarget {
        let session = try await runtime.open(id: connectionID)
        let connector = try session.requireConnector()
        let resource = try connector.resource(named: name)
        let mappings = try session.connection.settings["mappings"].map { try ResourceMappings(settings: $0, provider: connector.descriptor) }
        return ResourceTarget(
            runtime: runtime, session: session, connector: connector, resource: resource,
            connectorSession: runtime.connectorSession(session, connector: connector), mapper: mappings?.mapper(for: resource.name))
    }
}
