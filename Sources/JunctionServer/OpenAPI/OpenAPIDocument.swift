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

/// The documented paths, each with the methods it answers and their query parameters, matched segment by segment:
/// `{name}` matches any one segment, and a final `{path}` (the proxy's) any number of them.
struct OpenAPIRouteTable: Sendable {
    private struct Route: Sendable {
        var segments: [Substring]
        /// Each documented method (upper case) with the names of its query parameters.
        var queryParameters: [String: Set<String>]
    }

    private let routes: [Route]

    init(document: JSONValue) {
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        let shared = document["components"]?["parameters"]?.objectValue ?? [:]
        func queryNames(_ parameters: JSONValue?) -> Set<String> {
            Set(
                (parameters?.arrayValue ?? []).compactMap { parameter in
                    // A `$ref` names one of the document's shared parameters.
                    let resolved = parameter["$ref"]?.stringValue.flatMap { shared[String($0.split(separator: "/").last ?? "")] } ?? parameter
                    return resolved["in"] == "query" ? resolved["name"]?.stringValue : nil
                })
        }
        routes = (document["paths"]?.objectValue ?? [:]).map { path, item in
            let common = queryNames(item["parameters"])
            var parameters: [String: Set<String>] = [:]
            for (method, operation) in item.objectValue ?? [:] where methods.contains(method) {
                parameters[method.uppercased()] = common.union(queryNames(operation["parameters"]))
            }
            return Route(segments: path.split(separator: "/"), queryParameters: parameters)
        }
    }

    /// The methods documented for `path`, sorted; empty when no documented path matches it.
    func methods(forPath path: String) -> [String] {
        Set(routes(matching: path).flatMap(\.queryParameters.keys)).sorted()
    }

    /// The query parameters documented for `method` on `path`, or `nil` when its path does not document that method.
    func queryParameters(forPath path: String, method: String) -> Set<String>? {
        let names = routes(matching: path).compactMap { $0.queryParameters[method] }
        return names.isEmpty ? nil : names.reduce(into: []) { $0.formUnion($1) }
    }

    /// The documented paths `path` is an instance of, the most specific only: as in OpenAPI, a literal segment wins over
    /// a template (`…/{resource}/batch` over `…/{resource}/{externalId}`).
    private func routes(matching path: String) -> [Route] {
        let segments = path.split(separator: "/")
        let matching = routes.filter { Self.matches($0.segments, segments) }
        let literals = { (route: Route) in route.segments.filter { !$0.hasPrefix("{") }.count }
        guard let most = matching.map(literals).max() else { return [] }
        return matching.filter { literals($0) == most }
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
