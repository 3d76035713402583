import Hummingbird
import JunctionApp
import JunctionCore

/// Refuses query parameters the API's description does not list for the route, naming them and the accepted ones,
/// as unknown body fields are: a misspelt `?limt=5` is an error rather than silently ignored (the generated server
/// reads only the parameters it knows).
struct QueryParameterMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let parameters = request.uri.queryParameters
        // A NUL cannot be stored or compared as text on PostgreSQL, and is never part of a valid value.
        if let name = parameters.first(where: { $0.value.utf8.contains(0) })?.key {
            throw ApplicationError.invalid(
                "query parameter '\(String(name).prefix(64))' contains a NUL character", code: "invalid-parameter")
        }
        if !parameters.isEmpty,
            let accepted = OpenAPIDocument.routes.queryParameters(forPath: request.uri.path, method: request.method.rawValue)
        {
            let unknown = Set(parameters.map { String($0.key) }).subtracting(accepted).sorted()
            if !unknown.isEmpty {
                throw ApplicationError.invalid(
                    "unknown query \(unknown.count == 1 ? "parameter" : "parameters") \(unknown.map { "'\($0.prefix(64))'" }.joined(separator: ", ")); "
                        + (accepted.isEmpty ? "this route takes none" : "accepted are \(accepted.sorted().joined(separator: ", "))"),
                    code: "unknown-parameters", details: ["unknownParameters": .array(unknown.map { .string($0) })])
            }
        }
        return try await next(request, context)
    }
}
