import JunctionAPI
import JunctionApp
import JunctionCore
import JunctionStore

extension ManagementAPI {
    func createConnection(_ input: Operations.CreateConnection.Input) async throws -> Operations.CreateConnection.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        return .created(.init(body: .json(.init(try await connections.create(.init(body))))))
    }

    func listConnections(_ input: Operations.ListConnections.Input) async throws -> Operations.ListConnections.Output {
        let query = input.query
        let page = try await connections.list(
            page: PageRequest(limit: query.limit, cursor: query.cursor, prefix: ConnectionRecord.idPrefix),
            filter: .init(tenant: query.tenant, provider: query.provider, integration: query.integration, status: query.status))
        return .ok(.init(body: .json(.init(data: page.items.map { .init($0) }, nextCursor: page.nextCursor))))
    }

    func getConnection(_ input: Operations.GetConnection.Input) async throws -> Operations.GetConnection.Output {
        .ok(.init(body: .json(.init(try await connections.find(id: input.path.id)))))
    }

    func updateConnection(_ input: Operations.UpdateConnection.Input) async throws -> Operations.UpdateConnection.Output {
        let patch =
            switch input.body {
            case .json(let patch), .applicationMergePatchJson(let patch): patch
            }
        let changes = try ConnectionService.Changes(
            name: patch.fields.name, settings: patch.fields.settings, credentials: patch.fields.credentials, tenant: patch.fields.tenant,
            metadata: patch.fields.metadata, removed: patch.nulls)
        return .ok(.init(body: .json(.init(try await connections.update(id: input.path.id, changes)))))
    }

    func deleteConnection(_ input: Operations.DeleteConnection.Input) async throws -> Operations.DeleteConnection.Output {
        try await connections.delete(id: input.path.id)
        return .noContent(.init())
    }
}

extension Components.Schemas.Connection {
    /// The connection as the API shows it: credentials masked, never in the clear.
    init(_ connection: ConnectionService.Connection) {
        let record = connection.record
        self.init(
            id: record.id,
            provider: record.provider,
            name: record.name,
            status: record.status,
            settings: record.settings.objectValue ?? [:],
            credentials: .init(additionalProperties: ConnectionService.masked(connection.credentials)),
            createdAt: record.createdAt,
            updatedAt: record.updatedAt,
            statusReason: record.statusReason,
            lastUsedAt: record.lastUsedAt,
            integration: connection.integrationKey,
            tenant: record.tenant,
            metadata: record.metadata?.objectValue
        )
    }
}
