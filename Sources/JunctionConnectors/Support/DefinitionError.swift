/// A mistake in a definition (a data mapping, a connector), named by its path (`fields[3].format`,
/// `resources[2].pagination.style`).
public struct DefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the mistake is.
    public var path: String
    /// What is wrong.
    public var message: String

    /// A mistake at `path`.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
