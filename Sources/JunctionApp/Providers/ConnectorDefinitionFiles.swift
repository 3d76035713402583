import Foundation
import JunctionConnectors
import JunctionWebhooks

/// Connector definitions kept as files (`*.yaml`, `*.yml`, `*.json`), loaded by `junction serve
/// --connector-definitions DIR` and checked by `junction providers validate`.
public enum ConnectorDefinitionFiles {
    /// A file that could not be read or is not a valid definition.
    public struct FileError: Error, CustomStringConvertible, Sendable {
        /// The file.
        public var path: String
        /// Its mistakes, each with its path inside the definition.
        public var errors: [DefinitionError]

        public var description: String {
            errors.map { "\(path): \($0.path): \($0.message)" }.joined(separator: "\n")
        }
    }

    /// The webhook verifier names a definition may use.
    public static var knownVerifiers: Set<String> { Set(WebhookSourceSettings.verifierNames) }

    /// Reads and checks one definition file.
    public static func load(file path: String) throws(FileError) -> ConnectorDefinition {
        guard FileManager.default.fileExists(atPath: path) else {
            throw FileError(path: path, errors: [.init(path: "(file)", message: "no such file")])
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw FileError(path: path, errors: [.init(path: "(file)", message: "cannot be read as UTF-8 text")])
        }
        do {
            return try ConnectorDefinition.load(text, knownVerifiers: knownVerifiers)
        } catch {
            throw FileError(path: path, errors: error.errors)
        }
    }

    /// Every definition in `directory`, in file-name order; all files are checked before the first error is thrown,
    /// and two files defining the same provider are refused.
    public static func load(directory: String) throws -> [DeclarativeConnector] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { [".yaml", ".yml", ".json"].contains(where: $0.lowercased().hasSuffix) }.sorted()
        } catch {
            throw FileError(path: directory, errors: [.init(path: "(directory)", message: "cannot be listed")])
        }
        var connectors: [DeclarativeConnector] = []
        var failures: [FileError] = []
        var seen: [String: String] = [:]
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            do {
                let definition = try load(file: path)
                if let first = seen[definition.descriptor.name] {
                    failures.append(
                        FileError(
                            path: path,
                            errors: [.init(path: "name", message: "'\(definition.descriptor.name)' is also defined in \(first)")]))
                    continue
                }
                seen[definition.descriptor.name] = path
                connectors.append(DeclarativeConnector(definition))
            } catch {
                failures.append(error)
            }
        }
        if !failures.isEmpty {
            throw FileError(
                path: directory,
                errors: failures.flatMap { failure in
                    failure.errors.map { .init(path: "\((failure.path as NSString).lastPathComponent): \($0.path)", message: $0.message) }
                })
        }
        return connectors
    }
}
