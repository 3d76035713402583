import ArgumentParser
import Foundation
import JunctionAPI
import JunctionConnectors
import JunctionCore

/// `junction connections`: connections on a running server, through its management API.
struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "Add, list, show, test, authorize and delete connections on a running Junction server.",
        discussion: """
            These commands call the management API of the server at --server (or JUNCTION_URL) with the token in \
            JUNCTION_ADMIN_TOKEN (or --token-file). Credentials are sealed by the server and shown masked.
            """,
        subcommands: [List.self, Show.self, Add.self, Test.self, Authorize.self, Delete.self, Health.self, Versions.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List connections; each filter given must match.")
        @Option(name: .long, help: "Only the application's customer's connections.") var tenant: String?
        @Option(name: .long, help: "Only this provider's.") var provider: String?
        @Option(name: .long, help: "Only those of this integration (its key).") var integration: String?
        @Option(name: .long, help: "Only those with this status (active, reauthorization_required).") var status: String?
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let connections = try await server.client().all { api, cursor in
                let page = try await api.listConnections(
                    query: .init(limit: 200, cursor: cursor, tenant: tenant, provider: provider, integration: integration, status: status)
                ).ok.body.json
                return (try page.data.map(JSONOutput.value), page.nextCursor)
            }
            if json { return try JSONOutput.print(.array(connections)) }
            guard !connections.isEmpty else { return print("no connections yet; add one with `junction connections add`") }
            print(
                Table.render(
                    header: ["ID", "PROVIDER", "NAME", "INTEGRATION", "TENANT", "STATUS", "LAST USED"],
                    rows: connections.map { connection in
                        ["id", "provider", "name", "integration", "tenant", "status", "lastUsedAt"].map { JSONOutput.cell(connection[$0]) }
                    }))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one connection: settings, masked credentials, status.")
        @Argument(help: "The connection's id (conn_…).") var id: String
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let connection = try await server.client().run {
                try JSONOutput.value(of: try await $0.getConnection(path: .init(id: id)).ok.body.json)
            }
            if json { return try JSONOutput.print(connection) }
            for key in ["id", "provider", "name", "status", "statusReason", "lastUsedAt", "createdAt", "updatedAt"] {
                if let value = connection[key], value != .null {
                    print("\(key):".padding(toLength: 14, withPad: " ", startingAt: 0) + JSONOutput.cell(value, width: 200))
                }
            }
            print("credentials:")
            for (name, value) in (connection["credentials"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                print("  \(name): \(JSONOutput.cell(value))")
            }
            print("settings:")
            try JSONOutput.print(connection["settings"] ?? .object([:]))
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a connection.",
            discussion: """
                Settings and credentials are key=value pairs; a value that is valid JSON is taken as JSON \
                (numbers, lists, objects), and a dotted key builds nested objects (--setting oauth.tokenURL=…). \
                A credential's value may be @FILE (read from a file) or - (read a line from standard input), so \
                secrets stay out of shell history. Example:

                  junction connections add --provider stripe --name billing --credential apiKey=- < key.txt
                  junction connections add --integration salesforce-prod --name "Acme CRM" --tenant acme
                """
        )
        @Option(name: .long, help: "The provider, as `junction providers` lists them (default: the integration's).") var provider: String?
        @Option(name: .long, help: "A name for people.") var name: String
        @Option(name: .long, help: "The integration it uses (its key): its OAuth app and shared settings.") var integration: String?
        @Option(name: .long, help: "The application's customer it belongs to.") var tenant: String?
        @Option(name: .long, help: ArgumentHelp("The application's own data about it, key=value (repeatable).", valueName: "key=value"))
        var metadata: [String] = []
        @Option(name: .long, help: ArgumentHelp("A setting, key=value (repeatable).", valueName: "key=value")) var setting: [String] = []
        @Option(name: .long, help: ArgumentHelp("A credential, key=value, key=@file or key=- (repeatable).", valueName: "key=value"))
        var credential: [String] = []
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print the created connection as JSON.") var json = false

        func run() async throws {
            let settings = try Self.object(setting, option: "--setting", secrets: false)
            let credentials = try Self.object(credential, option: "--credential", secrets: true)
            let created = try await server.client().run {
                try JSONOutput.value(
                    of: try await $0.createConnection(
                        body: .json(
                            .init(
                                provider: provider, integration: integration, tenant: tenant,
                                metadata: metadata.isEmpty ? nil : try Self.object(metadata, option: "--metadata", secrets: false).objectValue,
                                name: name, settings: settings.objectValue, credentials: credentials.objectValue))
                    ).created.body.json)
            }
            if json { return try JSONOutput.print(created) }
            print(created["id"]?.stringValue ?? "")
        }

        /// `key=value` pairs as a JSON object; dotted keys nest.
        static func object(_ pairs: [String], option: String, secrets: Bool) throws -> JSONValue {
            var object = JSONValue.object([:])
            for pair in pairs {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    // A credential is not echoed: without '=' it may be the secret itself.
                    throw CLIError(
                        secrets
                            ? "\(option) takes name=value (apiKey=@key.txt, apiKey=-), with the '='"
                            : "\(option) takes key=value, not '\(pair)'")
                }
                let key = String(pair[..<equals])
                var text = String(pair[pair.index(after: equals)...])
                if secrets, text == "-" {
                    guard let line = readLine(strippingNewline: true) else {
                        throw CLIError("\(option) \(key)=-: nothing on standard input")
                    }
                    text = line
                } else if secrets, text.hasPrefix("@") {
                    guard let contents = try? String(contentsOfFile: String(text.dropFirst()), encoding: .utf8) else {
                        throw CLIError("\(option) \(key): cannot read \(text.dropFirst())")
                    }
                    text = contents.hasSuffix("\n") ? String(contents.dropLast()) : contents
                }
                // Secrets stay text (a numeric-looking key is still a key); settings may be JSON.
                let value: JSONValue = secrets ? .string(text) : ((try? JSONValue.parse(text)) ?? .string(text))
                guard let path = JSONPath(key) else { throw CLIError("\(option): '\(key)' is not a key like oauth.tokenURL") }
                object = path.setting(value, in: object)
            }
            return object
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the provider's cheap health call with the connection's credentials and report how it went.",
            discussion: "Exits 0 when the provider answered, 1 with the reason otherwise."
        )
        @Argument(help: "The connection's id (conn_…).") var id: String
        @OptionGroup var server: ServerOptions

        func run() async throws {
            let answer = try await server.client().run { try await $0.testConnection(path: .init(id: id)).ok.body.json }
            print("ok: \(answer.provider) answered in \(answer.latencyMs) ms")
        }
    }

    struct Authorize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start an OAuth connection's authorization: prints the provider's URL to open (or opens it with --open).",
            discussion: """
                The URL works once and expires after 10 minutes. After consent the provider sends the browser to Junction's                 callback, which stores the tokens; with --return-to (a URL the integration allows) the browser then goes there.
                """)
        @Argument(help: "The connection's id (conn_…).") var id: String
        @Option(name: .customLong("return-to"), help: "Where the browser goes after the callback.") var returnTo: String?
        @Flag(name: .long, help: "Open the URL in the desktop's browser (xdg-open or open) as well as printing it.") var open = false
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let answer = try await server.client().run {
                try await $0.startOAuthAuthorization(path: .init(id: id), query: .init(returnTo: returnTo)).ok.body.json
            }
            if json { return try JSONOutput.print(try JSONOutput.value(of: answer)) }
            print(answer.authorizationUrl)
            FileHandle.standardError.write(Data("open it within 10 minutes (until \(answer.expiresAt.formatted(.iso8601)))\n".utf8))
            if open { try Self.openInBrowser(answer.authorizationUrl) }
        }

        /// Hands the URL to the desktop's opener; a machine without one gets a readable line, not a crash.
        static func openInBrowser(_ url: String) throws {
            let opener = ["/usr/bin/xdg-open", "/usr/bin/open"].first { FileManager.default.isExecutableFile(atPath: $0) }
            guard let opener else { throw CLIError("no browser opener (xdg-open or open) on this machine: open the URL above by hand") }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: opener)
            process.arguments = [url]
            try process.run()
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a connection with its credentials (revoked at the provider where it supports revocation).")
        @Argument(help: "The connection's id (conn_…).") var id: String
        @OptionGroup var server: ServerOptions

        func run() async throws {
            _ = try await server.client().run { try await $0.deleteConnection(path: .init(id: id)).noContent }
            print("deleted \(id)")
        }
    }

    struct Health: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a connection's health: its state and cause, the calls in its window, its last probe and its history.")
        @Argument(help: "The connection's id (conn_…).") var id: String
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let health = try await server.client().run { try JSONOutput.value(of: try await $0.getConnectionHealth(path: .init(id: id)).ok.body.json) }
            if json { return try JSONOutput.print(health) }
            print("state: \(JSONOutput.cell(health["state"])) since \(JSONOutput.cell(health["since"]))")
            if let cause = health["cause"]?.stringValue { print("cause: \(cause): \(JSONOutput.cell(health["detail"]))") }
            let window = health["window"]
            print("calls in the window: \(JSONOutput.cell(window?["calls"])), failed \(JSONOutput.cell(window?["errors"]))")
            let probe = health["probe"]
            print("last probe: \(JSONOutput.cell(probe?["lastAt"])) succeeded \(JSONOutput.cell(probe?["succeeded"])); next \(JSONOutput.cell(probe?["nextAt"]))")
            let history = health["history"]?.arrayValue ?? []
            guard !history.isEmpty else { return }
            print(
                Table.render(
                    header: ["AT", "FROM", "TO", "CAUSE", "DETAIL"],
                    rows: history.map { change in ["at", "previous", "state", "cause", "detail"].map { JSONOutput.cell(change[$0]) } }))
        }
    }

    struct Versions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the API versions a connection uses and used, with their deprecation, sunset and days left.")
        @Argument(help: "The connection's id (conn_…).") var id: String
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let versions = try await server.client().run {
                try JSONOutput.value(of: try await $0.getConnectionVersions(path: .init(id: id)).ok.body.json)
            }
            if json { return try JSONOutput.print(versions) }
            print("in use: \(JSONOutput.cell(versions["inUse"])) (pinned by \(JSONOutput.cell(versions["pinnedBy"])))")
            print(
                Table.render(
                    header: ["VERSION", "IN USE", "DEPRECATED", "SUNSET", "DAYS LEFT", "SOURCE", "ENDPOINTS"],
                    rows: (versions["versions"]?.arrayValue ?? []).map { version in
                        ["version", "inUse", "deprecated", "sunsetAt", "daysLeft", "source"].map { JSONOutput.cell(version[$0]) }
                            + [(version["endpoints"]?.arrayValue ?? []).compactMap { $0["endpoint"]?.stringValue }.joined(separator: ", ")]
                    }))
        }
    }
}
