import Foundation
import JunctionConnectors
import JunctionCore

/// A connection's data mappings, one per resource, from `settings.mappings`:
///
///     {"mappings": {"customers": {"name": "stripe-customer", "version": 1, "fields": [...]}}}
///
/// Checked when the connection is saved (every mistake with its path), compiled once per request that needs them.
public struct ResourceMappings: Sendable {
    /// Each mapped resource's compiled mapper.
    public let mappers: [String: DataMapper]

    /// Reads and compiles `settings.mappings` for a connection to `provider`; mistakes are invalid-input errors.
    public init(settings: JSONValue, provider: ProviderDescriptor) throws(ApplicationError) {
        guard let members = settings.objectValue else {
            throw .invalid("field 'settings.mappings' must be an object of resource name to mapping", code: "invalid-field")
        }
        var mappers: [String: DataMapper] = [:]
        for (resource, definition) in members.sorted(by: { $0.key < $1.key }) {
            mappers[resource] = try Self.mapper(resource: resource, definition: definition, provider: provider)
        }
        self.mappers = mappers
    }

    /// Reads and compiles one resource's mapping (`settings.mappings.<resource>`); mistakes are invalid-input errors naming it.
    public static func mapper(resource: String, definition: JSONValue, provider: ProviderDescriptor) throws(ApplicationError) -> DataMapper
    {
        let path = "settings.mappings.\(resource)"
        guard provider.resources.contains(where: { $0.name == resource }) else {
            let known = provider.resources.map(\.name)
            throw .invalid(
                "field '\(path)': provider '\(provider.name)' has no resource '\(resource)'"
                    + (known.isEmpty ? "" : "; its resources are \(known.joined(separator: ", "))"),
                code: "invalid-field")
        }
        try Self.refuseUnknownMembers(definition, path: path)
        let mapping: DataMapping
        do {
            mapping = try JSONDecoder().decode(DataMapping.self, from: Data(try definition.serialized().utf8))
        } catch {
            // The decoder names the member and the type it wanted (`fields[0].target`, "expected a string").
            throw .invalid("field '\(path)' is not a mapping: \(DecodingErrorDescription.describe(error))", code: "invalid-field")
        }
        do {
            return try DataMapper(mapping)
        } catch {
            throw .invalid(
                error.errors.map { "field '\(path).\($0.path)': \($0.message)" }.joined(separator: "; "),
                code: "invalid-field",
                details: ["invalidFields": .array(error.errors.map { .string("\(path).\($0.path)") })])
        }
    }

    static let mappingMembers: Set<String> = ["name", "version", "idSource", "fields"]
    static let fieldMembers: Set<String> = [
        "target", "source", "type", "format", "currency", "currencySource", "lookup", "default", "required", "template",
    ]

    /// A misspelt member (`typ`) would otherwise be ignored silently, as the decoder skips what it does not know.
    static func refuseUnknownMembers(_ definition: JSONValue, path: String) throws(ApplicationError) {
        var unknown = (definition.objectValue ?? [:]).keys.filter { !mappingMembers.contains($0) }.map { "\(path).\($0)" }
        for (index, field) in (definition["fields"]?.arrayValue ?? []).enumerated() {
            unknown += (field.objectValue ?? [:]).keys.filter { !fieldMembers.contains($0) }.map { "\(path).fields[\(index)].\($0)" }
        }
        guard unknown.isEmpty else {
            throw .unknownFields(
                unknown,
                accepted:
                    "a mapping has name, version, idSource and fields, and a field has \(fieldMembers.sorted().joined(separator: ", "))")
        }
    }

    /// The mapper for `resource`, if the connection maps it.
    public func mapper(for resource: String) -> DataMapper? { mappers[resource] }
}
