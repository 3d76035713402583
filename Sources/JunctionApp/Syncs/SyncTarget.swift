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

    /// Opens `sync`'s connection through `runtime`.
    static func open(_ sync: SyncDefinition, runtime: ConnectionRuntime) async throws -> SyncTarget {
        let opened = try await runtime.open(id: sync.connectionID)
        let connector = try opened.requireConnector()
        let resource = try connector.resource(named: sync.resource)
        let mappings = try opened.connection.settings["mappings"].map { try ResourceMappings(settings: $0, provider: connector.descriptor) }
        return SyncTarget(
            connector: connector, resource: resource, session: runtime.connectorSession(opened, connector: connector),
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
