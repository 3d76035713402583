import JunctionCore
import Yams

/// Reads a connector definition file, YAML or JSON (JSON is YAML), into a ``JSONValue`` so one validator serves
/// both. YAML's own types are kept (a quoted `"2024-06-20"` is a string, `100` a number); aliases resolve to the
/// anchored value, and a key given twice is refused instead of silently overriding the first.
public enum DefinitionDocument {
    /// The document in `text`, or a definition error naming the line of the syntax mistake.
    public static func parse(_ text: String) throws(ConnectorDefinitionErrors) -> JSONValue {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ConnectorDefinitionErrors([.init(path: "(document)", message: "not valid YAML or JSON: \(error)")])
        }
        guard let node else { throw ConnectorDefinitionErrors([.init(path: "(document)", message: "the document is empty")]) }
        var problems: [DefinitionError] = []
        let value = convert(node, path: "", problems: &problems)
        guard problems.isEmpty else { throw ConnectorDefinitionErrors(problems) }
        return value
    }

    /// A scalar's value with YAML's own type kept: null, a boolean, a number, or else its text.
    public static func value(of scalar: Node.Scalar, in node: Node) -> JSONValue {
        switch node.tag.description {
        case Tag.Name.null.rawValue: .null
        case Tag.Name.bool.rawValue: node.bool.map(JSONValue.bool) ?? .string(scalar.string)
        case Tag.Name.int.rawValue: node.int.map { .number(Double($0)) } ?? .string(scalar.string)
        case Tag.Name.float.rawValue: node.float.map(JSONValue.number) ?? .string(scalar.string)
        default: .string(scalar.string)
        }
    }

    private static func convert(_ node: Node, path: String, problems: inout [DefinitionError]) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            return value(of: scalar, in: node)
        case .sequence(let sequence):
            return .array(sequence.enumerated().map { convert($1, path: "\(path)[\($0)]", problems: &problems) })
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    problems.append(.init(path: path.isEmpty ? "(document)" : path, message: "keys must be plain strings"))
                    continue
                }
                let childPath = path.isEmpty ? keyScalar.string : "\(path).\(keyScalar.string)"
                guard members[keyScalar.string] == nil else {
                    problems.append(.init(path: childPath, message: "appears twice"))
                    continue
                }
                members[keyScalar.string] = convert(value, path: childPath, problems: &problems)
            }
            return .object(members)
        case .alias:
            // Yams resolves aliases while composing; an unresolved one cannot be read.
            problems.append(.init(path: path.isEmpty ? "(document)" : path, message: "an alias that names no anchor"))
            return .null
        }
    }
}
