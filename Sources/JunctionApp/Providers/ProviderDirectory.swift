import JunctionConnectors
import JunctionCore

/// The providers connections can be made to, looked up by name with an error that lists the known ones.
public struct ProviderDirectory: Sendable {
    /// The catalog behind it.
    public let catalog: ProviderCatalog

    /// A directory over `catalog`.
    public init(catalog: ProviderCatalog) {
        self.catalog = catalog
    }

    /// Every provider, by name.
    public var all: [ProviderDescriptor] { catalog.names.compactMap(catalog.provider(named:)) }

    /// The provider called `name`.
    public func provider(named name: String) throws(ApplicationError) -> ProviderDescriptor {
        guard let provider = catalog.provider(named: name) else {
            throw .notFound(
                "no provider '\(name.prefix(64))'; known providers are \(catalog.names.joined(separator: ", "))",
                details: ["knownProviders": .array(catalog.names.map { .string($0) })])
        }
        return provider
    }
}
