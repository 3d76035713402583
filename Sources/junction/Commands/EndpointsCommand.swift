import ArgumentParser
import Foundation
import JunctionAPI
import JunctionCore

/// `junction endpoints`: where Junction sends the application's webhooks, through the management API.
struct EndpointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "endpoints",
        abstract: "Manage outbound webhook endpoints: create, change, pause, disable, rotate secrets, resend failures.",
        discussion: """
            An endpoint receives every message whose type it subscribes to, signed with its secret (Standard Webhooks), \
            retried on failure and kept as a dead letter when its retries run out. Examples:

              junction endpoints create https://app.example.com/hooks --event-type 'stripe.*' --event-type 'connection.*'
              junction endpoints update ep_01J… --pause            # hold deliveries: they wait, using no attempt
              junction endpoints update ep_01J… --resume           # send what waited, in order, at once
              junction endpoints update ep_01J… --disable          # stop sending; its deliveries fail as dead letters
              junction endpoints recover ep_01J… --since 6h        # resend what failed in the last six hours
              junction endpoints rotate-secret ep_01J…             # the old secret stays valid for 24 hours
            """,
        subcommands: [List.self, Create.self, Show.self, Update.self, Delete.self, RotateSecret.self, Recover.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List endpoints.")
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let endpoints = try await server.client().all { api, cursor in
                let page = try await api.listEndpoints(query: .init(limit: 200, cursor: cursor)).ok.body.json
                return (try page.data.map(JSONOutput.value), page.nextCursor)
            }
            if json { return try JSONOutput.print(.array(endpoints)) }
            guard !endpoints.isEmpty else { return print("no endpoints") }
            print(
                Table.render(
                    header: ["ID", "STATUS", "URL", "EVENT TYPES", "FAILING SINCE"],
                    rows: endpoints.map { endpoint in
                        ["id", "status", "url", "eventTypes", "failingSince"].map { JSONOutput.cell(endpoint[$0], width: 60) }
                    }))
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an endpoint; prints its signing secret, shown this once.")
        @Argument(help: "The URL deliveries are POSTed to (http or https).") var url: String
        @Option(name: .customLong("event-type"), help: "A type it receives: exact, a prefix wildcard (stripe.*) or * (repeatable; default *).")
        var eventTypes: [String] = []
        @Option(name: .long, help: "What it is for.") var description: String?
        @Option(name: .customLong("rate-limit"), help: "Deliveries per second at most.") var rateLimit: Int?
        @Option(name: .customLong("retry-schedule"), help: ArgumentHelp("Seconds between attempts, comma-separated (5,300,1800).", valueName: "seconds"))
        var retrySchedule: String?
        @Flag(name: .long, help: "Deliver one message at a time, in the order accepted.") var ordered = false
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let body = Components.Schemas.EndpointCreate(
                url: url, eventTypes: eventTypes.isEmpty ? nil : eventTypes, description: description, rateLimit: rateLimit,
                retrySchedule: try retrySchedule.map(EndpointsCommand.schedule), ordered: ordered ? true : nil)
            let endpoint = try await server.client().run { try JSONOutput.value(of: try await $0.createEndpoint(body: .json(body)).created.body.json) }
            try EndpointsCommand.show(endpoint, json: json)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an endpoint.")
        @Argument(help: "The endpoint's id (ep_…).") var id: String
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let endpoint = try await server.client().run { try JSONOutput.value(of: try await $0.getEndpoint(path: .init(id: id)).ok.body.json) }
            try EndpointsCommand.show(endpoint, json: json)
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an endpoint; pause and resume it, or disable and enable it.",
            discussion: "--rate-limit none and --retry-schedule default remove a limit and a custom schedule.")
        @Argument(help: "The endpoint's id (ep_…).") var id: String
        @Option(name: .long, help: "A new URL.") var url: String?
        @Option(name: .customLong("event-type"), help: "The types it receives, replacing the current ones (repeatable).")
        var eventTypes: [String] = []
        @Option(name: .long, help: "A new description.") var description: String?
        @Option(name: .customLong("rate-limit"), help: "Deliveries per second at most, or none.") var rateLimit: String?
        @Option(name: .customLong("retry-schedule"), help: ArgumentHelp("Seconds between attempts (5,300,1800), or default.", valueName: "seconds"))
        var retrySchedule: String?
        @Option(name: .long, help: "Deliver in order (true) or concurrently (false).") var ordered: Bool?
        @Flag(name: .long, help: "Enable a disabled endpoint (its failure streak ends); resend what failed meanwhile with recover.")
        var enable = false
        @Flag(name: .long, help: "Disable the endpoint: nothing is sent, its deliveries fail as dead letters until --enable.") var disable = false
        @Flag(name: .long, help: "Pause the endpoint: messages still make deliveries, which wait (using no attempt) until --resume.")
        var pause = false
        @Flag(name: .long, help: "Resume a paused endpoint: what waited is sent at once.") var resume = false
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func validate() throws {
            if enable && disable { throw CLIError("--enable and --disable cannot both be given") }
            if pause && resume { throw CLIError("--pause and --resume cannot both be given") }
        }

        func run() async throws {
            var nulls: Set<String> = []
            var limit: Int?
            switch rateLimit {
            case nil: break
            case "none"?: nulls.insert("rateLimit")
            case let text?:
                guard let value = Int(text) else { throw CLIError("--rate-limit must be a number of deliveries per second or none, not '\(text)'") }
                limit = value
            }
            var schedule: [Int]?
            switch retrySchedule {
            case nil: break
            case "default"?: nulls.insert("retrySchedule")
            case let text?: schedule = try EndpointsCommand.schedule(text)
            }
            let fields = Components.Schemas.EndpointUpdate(
                url: url, eventTypes: eventTypes.isEmpty ? nil : eventTypes, description: description, rateLimit: limit,
                retrySchedule: schedule, ordered: ordered, enabled: enable ? true : disable ? false : nil,
                paused: pause ? true : resume ? false : nil)
            guard fields != Components.Schemas.EndpointUpdate() || !nulls.isEmpty else {
                throw CLIError(
                    "nothing to change: give --url, --event-type, --description, --rate-limit, --retry-schedule, --ordered, --pause, --resume, --enable or --disable")
            }
            let endpoint = try await server.client().run {
                try JSONOutput.value(of: try await $0.updateEndpoint(path: .init(id: id), body: .json(.init(fields: fields, nulls: nulls))).ok.body.json)
            }
            try EndpointsCommand.show(endpoint, json: json)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an endpoint; its pending deliveries are dropped.")
        @Argument(help: "The endpoint's id (ep_…).") var id: String
        @OptionGroup var server: ServerOptions

        func run() async throws {
            _ = try await server.client().run { try await $0.deleteEndpoint(path: .init(id: id)).noContent }
            print("deleted \(id)")
        }
    }

    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-secret",
            abstract: "Give an endpoint a new signing secret; deliveries are signed with both until the old one expires.")
        @Argument(help: "The endpoint's id (ep_…).") var id: String
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let endpoint = try await server.client().run {
                try JSONOutput.value(of: try await $0.rotateEndpointSecret(path: .init(id: id)).ok.body.json)
            }
            try EndpointsCommand.show(endpoint, json: json)
        }
    }

    struct Recover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resend every delivery to the endpoint that failed since a time.")
        @Argument(help: "The endpoint's id (ep_…).") var id: String
        @Option(name: .long, help: ArgumentHelp("Failed at or after: RFC 3339, Unix seconds or a span back (6h).", valueName: "time"))
        var since: String
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let from = try TimeOption.parse(since, option: "--since")
            let resend = try await server.client().run { try await $0.recoverEndpoint(path: .init(id: id), query: .init(since: from)).accepted.body.json }
            if json { return try JSONOutput.print(try JSONOutput.value(of: resend)) }
            print("\(resend.scheduled) failed deliveries scheduled again")
        }
    }

    /// A retry schedule given as comma-separated seconds.
    static func schedule(_ text: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let seconds = parts.compactMap { Int($0) }
        guard !parts.isEmpty, seconds.count == parts.count else {
            throw CLIError("--retry-schedule must be seconds separated by commas (5,300,1800), not '\(text)'")
        }
        return seconds
    }

    static func show(_ endpoint: JSONValue, json: Bool) throws {
        if json { return try JSONOutput.print(endpoint) }
        for field in ["id", "url", "status", "disabledReason", "failingSince", "eventTypes", "description", "rateLimit", "retrySchedule", "ordered", "createdAt", "updatedAt"]
        where endpoint[field] != nil && endpoint[field] != .null {
            print("\(field): \(JSONOutput.cell(endpoint[field], width: 200))")
        }
        if let secret = endpoint["secret"]?.stringValue {
            print("secret: \(secret)")
            print("(shown once: store it where your receiver verifies signatures)")
        }
    }
}
