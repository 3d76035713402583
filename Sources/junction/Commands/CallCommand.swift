import ArgumentParser
import Foundation
import JunctionConnectors
import JunctionCore
import NIOHTTP1

/// `junction call`: one connector operation from a terminal, through a running server.
struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call a connection's resource: list, get, create, update or delete records.",
        discussion: """
            Goes through the server's uniform resources route, so retries, rate limits, credentials and mappings \
            apply as they do for applications. Examples:

              junction call conn_01J… customers list --limit 20
              junction call conn_01J… customers list --all --fields email,name --since 2024-05-01T00:00:00Z
              junction call conn_01J… customers get cus_123 --json
              junction call conn_01J… customers create --data '{"email": "ada@example.com"}'
              junction call conn_01J… customers update cus_123 --data @changes.json
            """
    )

    enum Operation: String, ExpressibleByArgument, CaseIterable {
        case list, get, create, update, delete
    }

    @Argument(help: "The connection's id (conn_…).") var connection: String
    @Argument(help: "The resource, as `junction providers show PROVIDER` lists them.") var resource: String
    @Argument(help: "list, get, create, update or delete.") var operation: Operation
    @Argument(help: "The record's id, for get, update and delete.") var id: String?

    @Option(name: .long, help: ArgumentHelp("The record for create and update: JSON, @FILE, or - for standard input.", valueName: "json"))
    var data: String?
    @Option(name: .long, help: "Records per page (list).") var limit: Int?
    @Option(name: .long, help: "Start from this cursor (list).") var cursor: String?
    @Option(name: .long, help: ArgumentHelp("Only records changed since this time: ISO 8601 or Unix seconds (list).", valueName: "time"))
    var since: String?
    @Flag(name: .long, help: "Follow every page (list), with a running count on standard error.") var all = false
    @Option(name: .long, help: ArgumentHelp("Columns of the table, comma-separated paths (list).", valueName: "a,b.c")) var fields: String?
    @Flag(
        name: .long,
        help:
            "Work in the application's shape (needs settings.mappings for the resource): show mapped records, and for create and update send --data as the application's record, mapped back."
    )
    var mapped = false
    @Flag(name: .long, help: "Print JSON instead of a table.") var json = false
    @OptionGroup var server: ServerOptions

    func validate() throws {
        let needsID: Set<Operation> = [.get, .update, .delete]
        if needsID.contains(operation), id == nil { throw ValidationError("\(operation.rawValue) needs the record's id") }
        if !needsID.contains(operation), let id { throw ValidationError("\(operation.rawValue) takes no record id (got '\(id)')") }
        if [.create, .update].contains(operation), data == nil { throw ValidationError("\(operation.rawValue) needs --data") }
        if let limit, !(1...1000).contains(limit) { throw ValidationError("--limit must be from 1 to 1000") }
        if let since, Int64(since) == nil, (try? Date(since, strategy: .iso8601)) == nil {
            throw ValidationError("--since must be an ISO 8601 time (2024-05-01T00:00:00Z) or Unix seconds, not '\(since)'")
        }
    }

    func run() async throws {
        let client = try server.client()
        let base = "/api/v1/connections/\(ManagementClient.encoded(connection))/resources/\(ManagementClient.encoded(resource))"
        let item = id.map { base + "/" + ManagementClient.encoded($0) } ?? base
        switch operation {
        case .list:
            var query: [String] = []
            if let limit { query.append("limit=\(limit)") }
            if let since { query.append("updatedSince=\(ManagementClient.encoded(since))") }
            let path = base + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
            let records: [JSONValue]
            var next: String?
            if all {
                let progress = ProgressBar(label: "records", total: 0)
                records = try await client.all(path, progress: progress.update)
                progress.finish()
            } else {
                let separator = path.contains("?") ? "&" : "?"
                let page = try await client.call(.GET, path + (cursor.map { separator + "cursor=" + ManagementClient.encoded($0) } ?? ""))
                    .json
                records = page["data"]?.arrayValue ?? []
                next = page["nextCursor"]?.stringValue
            }
            if json { try JSONOutput.print(.array(records)) } else { print(table(records)) }
            // On standard error, so JSON on standard output stays clean for pipes.
            if let next { printError("more: --cursor '\(next)'") }
        case .get:
            try show(try await client.call(.GET, item).json)
        case .create:
            try show(try await client.call(.POST, base + (mapped ? "?input=mapped" : ""), body: try input()).json)
        case .update:
            try show(try await client.call(.PATCH, item + (mapped ? "?input=mapped" : ""), body: try input()).json)
        case .delete:
            try show(try await client.call(.DELETE, item).json)
        }
    }

    private func input() throws -> JSONValue {
        guard var text = data else { throw CLIError("--data is required") }
        if text == "-" {
            text = AnyIterator { readLine(strippingNewline: false) }.joined()
        } else if text.hasPrefix("@") {
            guard let contents = try? String(contentsOfFile: String(text.dropFirst()), encoding: .utf8) else {
                throw CLIError("--data: cannot read \(text.dropFirst())")
            }
            text = contents
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            throw CLIError("--data is not valid JSON: \(error)")
        }
        guard value.objectValue != nil else {
            throw CLIError("--data must be a JSON object, not \(value.typeName == "array" ? "an" : "a") \(value.typeName)")
        }
        return value
    }

    private func show(_ item: JSONValue) throws {
        if json { return try JSONOutput.print(item) }
        try JSONOutput.print((mapped ? item["mapped"] : item["record"]) ?? item)
    }

    private func table(_ items: [JSONValue]) -> String {
        guard !items.isEmpty else { return "no records" }
        let records = items.map { (mapped ? $0["mapped"] : $0["record"]) ?? .null }
        let columns: [String]
        if let fields {
            columns = fields.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            // Scalar fields, the id left out (it is the first column already).
            let scalars = (records.first?.objectValue ?? [:]).filter {
                $0.value.objectValue == nil && $0.value.arrayValue == nil && $0.value != items.first?["externalId"]
            }.keys
            let preferred = ["name", "Name", "email", "Email", "summary", "status", "title", "amount", "currency", "created", "updated"]
            columns = Array((preferred.filter(scalars.contains) + scalars.sorted().filter { !preferred.contains($0) }).prefix(4))
        }
        let paths = columns.map { JSONPath($0) }
        return Table.render(
            header: ["ID"] + columns.map { $0.uppercased() },
            rows: zip(items, records).map { item, record in
                [JSONOutput.cell(item["externalId"])] + paths.map { path in JSONOutput.cell(path.flatMap { $0.value(in: record) }) }
            })
    }
}
