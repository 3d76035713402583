import JunctionAPI
import JunctionCore
import Yams

/// The management API's description: `openapi.yaml`, the file the generator read, as JSON for `GET /openapi.json`,
/// and its paths and methods, which tell a wrong method (405) from a wrong path (404).
public enum OpenAPIDocument {
    /// The document, parsed once.
    static let value: JSONValue = (try? Self.convert(Yams.compose(yaml: JunctionAPI.documentYAML))) ?? .object([:])

    /// The document as JSON text.
    public static let json: String = (try? value.serialized()) ?? "{}"

    /// Every documented path template with its methods.
    static let routes = OpenAPIRouteTable(document: value)

    /// A YAML node as JSON: mapping keys as strings, scalars as the YAML core schema resolves them.
    static func convert(_ node: Node?) throws -> JSONValue {
        switch node {
        case .none:
            return .null
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping { members[key.string ?? ""] = try convert(value) }
            return .object(members)
        case .sequence(let sequence):
            return .array(try sequence.map(convert))
        case .scalar(let scalar):
            let node = Node.scalar(scalar)
            if scalar.style == .plain {
                if node.null != nil { return .null }
                if let bool = node.bool { return .bool(bool) }
                if let int = node.int { return .number(Double(int)) }
                if let double = node.float { return .number(double) }
            }
            return .string(scalar.string)
        case .alias:
            throw YamlError.representer(problem: "aliases are not used in openapi.yaml")
        }
    }
}

/// The documented paths, each with the methods it answers, matched segment by segment: `{name}` matches any one
/// segment, and a final `{path}` (the proxy's) any number of them.
struct OpenAPIRouteTable: Sendable {
    private let routes: [(segments: [Substring], methods: Set<String>)]

    init(document: JSONValue) {
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        routes = (document["paths"]?.objectValue ?? [:]).map { path, item in
            (path.split(separator: "/"), Set((item.objectValue ?? [:]).keys.filter(methods.contains).map { $0.uppercased() }))
        }
    }

    /// The methods documented for `path`, sorted; empty when no documented path matches it.
    func methods(forPath path: String) -> [String] {
        let segments = path.split(separator: "/")
        var found: Set<String> = []
        for route in routes where Self.matches(route.segments, segments) { found.formUnion(route.methods) }
        return found.sorted()
    }

    private static func matches(_ template: [Substring], _ segments: [Substring]) -> Bool {
        for (index, part) in template.enumerated() {
            if part == "{path}", index == template.count - 1 { return segments.count > index }
            guard index < segments.count else { return false }
            if part.hasPrefix("{"), part.hasSuffix("}") { continue }
            if part != segments[index] { return false }
        }
        return template.count == segments.count
    }
}
