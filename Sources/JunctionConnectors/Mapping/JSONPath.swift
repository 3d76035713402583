import JunctionCore

/// A path into a JSON document: dotted member names with optional array indices (`customer.addresses[0].city`).
/// A leading `$.` is accepted, as mapping authors often write it.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    /// One step of a path.
    public enum Component: Sendable, Hashable {
        /// An object member.
        case member(String)
        /// An array element.
        case index(Int)
    }

    /// The steps, outermost first.
    public let components: [Component]
    /// The path as written.
    public let text: String

    /// Parses `text`, or returns `nil` when it is empty or malformed (an unclosed bracket, a negative index).
    public init?(_ text: String) {
        var rest = Substring(text.hasPrefix("$.") ? String(text.dropFirst(2)) : text)
        guard !rest.isEmpty else { return nil }
        var components: [Component] = []
        while !rest.isEmpty {
            if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]"), let index = Int(rest[rest.index(after: rest.startIndex)..<close]), index >= 0
                else {
                    return nil
                }
                components.append(.index(index))
                rest = rest[rest.index(after: close)...]
                if rest.first == "." { rest = rest.dropFirst() }
                continue
            }
            let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
            let name = rest[..<end]
            guard !name.isEmpty else { return nil }
            components.append(.member(String(name)))
            rest = rest[end...]
            if rest.first == "." {
                rest = rest.dropFirst()
                guard !rest.isEmpty else { return nil }
            }
        }
        self.components = components
        self.text = text
    }

    public var description: String { text }

    /// The value at the path `text` in `document`; `nil` when the path is malformed or any step is missing. A plain
    /// member name (`id`, `updated_at`: most resources' id and change-time fields) is looked up without parsing a path,
    /// since this runs for every record a sync stores or pushes.
    public static func value(at text: String, in document: JSONValue) -> JSONValue? {
        if !text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "[") }), !text.isEmpty {
            return document.objectValue?[text]
        }
        return JSONPath(text)?.value(in: document)
    }

    /// The value at this path in `document`, or `nil` when any step is missing.
    public func value(in document: JSONValue) -> JSONValue? {
        var current = document
        for component in components {
            switch (component, current) {
            case (.member(let name), .object(let members)):
                guard let next = members[name] else { return nil }
                current = next
            case (.index(let index), .array(let elements)):
                guard index < elements.count else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// `document` with `value` at this path, creating objects and arrays (padded with nulls) on the way.
    public func setting(_ value: JSONValue, in document: JSONValue) -> JSONValue {
        Self.set(value, at: components[...], in: document)
    }

    private static func set(_ value: JSONValue, at path: ArraySlice<Component>, in document: JSONValue) -> JSONValue {
        guard let first = path.first else { return value }
        switch first {
        case .member(let name):
            var members = document.objectValue ?? [:]
            members[name] = set(value, at: path.dropFirst(), in: members[name] ?? .null)
            return .object(members)
        case .index(let index):
            var elements = document.arrayValue ?? []
            while elements.count <= index { elements.append(.null) }
            elements[index] = set(value, at: path.dropFirst(), in: elements[index])
            return .array(elements)
        }
    }
}
