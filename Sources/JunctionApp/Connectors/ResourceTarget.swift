import JunctionConnectors
import JunctionCore

/// One resource of one opened connection: what a record operation works on.
struct ResourceTarget: Sendable {
    let runtime: ConnectionRuntime
    let session: ConnectionRuntime.Session
    let connector: any Connector
    let resource: ResourceDescriptor
    let connectorSession: ConnectorSession
    /// The connection's mapping for the resource, if it has one.
    let mapper: DataMapper?

    /// Runs a connector operation and notes the connection's use.
    func run<Value: Sendable>(
        _ operation: (any Connector, ResourceDescriptor, ConnectorSession) async throws -> Value
    ) async throws -> Value {
        let value = try await operation(connector, resource, connectorSession)
        await runtime.touch(session)
        return value
    }

    /// A write's body as the provider takes it: mapped back with the connection's mapping for `.mapped`.
    func input(_ members: [String: JSONValue], shape: ResourceService.InputShape) throws(ApplicationError) -> JSONValue {
        switch shape {
        case .provider:
            return .object(members)
        case .mapped:
            guard let mapper else {
                throw .invalid("input=mapped needs a mapping for '\(resource.name)' in the connection's settings.mappings")
            }
            do {
                return try mapper.outbound(.object(members))
            } catch {
                throw ApplicationError(
                    kind: .unprocessable, code: "mapping", title: "Record cannot be mapped", detail: error.description,
                    details: ["field": .string(error.field)])
            }
        }
    }

    /// A record as callers see it: its id, the provider's record, and the mapped one where there is a mapping.
    func item(_ record: JSONValue) -> ResourceService.Item {
        var item = ResourceService.Item(externalID: resource.externalID(of: record), record: record)
        if let mapper {
            do {
                item.mapped = try mapper.inbound(record)
                item.mappingVersion = mapper.mapping.version
            } catch {
                item.mapped = .null
                item.mappingError = error.description
            }
        }
        return item
    }
}
