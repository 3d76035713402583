import JunctionAPI
import JunctionApp
import JunctionConnectors
import JunctionCore
import JunctionStore

extension ManagementAPI {
    func createIntegration(_ input: Operations.CreateIntegration.Input) async throws -> Operations.CreateIntegration.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        return .created(.init(body: .json(.init(try await integrations.create(.init(body))))))
    }

    func listIntegrations(_ input: Operations.ListIntegrations.Input) async throws -> Operations.ListIntegrations.Output {
        let page = try await integrations.list(
            page: PageRequest(limit: input.query.limit, cursor: input.query.cursor, prefix: IntegrationRecord.idPrefix))
        return .ok(.init(body: .json(.init(data: page.items.map { .init($0) }, nextCursor: page.nextCursor))))
    }

    func getIntegration(_ input: Operations.GetIntegration.Input) async throws -> Operations.GetIntegration.Output {
        .ok(.init(body: .json(.init(try await integrations.find(key: input.path.key)))))
    }

    func updateIntegration(_ input: Operations.UpdateIntegration.Input) async throws -> Operations.UpdateIntegration.Output {
        let patch =
            switch input.body {
            case .json(let patch), .applicationMergePatchJson(let patch): patch
            }
        for member in ["name", "oauth", "settings", "credentials"] where patch.removes(member) {
            throw ApplicationError.invalid(
                "field '\(member)' cannot be null; set its members to null to remove them", code: "invalid-field")
        }
        let changes = IntegrationService.Changes(
            name: patch.fields.name, oauth: patch.fields.oauth, settings: patch.fields.settings, credentials: patch.fields.credentials)
        return .ok(.init(body: .json(.init(try await integrations.update(key: input.path.key, changes)))))
    }

    func deleteIntegration(_ input: Operations.DeleteIntegration.Input) async throws -> Operations.DeleteIntegration.Output {
        try await integrations.delete(key: input.path.key)
        return .noContent(.init())
    }

    func listIntegrationPresets(_ input: Operations.ListIntegrationPresets.Input) async throws -> Operations.ListIntegrationPresets.Output {
        let presets = IntegrationPreset.all.values.sorted { $0.name < $1.name }.map {
            Components.Schemas.IntegrationPreset(name: $0.name, provider: $0.provider, settings: $0.settings, source: $0.source)
        }
        return .ok(.init(body: .json(.init(data: presets))))
    }
}

extension Components.Schemas.Integration {
    /// The integration as the API shows it: credentials masked, never in the clear.
    init(_ integration: IntegrationService.Integration) {
        let record = integration.record
        self.init(
            id: record.id, key: record.key, provider: record.provider, name: record.name, settings: record.settings.objectValue ?? [:],
            credentials: .init(additionalProperties: ConnectionService.masked(integration.credentials)), connections: integration.connections,
            createdAt: record.createdAt, updatedAt: record.updatedAt)
    }
}
