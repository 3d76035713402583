import Hummingbird
import JunctionConnectors

/// `GET /api/v1/providers`: the providers connections can be made to, how each authenticates, and its resources.
struct ProvidersController<Context: RequestContext>: Sendable {
    let catalog: ProviderCatalog

    struct ProviderResponse: Encodable {
        var name: String
        var displayName: String
        var authKinds: [ProviderDescriptor.AuthKind]
        var defaultBaseURL: String?
        var credentialFields: [String]
        var apiVersionHeader: String?
        var defaultAPIVersion: String?
        var webhookVerifier: String?
        var resources: [ResourceResponse]

        init(_ provider: ProviderDescriptor) {
            name = provider.name
            displayName = provider.displayName
            authKinds = provider.authKinds
            defaultBaseURL = provider.defaultBaseURL
            credentialFields = provider.credentialFields
            apiVersionHeader = provider.apiVersionHeader
            defaultAPIVersion = provider.defaultAPIVersion
            webhookVerifier = provider.webhookVerifier
            resources = provider.resources.map(ResourceResponse.init)
        }
    }

    struct ResourceResponse: Encodable {
        var name: String
        var description: String
        var operations: [ResourceDescriptor.Operation]
        var idField: String
        var cursorField: String?
        var deletes: String

        init(_ resource: ResourceDescriptor) {
            name = resource.name
            description = resource.description
            operations = resource.operations.sorted()
            idField = resource.idField
            cursorField = resource.cursorField
            deletes = resource.deleteSource.summary
        }
    }

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("providers") { _, _ in
            let providers = catalog.names.compactMap(catalog.provider(named:)).map(ProviderResponse.init)
            return try JSONResponse.make(Page(data: providers, nextCursor: nil))
        }
        group.get("providers/:name") { _, context in
            let name = context.parameters.get("name") ?? ""
            guard let provider = catalog.provider(named: name) else {
                throw ProblemDetails.notFound(
                    "no provider '\(name.prefix(64))'; known providers are \(catalog.names.joined(separator: ", "))")
            }
            return try JSONResponse.make(ProviderResponse(provider))
        }
    }
}
