import ArgumentParser
import Foundation
import JunctionAPI
import JunctionCore

/// `junction messages`: what the application sends to its endpoints through Junction, through the management API.
struct MessagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messages",
        abstract: "Send a message to the endpoints subscribed to its type, show its deliveries, resend its failures.",
        discussion: """
            Examples:

              junction messages send --type invoice.paid --payload '{"invoice": "in_123"}' --idempotency-key in_123-paid
              junction messages send --type invoice.paid --payload @invoice.json
              junction messages show msg_01J…
              junction messages retry msg_01J…
            """,
        subcommands: [Send.self, Show.self, Retry.self]
    )

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a message; its deliveries are scheduled at once.")
        @Option(name: .long, help: "Its event type (invoice.paid).") var type: String
        @Option(name: .long, help: ArgumentHelp("The JSON body, or @file to read it from a file, or - for standard input.", valueName: "json"))
        var payload: String
        @Option(name: .customLong("idempotency-key"), help: "A key: sending again with it returns the first message and sends nothing.")
        var idempotencyKey: String?
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let text: String
            if payload == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else if payload.hasPrefix("@") {
                guard let read = try? String(contentsOfFile: String(payload.dropFirst()), encoding: .utf8) else {
                    throw CLIError("cannot read the payload file \(payload.dropFirst())")
                }
                text = read
            } else {
                text = payload
            }
            let body: JSONValue
            do {
                body = try JSONValue.parse(text)
            } catch {
                throw CLIError("--payload is not JSON: \(error)")
            }
            let message = try await server.client().run {
                try JSONOutput.value(
                    of: try await $0.createMessage(body: .json(.init(eventType: type, payload: body, idempotencyKey: idempotencyKey))).accepted.body.json)
            }
            if json { return try JSONOutput.print(message) }
            let duplicate = message["duplicate"] == .bool(true)
            print(
                duplicate
                    ? "\(JSONOutput.cell(message["id"])) was sent before with this idempotency key; nothing new was sent"
                    : "\(JSONOutput.cell(message["id"])) accepted: \(JSONOutput.cell(message["deliveriesCreated"])) deliveries scheduled")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a message and its deliveries.")
        @Argument(help: "The message's id (msg_…).") var id: String
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let message = try await server.client().run { try JSONOutput.value(of: try await $0.getMessage(path: .init(id: id)).ok.body.json) }
            if json { return try JSONOutput.print(message) }
            for field in ["id", "eventType", "idempotencyKey", "createdAt"] where message[field] != nil && message[field] != .null {
                print("\(field): \(JSONOutput.cell(message[field], width: 200))")
            }
            print("payload: \(JSONOutput.cell(message["payload"], width: 200))")
            let deliveries = message["deliveries"]?.arrayValue ?? []
            guard !deliveries.isEmpty else { return print("\nno deliveries (no endpoint subscribes to its type)") }
            print("")
            print(DeliveriesCommand.table(deliveries))
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resend the message's failed deliveries.")
        @Argument(help: "The message's id (msg_…).") var id: String
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let resend = try await server.client().run { try await $0.retryMessage(path: .init(id: id)).accepted.body.json }
            if json { return try JSONOutput.print(try JSONOutput.value(of: resend)) }
            print("\(resend.scheduled) failed deliveries scheduled again")
        }
    }
}

/// `junction deliveries`: the attempts made to deliver messages to an endpoint.
struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries",
        abstract: "List delivery attempts: to one endpoint (--endpoint) or of one message (--message).",
        discussion: """
            Examples:

              junction deliveries list --endpoint ep_01J… --failed --limit 20
              junction deliveries list --message msg_01J…
            """,
        subcommands: [List.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List delivery attempts, newest first, or a message's deliveries.")
        @Option(name: .long, help: "Attempts to this endpoint (ep_…).") var endpoint: String?
        @Option(name: .long, help: "This message's deliveries, one per endpoint (msg_…).") var message: String?
        @Flag(name: .long, help: "Only failed attempts (with --endpoint).") var failed = false
        @Option(name: .long, help: "At most this many attempts (with --endpoint; default 100, 0 for all).") var limit = 100
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON instead of a table.") var json = false

        func validate() throws {
            guard (endpoint == nil) != (message == nil) else { throw CLIError("give either --endpoint or --message") }
            guard limit >= 0 else { throw CLIError("--limit must be 0 (all) or more, not \(limit)") }
        }

        func run() async throws {
            if let message {
                let deliveries = try await server.client().run {
                    try JSONOutput.value(of: try await $0.getMessage(path: .init(id: message)).ok.body.json)
                }["deliveries"]?.arrayValue ?? []
                if json { return try JSONOutput.print(.array(deliveries)) }
                return print(deliveries.isEmpty ? "no deliveries" : DeliveriesCommand.table(deliveries))
            }
            guard let endpoint else { return }
            let client = try server.client()
            var attempts: [JSONValue] = []
            var cursor: String?
            let progress = limit == 0 || limit > 1000 ? ProgressBar(label: "attempts", total: 0) : nil
            repeat {
                let page = try await client.run { try await $0.listEndpointAttempts(path: .init(id: endpoint), query: .init(limit: 200, cursor: cursor)).ok.body.json }
                attempts += try page.data.map(JSONOutput.value).filter { !failed || $0["succeeded"] != .bool(true) }
                progress?.update(attempts.count)
                cursor = page.nextCursor
            } while cursor != nil && (limit == 0 || attempts.count < limit)
            progress?.finish()
            if limit > 0 { attempts = Array(attempts.prefix(limit)) }
            if json { return try JSONOutput.print(.array(attempts)) }
            guard !attempts.isEmpty else { return print(failed ? "no failed attempts" : "no attempts") }
            print(
                Table.render(
                    header: ["ATTEMPT", "DELIVERY", "MESSAGE", "#", "STATUS", "MS", "AT", "ERROR"],
                    rows: attempts.map { attempt in
                        ["id", "deliveryId", "messageId", "attempt", "statusCode", "latencyMs", "createdAt", "error"].map { JSONOutput.cell(attempt[$0]) }
                    }))
        }
    }

    /// A message's deliveries as a table.
    static func table(_ deliveries: [JSONValue]) -> String {
        Table.render(
            header: ["DELIVERY", "ENDPOINT", "STATUS", "ATTEMPTS", "LAST STATUS", "NEXT ATTEMPT", "LAST ERROR"],
            rows: deliveries.map { delivery in
                ["id", "endpointId", "status", "attempts", "lastStatusCode", "nextAttemptAt", "lastError"].map { JSONOutput.cell(delivery[$0]) }
            })
    }
}
