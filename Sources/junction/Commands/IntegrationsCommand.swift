import ArgumentParser
import Foundation
import JunctionAPI
import JunctionCore

/// `junction integrations`: providers configured once for many connections, through the management API.
struct IntegrationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "integrations",
        abstract: "Add, list, show, change and delete integrations (an OAuth app and shared settings for many connections).",
        discussion: """
            An integration that uses OAuth starts from its provider's preset (`junction integrations presets`); its \
            client id and secret are sealed by the server and shown masked. Example:

              junction integrations add --key salesforce-prod --provider salesforce \\
                --oauth allowedReturnUrls='["https://app.example.com/done"]' --credential clientId=3MVG9… --credential clientSecret=-
              junction connections add --integration salesforce-prod --name "Acme CRM" --tenant acme
            """,
        subcommands: [List.self, Show.self, Add.self, Update.self, Delete.self, Presets.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every integration.")
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let integrations = try await server.client().all { api, cursor in
                let page = try await api.listIntegrations(query: .init(limit: 200, cursor: cursor)).ok.body.json
                return (try page.data.map(JSONOutput.value), page.nextCursor)
            }
            if json { return try JSONOutput.print(.array(integrations)) }
            guard !integrations.isEmpty else { return print("no integrations yet; add one with `junction integrations add`") }
            print(
                Table.render(
                    header: ["KEY", "PROVIDER", "NAME", "CONNECTIONS", "UPDATED"],
                    rows: integrations.map { integration in ["key", "provider", "name", "connections", "updatedAt"].map { JSONOutput.cell(integration[$0]) } }))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an integration: settings and masked credentials.")
        @Argument(help: "The integration's key.") var key: String
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let integration = try await server.client().run { try JSONOutput.value(of: try await $0.getIntegration(path: .init(key: key)).ok.body.json) }
            try IntegrationsCommand.show(integration, json: json)
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an integration.",
            discussion: """
                OAuth settings, other settings and credentials are key=value pairs as for `junction connections add` \
                (a JSON value is taken as JSON, dotted keys nest, a credential may be @FILE or -).
                """)
        @Option(name: .long, help: "A unique key, e.g. salesforce-prod (lowercase letters, digits, '.', '_', '-').") var key: String
        @Option(name: .long, help: "The provider, as `junction providers` lists them.") var provider: String
        @Option(name: .long, help: "A name for people (default: the key).") var name: String?
        @Option(name: .long, help: "The preset to start from (default: the provider's own when it uses OAuth).") var preset: String?
        @Option(name: .long, help: ArgumentHelp("An OAuth setting over the preset's, key=value (repeatable).", valueName: "key=value"))
        var oauth: [String] = []
        @Option(name: .long, help: ArgumentHelp("A shared setting, key=value (repeatable).", valueName: "key=value")) var setting: [String] = []
        @Option(name: .long, help: ArgumentHelp("A credential, key=value, key=@file or key=- (repeatable).", valueName: "key=value"))
        var credential: [String] = []
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print the created integration as JSON.") var json = false

        func run() async throws {
            let oauthSettings = try ConnectionsCommand.Add.object(oauth, option: "--oauth", secrets: false).objectValue
            let settings = try ConnectionsCommand.Add.object(setting, option: "--setting", secrets: false).objectValue
            let credentials = try ConnectionsCommand.Add.object(credential, option: "--credential", secrets: true).objectValue
            let created = try await server.client().run {
                try JSONOutput.value(
                    of: try await $0.createIntegration(
                        body: .json(
                            .init(
                                key: key, provider: provider, name: name, preset: preset, oauth: oauth.isEmpty ? nil : oauthSettings,
                                settings: setting.isEmpty ? nil : settings, credentials: credential.isEmpty ? nil : credentials))
                    ).created.body.json)
            }
            if json { return try JSONOutput.print(created) }
            print(created["key"]?.stringValue ?? "")
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an integration; every connection that uses it sees the change at once.",
            discussion: "A value of null removes a member (--oauth scopes=null). Rotate the client secret with --credential clientSecret=-.")
        @Argument(help: "The integration's key.") var key: String
        @Option(name: .long, help: "A new name.") var name: String?
        @Option(name: .long, help: ArgumentHelp("An OAuth setting, key=value (repeatable).", valueName: "key=value")) var oauth: [String] = []
        @Option(name: .long, help: ArgumentHelp("A shared setting, key=value (repeatable).", valueName: "key=value")) var setting: [String] = []
        @Option(name: .long, help: ArgumentHelp("A credential, key=value, key=@file or key=- (repeatable).", valueName: "key=value"))
        var credential: [String] = []
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            guard name != nil || !oauth.isEmpty || !setting.isEmpty || !credential.isEmpty else {
                throw CLIError("nothing to change: give --name, --oauth, --setting or --credential")
            }
            let fields = Components.Schemas.IntegrationUpdate(
                name: name, oauth: oauth.isEmpty ? nil : try ConnectionsCommand.Add.object(oauth, option: "--oauth", secrets: false).objectValue,
                settings: setting.isEmpty ? nil : try ConnectionsCommand.Add.object(setting, option: "--setting", secrets: false).objectValue,
                credentials: credential.isEmpty ? nil : try ConnectionsCommand.Add.object(credential, option: "--credential", secrets: true).objectValue)
            let updated = try await server.client().run {
                try JSONOutput.value(of: try await $0.updateIntegration(path: .init(key: key), body: .json(.init(fields: fields))).ok.body.json)
            }
            try IntegrationsCommand.show(updated, json: json)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an integration (refused while connections use it).")
        @Argument(help: "The integration's key.") var key: String
        @OptionGroup var server: ServerOptions

        func run() async throws {
            _ = try await server.client().run { try await $0.deleteIntegration(path: .init(key: key)).noContent }
            print("deleted \(key)")
        }
    }

    struct Presets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the presets integrations start from.")
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let presets = try await server.client().run { try await $0.listIntegrationPresets().ok.body.json.data.map(JSONOutput.value) }
            if json { return try JSONOutput.print(.array(presets)) }
            print(
                Table.render(
                    header: ["PRESET", "PROVIDER", "AUTHORIZE URL", "SCOPES"],
                    rows: presets.map { preset in
                        let oauth = preset["settings"]?["oauth"]
                        return [
                            JSONOutput.cell(preset["name"]), JSONOutput.cell(preset["provider"]), JSONOutput.cell(oauth?["authorizeURL"]),
                            (oauth?["scopes"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " "),
                        ]
                    }))
        }
    }

    static func show(_ integration: JSONValue, json: Bool) throws {
        if json { return try JSONOutput.print(integration) }
        for field in ["key", "id", "provider", "name", "connections", "createdAt", "updatedAt"] {
            print("\(field): \(JSONOutput.cell(integration[field]))")
        }
        print("credentials:")
        for (name, value) in (integration["credentials"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            print("  \(name): \(JSONOutput.cell(value))")
        }
        print("settings:")
        try JSONOutput.print(integration["settings"] ?? .object([:]))
    }
}
