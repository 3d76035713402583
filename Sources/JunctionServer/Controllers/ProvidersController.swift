import Hummingbird
import JunctionConnectors
import JunctionCore

/// `GET /api/v1/providers`: the providers connections can be made to, how each authenticates, and its resources.
struct ProvidersController<Context: RequestContext>: Sendable {
    let catalog: ProviderCatalog

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("providers") { _, _ in
            try JSONResponse.make(Page(data: catalog.names.compactMap(catalog.provider(named:)).map(\.json), nextCursor: nil))
        }
        group.get("providers/:name") { _, context in
            let name = context.parameters.get("name") ?? ""
            guard let provider = catalog.provider(named: name) else {
                throw ProblemDetails.notFound(
                    "no provider '\(name.prefix(64))'; known providers are \(catalog.names.joined(separator: ", "))")
            }
            return try JSONResponse.make(provider.json)
        }
    }
}
