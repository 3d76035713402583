import ArgumentParser
import Foundation
import JunctionApp
import JunctionConnectors
import JunctionCore
import JunctionServer

/// `junction providers`: the providers a server offers, their resources, and checks of definition files.
struct ProvidersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "providers",
        abstract: "List the providers Junction can connect to, show their resources, and validate connector definitions.",
        subcommands: [List.self, Show.self, Validate.self],
        defaultSubcommand: List.self
    )

    /// Where extra definitions come from, as `junction serve` takes them.
    struct CatalogOptions: ParsableArguments {
        @Option(
            name: .long,
            help: ArgumentHelp(
                "Also list the definitions in this folder, as `junction serve --connector-definitions` would. Env: JUNCTION_CONNECTOR_DEFINITIONS.",
                valueName: "folder"))
        var connectorDefinitions: String?

        func catalog() throws -> ProviderCatalog {
            guard let folder = connectorDefinitions ?? Environment.value("JUNCTION_CONNECTOR_DEFINITIONS") else { return .builtIn }
            do {
                return ProviderCatalog.builtIn.adding(try ConnectorDefinitionFiles.load(directory: folder))
            } catch {
                throw CLIError("connector definitions in \(folder) are invalid:\n\(error)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every provider with its auth kinds and resources.")

        @OptionGroup var catalogOptions: CatalogOptions
        @Flag(name: .long, help: "Print JSON (the shape of GET /api/v1/providers) instead of a table.") var json = false

        func run() async throws {
            let catalog = try catalogOptions.catalog()
            let providers = catalog.names.compactMap(catalog.provider(named:))
            if json {
                print(try JSONValue.array(providers.map(\.json)).serialized())
                return
            }
            print(
                Table.render(
                    header: ["PROVIDER", "NAME", "AUTH", "RESOURCES"],
                    rows: providers.map { provider in
                        [
                            provider.name, provider.displayName, provider.authKinds.map(\.rawValue).joined(separator: ", "),
                            provider.resources.isEmpty ? "(proxy only)" : provider.resources.map(\.name).joined(separator: ", "),
                        ]
                    }))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one provider's resources, or print its built-in definition.")

        @Argument(help: "The provider's name, as in `junction providers`.") var name: String
        @OptionGroup var catalogOptions: CatalogOptions
        @Flag(name: .long, help: "Print JSON instead of a table.") var json = false
        @Flag(name: .long, help: "Print the provider's built-in YAML definition, a starting point for a new connector.")
        var definition = false

        func run() async throws {
            if definition {
                guard let text = BuiltInDefinitions.all[name] else {
                    throw CLIError(
                        "'\(name)' has no built-in definition; built-in definitions exist for \(BuiltInDefinitions.all.keys.sorted().joined(separator: ", "))"
                    )
                }
                print(text)
                return
            }
            let catalog = try catalogOptions.catalog()
            guard let provider = catalog.provider(named: name) else {
                throw CLIError(
                    "no provider '\(name)'; known providers are \(catalog.names.joined(separator: ", "))"
                        + (catalogOptions.connectorDefinitions == nil
                            ? " (definitions a server loads from a folder are listed with --connector-definitions FOLDER)" : ""))
            }
            if json {
                print(try provider.json.serialized())
                return
            }
            print("\(provider.displayName) (\(provider.name))")
            print("base URL:     \(provider.defaultBaseURL ?? "(set settings.baseURL)")")
            print("auth:         \(provider.authKinds.map(\.rawValue).joined(separator: ", "))")
            print("credentials:  \(provider.credentialFields.joined(separator: ", "))")
            if let header = provider.apiVersionHeader {
                print("API version:  \(header): \(provider.defaultAPIVersion ?? "") (pin with settings.apiVersion)")
            }
            if let verifier = provider.webhookVerifier { print("webhooks:     \(verifier)") }
            guard !provider.resources.isEmpty else {
                print("resources:    none; call its API through /api/v1/connections/{id}/proxy/…")
                return
            }
            print()
            print(
                Table.render(
                    header: ["RESOURCE", "OPERATIONS", "INCREMENTAL BY", "DELETES FROM", "DESCRIPTION"],
                    rows: provider.resources.map { resource in
                        [
                            resource.name, resource.operations.sorted().map(\.rawValue).joined(separator: ","), resource.cursorField ?? "-",
                            resource.deleteSource.summary, resource.description,
                        ]
                    }))
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check connector definition files and report every mistake with its path.",
            discussion: "Exits 0 when every file is valid, 1 otherwise. Nothing is contacted; only the files are read."
        )

        @Argument(help: ArgumentHelp("Definition files (YAML or JSON).", valueName: "file")) var files: [String]

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("give at least one definition file") }
        }

        func run() async throws {
            var failed = 0
            for file in files {
                do {
                    let definition = try ConnectorDefinitionFiles.load(file: file)
                    let resources = definition.descriptor.resources
                    print(
                        "\(file): valid: provider '\(definition.descriptor.name)' with \(resources.count) resource\(resources.count == 1 ? "" : "s") (\(resources.map(\.name).joined(separator: ", ")))"
                    )
                } catch {
                    failed += 1
                    printError(error.description)
                }
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }
}
