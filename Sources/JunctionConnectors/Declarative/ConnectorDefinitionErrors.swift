import JunctionCore

/// Every mistake found in a connector definition, so one run of `junction providers validate` shows them all.
public struct ConnectorDefinitionErrors: JunctionError, Equatable {
    /// The mistakes, in document order.
    public var errors: [DefinitionError]

    /// Errors.
    public init(_ errors: [DefinitionError]) {
        self.errors = errors
    }

    public var title: String { "Invalid connector definition" }
    public var detail: String { errors.map(\.description).joined(separator: "; ") }
}
