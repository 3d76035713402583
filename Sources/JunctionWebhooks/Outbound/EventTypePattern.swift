/// An endpoint's subscription to event types: an exact type (`record.updated`), a prefix wildcard (`stripe.*`,
/// matching `stripe.customer.created`) or `*` for everything.
public struct EventTypePattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let text: String
    /// For a wildcard, what a matching type starts with (`stripe.`); `""` for `*`.
    private let prefix: String?

    /// A pattern, or `nil` when `text` is not one (empty, or a `*` anywhere but at the end after a dot).
    public init?(_ text: String) {
        guard !text.isEmpty, text.count <= 200, !text.contains(where: \.isWhitespace) else { return nil }
        let stars = text.filter { $0 == "*" }.count
        guard stars == 0 || (stars == 1 && (text == "*" || text.hasSuffix(".*"))) else { return nil }
        self.text = text
        self.prefix = text.hasSuffix("*") ? String(text.dropLast()) : nil
    }

    /// Whether an event of `type` matches. Compared as UTF-8 bytes: it runs for every event and every subscription.
    public func matches(_ type: String) -> Bool {
        guard let prefix else { return type.utf8.elementsEqual(text.utf8) }
        return type.utf8.starts(with: prefix.utf8)
    }

    public var description: String { text }
}
