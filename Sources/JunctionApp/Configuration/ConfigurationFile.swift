import Foundation
import JunctionConnectors
import JunctionCore
import Yams

/// A configuration file (`junction.yaml`) read and checked for form: the server's options under `server`, and
/// integrations, connections, endpoints and syncs as maps from a stable name to what the API's create call takes.
/// Secrets are never written in the file: a value that is exactly `${env:NAME}` or `${file:PATH}` is replaced by the
/// environment variable or the file's content (a relative path is read from the configuration file's folder), and
/// every credential must be such a reference. Every mistake is reported, each with its path and line.
public struct ConfigurationFile: Sendable {
    /// One mistake in the file.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// Where, as a dotted path (`connections.crm.credentials.apiKey`).
        public var path: String
        /// The line it is on, when known.
        public var line: Int?
        /// What is wrong.
        public var message: String

        /// A problem.
        public init(path: String, line: Int?, message: String) {
            (self.path, self.line, self.message) = (path, line, message)
        }

        public var description: String {
            "\(line.map { "line \($0): " } ?? "")\(path.isEmpty ? "" : "\(path): ")\(message)"
        }
    }

    /// Every mistake found in a file.
    public struct Problems: Error, Sendable, CustomStringConvertible {
        /// The file.
        public var file: String
        /// The mistakes, in the order of the file.
        public var problems: [Problem]

        /// Problems of `file`.
        public init(file: String, problems: [Problem]) {
            self.file = file
            self.problems = problems.sorted { ($0.line ?? 0, $0.path) < ($1.line ?? 0, $1.path) }
        }

        public var description: String {
            let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
            return "\(file): \(count)\n" + problems.map { "  \(file):\($0)" }.joined(separator: "\n")
        }
    }

    /// The sections of resources, in the order they are applied.
    public static let resourceSections = ["integrations", "connections", "endpoints", "syncs"]

    /// The file's path.
    public var path: String
    /// The `server` section, references resolved.
    public var server: JSONObject
    /// The resource sections, references resolved, shaped as the API's configuration document: each integration
    /// carries its `key` and each connection its `name` (the entry's name unless it has one), each sync its
    /// `connectionId` (the file's `connection`).
    public var resources: JSONObject
    /// The line of every value, by dotted path, for mistakes found after reading.
    public var lines: [String: Int]

    /// Reads and checks the file at `path`.
    public static func load(
        path: String, serverOptions: Set<String>, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(Problems) -> Self {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Problems(file: path, problems: [.init(path: "", line: nil, message: "cannot be read: \(error.localizedDescription)")])
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(text, path: path, folder: folder, serverOptions: serverOptions, environment: environment)
    }

    /// Checks `text`, the content of the file at `path`; `${file:…}` references are read relative to `folder`, and
    /// `server` may set only `serverOptions`.
    public static func parse(
        _ text: String, path: String, folder: String, serverOptions: Set<String>, environment: [String: String]
    ) throws(Problems) -> Self {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw Problems(file: path, problems: [.init(path: "", line: nil, message: "is not valid YAML: \(error)")])
        }
        var reader = Reader(folder: folder, environment: environment)
        guard let node else { return Self(path: path, server: [:], resources: [:], lines: [:]) }
        guard case .mapping(let top) = node else {
            throw Problems(file: path, problems: [.init(path: "", line: node.mark?.line, message: "must be a map of sections")])
        }
        var server: JSONObject = [:]
        var resources: JSONObject = [:]
        for (key, value) in reader.members(of: top, path: "") {
            switch key {
            case "server":
                server = reader.section(value, path: key)
                for name in server.keys.sorted() where !serverOptions.contains(name) {
                    reader.problem(
                        "server.\(name)", reader.lines["server.\(name)"],
                        "is not a server option; they are \(serverOptions.sorted().joined(separator: ", "))")
                }
            case let section where resourceSections.contains(section):
                resources[section] = .object(reader.entries(value, section: section))
            default:
                reader.problem(
                    key, value.mark?.line, "is not a section; sections are server, \(resourceSections.joined(separator: ", "))")
            }
        }
        if !reader.problems.isEmpty { throw Problems(file: path, problems: reader.problems) }
        return Self(path: path, server: server, resources: resources, lines: reader.lines)
    }

    /// The line of the value at `path`, or of its nearest ancestor with one.
    public func line(of path: [String]) -> Int? {
        var path = path
        while !path.isEmpty {
            if let line = lines[path.joined(separator: ".")] { return line }
            path.removeLast()
        }
        return nil
    }

    /// Walks the YAML tree into JSON, noting lines and problems and resolving references.
    private struct Reader {
        let folder: String
        let environment: [String: String]
        var problems: [Problem] = []
        var lines: [String: Int] = [:]

        init(folder: String, environment: [String: String]) {
            (self.folder, self.environment) = (folder, environment)
        }

        mutating func problem(_ path: String, _ line: Int?, _ message: String) {
            problems.append(Problem(path: path, line: line, message: message))
        }

        /// The members of a mapping with their paths; a key given twice or not a plain string is a problem.
        mutating func members(of mapping: Node.Mapping, path: String) -> [(String, Node)] {
            var seen: Set<String> = []
            var members: [(String, Node)] = []
            for (key, value) in mapping {
                guard case .scalar(let scalar) = key else {
                    problem(path, key.mark?.line, "keys must be plain strings")
                    continue
                }
                let childPath = path.isEmpty ? scalar.string : "\(path).\(scalar.string)"
                guard seen.insert(scalar.string).inserted else {
                    problem(childPath, key.mark?.line, "appears twice")
                    continue
                }
                lines[childPath] = key.mark?.line
                members.append((scalar.string, value))
            }
            return members
        }

        /// A section that must be a map (or empty).
        mutating func section(_ node: Node, path: String) -> JSONObject {
            if case .scalar = node, node.tag.description == Tag.Name.null.rawValue { return [:] }
            guard case .object(let members) = convert(node, path: path, secret: false) else {
                problem(path, node.mark?.line, "must be a map")
                return [:]
            }
            return members
        }

        /// A resource section: names to entries, each shaped as the API's create body.
        mutating func entries(_ node: Node, section: String) -> JSONObject {
            if case .scalar = node, node.tag.description == Tag.Name.null.rawValue { return [:] }
            guard case .mapping(let mapping) = node else {
                problem(section, node.mark?.line, "must be a map from names to \(section)")
                return [:]
            }
            var entries: JSONObject = [:]
            for (name, value) in members(of: mapping, path: section) {
                let path = "\(section).\(name)"
                guard case .object(var entry) = convert(value, path: path, secret: false) else {
                    problem(path, value.mark?.line, "must be a map of the fields the API's create call takes")
                    continue
                }
                switch section {
                case "integrations":
                    if let key = entry["key"], key != .string(name) {
                        problem("\(path).key", lines["\(path).key"], "differs from the entry's name; an integration's key is its name")
                    }
                    entry["key"] = .string(name)
                case "connections":
                    // A connection's name for people defaults to the entry's.
                    if entry["name"] == nil { entry["name"] = .string(name) }
                case "syncs":
                    if entry["connectionId"] != nil {
                        problem("\(path).connectionId", lines["\(path).connectionId"], "name the connection with 'connection'")
                    }
                    if let connection = entry.removeValue(forKey: "connection") {
                        entry["connectionId"] = connection
                    } else {
                        problem(path, value.mark?.line, "needs 'connection': a connection of this file or the id of an existing one")
                    }
                default: break
                }
                entries[name] = .object(entry)
            }
            return entries
        }

        /// A YAML value as JSON; inside `credentials` (`secret`), every string must be a reference.
        mutating func convert(_ node: Node, path: String, secret: Bool) -> JSONValue {
            if lines[path] == nil { lines[path] = node.mark?.line }
            switch node {
            case .scalar(let scalar):
                let tag = node.tag.description
                if secret, tag != Tag.Name.null.rawValue, !Reference.isReference(scalar.string) {
                    problem(path, node.mark?.line, "a credential must be a reference, ${env:NAME} or ${file:PATH}, never written in the file")
                    return .null
                }
                // YAML's own types as connector definitions read them; only text can be a reference.
                let value = DefinitionDocument.value(of: scalar, in: node)
                guard case .string(let text) = value else { return value }
                return resolve(text, path: path, line: node.mark?.line)
            case .sequence(let sequence):
                return .array(sequence.enumerated().map { convert($1, path: "\(path).\($0)", secret: secret) })
            case .mapping(let mapping):
                var object: JSONObject = [:]
                for (key, value) in members(of: mapping, path: path) {
                    let childPath = "\(path).\(key)"
                    let isCredentials = key == "credentials" && path.split(separator: ".").count == 2
                    if isCredentials, case .mapping(let credentials) = value {
                        var resolved: JSONObject = [:]
                        for (name, credential) in members(of: credentials, path: childPath) {
                            resolved[name] = convert(credential, path: "\(childPath).\(name)", secret: true)
                        }
                        object[key] = .object(resolved)
                    } else {
                        object[key] = convert(value, path: childPath, secret: secret)
                    }
                }
                return .object(object)
            case .alias:
                problem(path, node.mark?.line, "an alias that names no anchor")
                return .null
            }
        }

        /// A string with its reference, if it is one, replaced by what it refers to.
        mutating func resolve(_ text: String, path: String, line: Int?) -> JSONValue {
            guard text.contains("${") else { return .string(text) }
            switch Reference(text) {
            case .environment(let name)?:
                guard let value = environment[name] else {
                    problem(path, line, "the environment variable \(name) is not set")
                    return .null
                }
                return .string(value)
            case .file(let file)?:
                let full = file.hasPrefix("/") ? file : URL(fileURLWithPath: folder).appendingPathComponent(file).path
                guard let data = FileManager.default.contents(atPath: full), let content = String(data: data, encoding: .utf8) else {
                    problem(path, line, "the file \(file) cannot be read")
                    return .null
                }
                // A trailing line break is what editors add, not part of the secret.
                var secret = Substring(content)
                if secret.hasSuffix("\n") { secret = secret.dropLast() }
                if secret.hasSuffix("\r") { secret = secret.dropLast() }
                return .string(String(secret))
            case nil:
                problem(path, line, "only a whole value can be a reference, written ${env:NAME} or ${file:PATH}")
                return .null
            }
        }
    }

    /// A reference to a secret kept outside the file.
    enum Reference: Equatable {
        /// `${env:NAME}`.
        case environment(String)
        /// `${file:PATH}`.
        case file(String)

        init?(_ text: String) {
            guard text.hasPrefix("${"), text.hasSuffix("}"), text.count > 3 else { return nil }
            let inner = text.dropFirst(2).dropLast()
            if inner.hasPrefix("env:"), case let name = String(inner.dropFirst(4)), !name.isEmpty,
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            {
                self = .environment(name)
            } else if inner.hasPrefix("file:"), case let file = String(inner.dropFirst(5)), !file.isEmpty, !file.contains("}") {
                self = .file(file)
            } else {
                return nil
            }
        }

        static func isReference(_ text: String) -> Bool { Reference(text) != nil }
    }
}
