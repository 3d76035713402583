import ArgumentParser
import Foundation
import JunctionApp
import JunctionCore
import JunctionServer

/// `junction config`: configuration files, checked without a server.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check configuration files.",
        discussion: """
            A configuration file holds the server's options under `server` and the integrations, connections, endpoints \
            and syncs to keep, each under a stable name; secrets are written only as ${env:NAME} or ${file:PATH}. \
            See docs/configuration.md. Example:

              junction config validate junction.yaml
            """,
        subcommands: [Validate.self]
    )

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a configuration file: its form, every entry against the API's schema, and its references.",
            discussion: "Prints every mistake with its line and path, and exits 1 if there is any; nothing is sent anywhere.")
        @Argument(help: "The file (YAML).") var file: String

        func run() async throws {
            let loaded = try ConfigCommand.load(file)
            let document: ConfigurationDocument
            do {
                document = try loaded.document().document
            } catch {
                throw CLIError("\(error)")
            }
            let counts = [
                ("integrations", document.integrations.count), ("connections", document.connections.count),
                ("endpoints", document.endpoints.count), ("syncs", document.syncs.count),
            ].filter { $0.1 > 0 }.map { "\($0.1) \($0.0)" }
            print("\(file): valid (\(counts.isEmpty ? "no resources" : counts.joined(separator: ", ")); \(loaded.server.count) server options)")
        }
    }

    /// The file at `path`, read and checked for form, including its server options; every mistake in one error.
    static func load(_ path: String) throws -> ConfigurationFile {
        let file: ConfigurationFile
        do {
            file = try ConfigurationFile.load(path: path, serverOptions: Set(OptionLayers.names.keys))
        } catch {
            throw CLIError(error.description)
        }
        var problems: [ConfigurationFile.Problem] = []
        for (name, value) in file.server where OptionLayers.names[name] != nil {
            switch value {
            case .string, .bool, .number, .integer: continue
            case .array(let items) where name == "outboundHosts" && items.allSatisfy({ $0.stringValue != nil }): continue
            default: problems.append(.init(path: "server.\(name)", line: file.line(of: ["server", name]), message: "must be a single value"))
            }
        }
        do {
            _ = try ServeSettings(OptionLayers(flags: [:], file: file.server))
        } catch let error as CLIError {
            problems.append(.init(path: "server", line: file.line(of: ["server"]), message: error.description))
        }
        guard problems.isEmpty else { throw CLIError(ConfigurationFile.Problems(file: path, problems: problems).description) }
        return file
    }
}
