import ArgumentParser
import Foundation
import JunctionAPI
import JunctionCore

/// `junction alerts`: what needs a person (connections down, API versions near their sunset), through the management API.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "List, show and acknowledge alerts.",
        discussion: """
            An alert opens when a connection's health changes for the worse or its API version nears its sunset, one \
            per connection and cause; it resolves by itself when the cause goes away. Example:

              junction alerts list --status open
              junction alerts ack alrt_01J… --by ops@example.com
              junction alerts events --type endpoint.disabled
            """,
        subcommands: [List.self, Show.self, Acknowledge.self, Events.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List alerts, newest first.")
        @Option(name: .long, help: "Only open, acknowledged or resolved alerts.") var status: String?
        @Option(name: .long, help: "Only this connection's alerts (conn_…).") var connection: String?
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let statusFilter = try status.map { try SyncsCommand.parse($0, as: Operations.ListAlerts.Input.Query.StatusPayload.self, option: "--status") }
            let alerts = try await server.client().all { api, cursor in
                let page = try await api.listAlerts(query: .init(limit: 200, cursor: cursor, status: statusFilter, connectionId: connection)).ok.body.json
                return (try page.data.map(JSONOutput.value), page.nextCursor)
            }
            if json { return try JSONOutput.print(.array(alerts)) }
            guard !alerts.isEmpty else { return print("no alerts") }
            print(
                Table.render(
                    header: ["ID", "STATUS", "SEVERITY", "CONNECTION", "CAUSE", "TITLE", "OPENED"],
                    rows: alerts.map { alert in
                        ["id", "status", "severity", "connectionId", "cause", "title", "openedAt"].map { JSONOutput.cell(alert[$0]) }
                    }))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an alert with its facts.")
        @Argument(help: "The alert's id (alrt_…).") var id: String
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let alert = try await server.client().run { try JSONOutput.value(of: try await $0.getAlert(path: .init(id: id)).ok.body.json) }
            try AlertsCommand.show(alert, json: json)
        }
    }

    struct Acknowledge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ack", abstract: "Acknowledge an alert: you have seen it (it resolves by itself when its cause goes away).")
        @Argument(help: "The alert's id (alrt_…).") var id: String
        @Option(name: .long, help: "Who acknowledges it.") var by: String?
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let alert = try await server.client().run {
                try JSONOutput.value(of: try await $0.acknowledgeAlert(path: .init(id: id), query: .init(by: by)).ok.body.json)
            }
            try AlertsCommand.show(alert, json: json)
        }
    }

    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List operational events, newest first: what happened to Junction itself (health changes, refused credentials, disabled endpoints).")
        @Option(name: .long, help: "Only this connection's (conn_…).") var connection: String?
        @Option(name: .long, help: "Only this type (connection.health.down, endpoint.disabled…).") var type: String?
        @Option(name: .long, help: "At most this many (default 50).") var limit = 50
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON instead of a table.") var json = false

        func validate() throws {
            guard limit >= 1 else { throw CLIError("--limit must be at least 1, not \(limit)") }
        }

        func run() async throws {
            var events: [JSONValue] = []
            var cursor: String?
            let client = try server.client()
            repeat {
                let page = try await client.run {
                    try await $0.listOperationalEvents(query: .init(limit: min(200, limit - events.count), cursor: cursor, connectionId: connection, _type: type))
                        .ok.body.json
                }
                events += try page.data.map(JSONOutput.value)
                cursor = page.nextCursor
            } while cursor != nil && events.count < limit
            if json { return try JSONOutput.print(.array(events)) }
            guard !events.isEmpty else { return print("no operational events") }
            print(
                Table.render(
                    header: ["WHEN", "TYPE", "CONNECTION", "WHAT HAPPENED"],
                    rows: events.map { event in ["createdAt", "type", "connectionId", "message"].map { JSONOutput.cell(event[$0], width: 90) } }))
        }
    }

    static func show(_ alert: JSONValue, json: Bool) throws {
        if json { return try JSONOutput.print(alert) }
        for field in ["id", "status", "severity", "connectionId", "cause", "title", "detail", "occurrences", "openedAt", "acknowledgedAt", "acknowledgedBy", "resolvedAt"]
        where alert[field] != nil && alert[field] != .null {
            print("\(field): \(JSONOutput.cell(alert[field]))")
        }
    }
}
