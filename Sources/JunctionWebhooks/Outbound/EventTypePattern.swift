/// An endpoint's subscription to event types: an exact type (`record.updated`), a prefix wildcard (`stripe.*`,
/// matching `stripe.customer.created`) or `*` for everything.
public struct EventTypePattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let text: String

    /// A pattern, or `nil` when `text` is not one (empty, or a `*` anywhere but at the end after a dot).
    public init?(_ text: String) {
        guard !text.isEmpty, text.count <= 200, !text.contains(where: \.isWhitespace) else { return nil }
        let stars = text.filter { $0 == "*" }.count
        guard stars == 0 || (stars == 1 && (text == "*" || text.hasSuffix(".*"))) else { return nil }
        self.text = text
    }

    /// Whether an event of `type` matches.
    public func matches(_ type: String) -> Bool {
        if text == "*" { return true }
        if text.hasSuffix(".*") { return type.hasPrefix(text.dropLast()) }
        return type == text
    }

    public var description: String { text }
}
