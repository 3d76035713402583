import Hummingbird
import JunctionCore

/// Reads a resource id from the route and refuses one that cannot exist (404) before any query runs.
enum PathIdentifier {
    /// The route's `:id`, which must look like an id made with `prefix`; `noun` names the resource in the problem.
    static func require(_ context: some RequestContext, prefix: String, noun: String) throws -> String {
        let id = context.parameters.get("id") ?? ""
        guard ResourceID.isWellFormed(id, prefix: prefix) else {
            throw ProblemDetails.notFound("no \(noun) with id '\(id.prefix(64))' (\(noun) ids look like \(prefix)_01J…)")
        }
        return id
    }
}
