import Foundation
import JunctionConnectors
import JunctionCore
import JunctionStore

/// A sync's connection, opened, with the resource it keeps and the connection's mapping of it: what runs read through
/// and pushes write through.
struct SyncTarget: Sendable {
    let connector: any Connector
    let resource: ResourceDescriptor
    let session: ConnectorSession
    let mapper: DataMapper?
    /// The top-level fields only the provider writes: its id and its change-time field. A push never sends them.
    let providerManaged: Set<String>
    /// The sync's merge policy, with ``providerManaged`` fields always the provider's.
    let mergePolicy: MergePolicy

    init(sync: SyncDefinition, connector: any Connector, resource: ResourceDescriptor, session: ConnectorSession, mapper: DataMapper?) {
        self.connector = connector
        self.resource = resource
        self.session = session
        self.mapper = mapper
        func topLevel(_ path: String) -> String { String(path.prefix { $0 != "." && $0 != "[" }) }
        var managed: Set<String> = [topLevel(resource.idField)]
        if let cursor = resource.cursorField { managed.insert(topLevel(cursor)) }
        providerManaged = managed
        var policy = sync.mergePolicy
        for field in managed { policy.fields[field] = .remoteWins }
        mergePolicy = policy
    }

    /// Opens `sync`'s connection through `runtime`.
    static func open(_ sync: SyncDefinition, runtime: ConnectionRuntime) async throws -> SyncTarget {
        let opened = try await runtime.open(id: sync.connectionID)
        let connector = try opened.requireConnector()
        let resource = try connector.resource(named: sync.resource)
        let mappings = try opened.connection.settings["mappings"].map { try ResourceMappings(settings: $0, provider: connector.descriptor) }
        return SyncTarget(
            sync: sync, connector: connector, resource: resource, session: runtime.connectorSession(opened, connector: connector),
            mapper: mappings?.mapper(for: resource.name))
    }

    /// The provider's record as the store keeps it: mapped where the connection maps the resource, dated by its change
    /// time (else `fallbackTime`).
    func incoming(_ record: JSONValue, fallbackTime: Date) -> IncomingRecord? {
        guard let id = resource.externalID(of: record) else { return nil }
        return IncomingRecord(
            externalID: id, raw: record, data: try? mapper?.inbound(record), remoteModifiedAt: resource.changeTime(of: record) ?? fallbackTime)
    }
}
