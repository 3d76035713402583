/// An error that carries a message written for the person who will read it: an operator at a terminal or
/// the developer calling the API. Every error Junction throws across a module boundary conforms.
public protocol JunctionError: Error, CustomStringConvertible, Sendable {
    /// A short, stable summary of the kind of failure (a problem's `title`).
    var title: String { get }
    /// What went wrong and, where there is one, what to do about it. Never contains a secret.
    var detail: String { get }
}

extension JunctionError {
    public var description: String { detail }
}
