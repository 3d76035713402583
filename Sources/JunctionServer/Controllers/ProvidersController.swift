import Hummingbird
import JunctionConnectors

/// `GET /api/v1/providers`: the providers connections can be made to, and how each authenticates.
struct ProvidersController<Context: RequestContext>: Sendable {
    let catalog: ProviderCatalog

    struct ProviderResponse: Encodable {
        var name: String
        var displayName: String
        var authKinds: [ProviderDescriptor.AuthKind]
        var defaultBaseURL: String?
        var credentialFields: [String]
    }

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("providers") { _, _ in
            let providers = catalog.names.compactMap(catalog.provider(named:)).map {
                ProviderResponse(
                    name: $0.name,
                    displayName: $0.displayName,
                    authKinds: $0.authKinds,
                    defaultBaseURL: $0.defaultBaseURL,
                    credentialFields: $0.credentialFields
                )
            }
            return try JSONResponse.make(Page(data: providers, nextCursor: nil))
        }
    }
}
