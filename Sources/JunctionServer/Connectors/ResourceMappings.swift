import Foundation
import JunctionConnectors
import JunctionCore

/// A connection's data mappings, one per resource, from `settings.mappings`:
///
///     {"mappings": {"customers": {"name": "stripe-customer", "version": 1, "fields": [...]}}}
///
/// Checked when the connection is saved (every mistake with its path), compiled once per request that needs them.
struct ResourceMappings: Sendable {
    let mappers: [String: DataMapper]

    /// Reads and compiles `settings.mappings` for a connection to `provider`; mistakes are 400 problems.
    init(settings: JSONValue, provider: ProviderDescriptor) throws {
        guard let members = settings.objectValue else {
            throw ProblemDetails.badRequest(
                "field 'settings.mappings' must be an object of resource name to mapping", type: "/problems/invalid-field")
        }
        var mappers: [String: DataMapper] = [:]
        for (resource, definition) in members.sorted(by: { $0.key < $1.key }) {
            let path = "settings.mappings.\(resource)"
            guard provider.resources.contains(where: { $0.name == resource }) else {
                let known = provider.resources.map(\.name)
                throw ProblemDetails.badRequest(
                    "field '\(path)': provider '\(provider.name)' has no resource '\(resource)'"
                        + (known.isEmpty ? "" : "; its resources are \(known.joined(separator: ", "))"),
                    type: "/problems/invalid-field")
            }
            let mapping: DataMapping
            do {
                mapping = try JSONDecoder().decode(DataMapping.self, from: Data(try definition.serialized().utf8))
            } catch {
                throw ProblemDetails.badRequest(
                    "field '\(path)' is not a mapping: it needs name, version and fields (see docs/api-integration-guide.md)",
                    type: "/problems/invalid-field")
            }
            do {
                mappers[resource] = try DataMapper(mapping)
            } catch {
                throw ProblemDetails.badRequest(
                    error.errors.map { "field '\(path).\($0.path)': \($0.message)" }.joined(separator: "; "),
                    type: "/problems/invalid-field",
                    extensions: ["invalidFields": .array(error.errors.map { .string("\(path).\($0.path)") })])
            }
        }
        self.mappers = mappers
    }

    /// The mapper for `resource`, if the connection maps it.
    func mapper(for resource: String) -> DataMapper? { mappers[resource] }
}
