import ArgumentParser
import Foundation
import JunctionAPI
import JunctionCore

/// `junction events`: the inbound webhooks Junction received, through the management API.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List, show, follow and replay inbound webhook events.",
        discussion: """
            Every webhook a connection received and verified is an event: stored before it was acknowledged, then \
            processed (forwarded to your endpoints, applied to syncs). Examples:

              junction events list --status dead --since 24h
              junction events tail --connection conn_01J… --type 'stripe.*'
              junction events replay evt_01J…
            """,
        subcommands: [List.self, Show.self, Tail.self, Replay.self],
        defaultSubcommand: List.self
    )

    /// The filters `list` and `tail` share.
    struct Filters: ParsableArguments {
        @Option(name: .long, help: "Only this connection's events (conn_…).") var connection: String?
        @Option(name: .long, help: "A normalized type (stripe.customer.created) or a prefix wildcard (stripe.*).") var type: String?
        @Option(name: .long, help: "Only received, processed, failed or dead events.") var status: String?

        func statusFilter() throws -> Components.Schemas.WebhookEventStatus? {
            try status.map { try SyncsCommand.parse($0, as: Components.Schemas.WebhookEventStatus.self, option: "--status") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List events, newest first.")
        @OptionGroup var filters: Filters
        @Option(name: .long, help: ArgumentHelp("Received at or after: RFC 3339, Unix seconds or a span back (24h).", valueName: "time"))
        var since: String?
        @Option(name: .long, help: ArgumentHelp("Received before: RFC 3339, Unix seconds or a span back.", valueName: "time"))
        var until: String?
        @Option(name: .long, help: "At most this many events (default 100; 0 for all).") var limit = 100
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON instead of a table.") var json = false

        func validate() throws {
            guard limit >= 0 else { throw CLIError("--limit must be 0 (all) or more, not \(limit)") }
        }

        func run() async throws {
            let status = try filters.statusFilter()
            let from = try since.map { try TimeOption.parse($0, option: "--since") }
            let to = try until.map { try TimeOption.parse($0, option: "--until") }
            let progress = limit == 0 || limit > 1000 ? ProgressBar(label: "events", total: 0) : nil
            var events: [JSONValue] = []
            var cursor: String?
            repeat {
                let pageSize = limit == 0 ? 200 : min(200, limit - events.count)
                let page = try await server.client().run { api in
                    try await api.listEvents(
                        query: .init(
                            connectionId: filters.connection, _type: filters.type, status: status, since: from, until: to, limit: pageSize,
                            cursor: cursor)
                    ).ok.body.json
                }
                events += try page.data.map(JSONOutput.value)
                progress?.update(events.count)
                cursor = page.nextCursor
            } while cursor != nil && (limit == 0 || events.count < limit)
            progress?.finish()
            if json { return try JSONOutput.print(.array(events)) }
            guard !events.isEmpty else { return print("no events") }
            print(Table.render(header: EventsCommand.columns.map(\.header), rows: events.map(EventsCommand.row)))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an event: normalized, with its processing attempts.")
        @Argument(help: "The event's id (evt_…).") var id: String
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let event = try await server.client().run { try JSONOutput.value(of: try await $0.getEvent(path: .init(id: id)).ok.body.json) }
            try EventsCommand.show(event, json: json)
        }
    }

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print events as they arrive, until interrupted.",
            discussion: "Starts with the events of the last --since (default: none) and then polls every --interval seconds.")
        @OptionGroup var filters: Filters
        @Option(name: .long, help: ArgumentHelp("Also print the events received since: RFC 3339, Unix seconds or a span back (10m).", valueName: "time"))
        var since: String?
        @Option(name: .long, help: "Seconds between polls (0.2 to 60).") var interval = 1.0
        @Option(name: .long, help: "Stop after this many events (for scripts).") var count: Int?
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "One JSON object per line instead of a table row.") var json = false

        func validate() throws {
            guard (0.2...60).contains(interval) else { throw CLIError("--interval must be between 0.2 and 60 seconds, not \(interval)") }
            if let count, count < 1 { throw CLIError("--count must be at least 1, not \(count)") }
        }

        func run() async throws {
            let status = try filters.statusFilter()
            let client = try server.client()
            // Each poll reads back over a window (from 30 s before the newest event printed) and prints what it has not
            // printed yet, oldest first: an event committed a moment after a later one (ids are made before the inbox's
            // group commit, and nodes' clocks differ) is still shown, and once.
            var printed = RecentIDs(capacity: 10_000)
            var windowStart = try since.map { try TimeOption.parse($0, option: "--since") } ?? Date()
            var count = 0
            if !json { print(Table.line(EventsCommand.columns.map(\.header), widths: EventsCommand.tailWidths)) }
            while !Task.isCancelled {
                var fresh: [JSONValue] = []
                var cursor: String?
                repeat {
                    let page = try await client.run { api in
                        try await api.listEvents(
                            query: .init(
                                connectionId: filters.connection, _type: filters.type, status: status, since: windowStart, limit: 200, cursor: cursor)
                        ).ok.body.json
                    }
                    fresh += try page.data.map(JSONOutput.value).filter { event in
                        event["id"]?.stringValue.map { !printed.contains($0) } ?? false
                    }
                    cursor = page.nextCursor
                } while cursor != nil
                for event in fresh.sorted(by: { ($0["id"]?.stringValue ?? "") < ($1["id"]?.stringValue ?? "") }) {
                    if json {
                        print(try event.serialized())
                    } else {
                        print(Table.line(EventsCommand.row(event), widths: EventsCommand.tailWidths))
                    }
                    if let id = event["id"]?.stringValue { printed.insert(id) }
                    if let received = event["receivedAt"]?.stringValue.flatMap({ try? Date($0, strategy: .iso8601) }) {
                        windowStart = max(windowStart, received.addingTimeInterval(-30))
                    }
                    count += 1
                    if let limit = self.count, count >= limit { return }
                }
                fflush(nil)  // every stream: a pipe reader sees each event as it arrives
                try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            }
        }
    }

    /// The ids printed lately, the oldest forgotten past `capacity`: enough to skip what a window reads again.
    struct RecentIDs {
        let capacity: Int
        private var order: [String] = []
        private var members: Set<String> = []

        init(capacity: Int) {
            self.capacity = capacity
        }

        func contains(_ id: String) -> Bool { members.contains(id) }

        mutating func insert(_ id: String) {
            guard members.insert(id).inserted else { return }
            order.append(id)
            if order.count > capacity {
                members.remove(order.removeFirst())
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Process an event again: its handlers run again, and what it forwards goes out as new messages.")
        @Argument(help: "The event's id (evt_…).") var id: String
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let event = try await server.client().run { try JSONOutput.value(of: try await $0.replayEvent(path: .init(id: id)).accepted.body.json) }
            if json { return try JSONOutput.print(event) }
            print("replay of \(id) queued (replays: \(JSONOutput.cell(event["replays"])))")
        }
    }

    static let columns: [(header: String, field: String)] = [
        ("ID", "id"), ("TYPE", "type"), ("CONNECTION", "connectionId"), ("STATUS", "status"), ("ATTEMPTS", "attempts"),
        ("RECEIVED", "receivedAt"),
    ]

    /// Column widths for rows printed one at a time: ids are 30 characters (`evt_` and a ULID), statuses at most 9.
    static let tailWidths = [30, 32, 31, 9, 8]

    static func row(_ event: JSONValue) -> [String] {
        columns.map { JSONOutput.cell(event[$0.field]) }
    }

    static func show(_ event: JSONValue, json: Bool) throws {
        if json { return try JSONOutput.print(event) }
        for field in ["id", "type", "connectionId", "provider", "externalId", "status", "attempts", "replays", "occurredAt", "receivedAt", "processedAt", "lastError"]
        where event[field] != nil && event[field] != .null {
            print("\(field): \(JSONOutput.cell(event[field], width: 200))")
        }
        if let attempts = event["processingAttempts"]?.arrayValue, !attempts.isEmpty {
            print("\nprocessing attempts:")
            print(
                Table.render(
                    header: ["ATTEMPT", "SUCCEEDED", "STARTED", "MS", "ERROR"],
                    rows: attempts.map { attempt in ["attempt", "succeeded", "startedAt", "durationMs", "error"].map { JSONOutput.cell(attempt[$0]) } }))
        }
        if let normalized = event["event"], normalized != .null {
            print("\nnormalized event:")
            try JSONOutput.print(normalized)
        }
    }
}
