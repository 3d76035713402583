import JunctionAPI
import JunctionApp
import JunctionConnectors

extension ManagementAPI {
    func listProviders(_ input: Operations.ListProviders.Input) async throws -> Operations.ListProviders.Output {
        .ok(.init(body: .json(.init(data: providers.all.map(Components.Schemas.Provider.init)))))
    }

    func getProvider(_ input: Operations.GetProvider.Input) async throws -> Operations.GetProvider.Output {
        .ok(.init(body: .json(.init(try providers.provider(named: input.path.name)))))
    }
}

extension Components.Schemas.Provider {
    init(_ provider: ProviderDescriptor) {
        self.init(
            name: provider.name,
            displayName: provider.displayName,
            authKinds: provider.authKinds.compactMap { AuthKindsPayloadPayload(rawValue: $0.rawValue) },
            defaultBaseURL: provider.defaultBaseURL,
            credentialFields: provider.credentialFields,
            apiVersionHeader: provider.apiVersionHeader,
            defaultAPIVersion: provider.defaultAPIVersion,
            webhookVerifier: provider.webhookVerifier,
            resources: provider.resources.map(Components.Schemas.Resource.init)
        )
    }
}

extension Components.Schemas.Resource {
    init(_ resource: ResourceDescriptor) {
        self.init(
            name: resource.name,
            description: resource.description,
            operations: resource.operations.sorted().compactMap { OperationsPayloadPayload(rawValue: $0.rawValue) },
            idField: resource.idField,
            cursorField: resource.cursorField,
            deletes: resource.deleteSource.summary
        )
    }
}
