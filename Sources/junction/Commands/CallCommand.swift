import ArgumentParser
import Foundation
import JunctionAPI
import JunctionApp
import JunctionConnectors
import JunctionCore

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
        if let since, TimeParameter.date(from: since) == nil {
            throw ValidationError("--since must be an RFC 3339 time from 1970 (2024-05-01T00:00:00Z) or Unix seconds, not '\(since)'")
        }
    }

    func run() async throws {
        let client = try server.client()
        let path = Operations.ListRecords.Input.Path(id: connection, resource: resource)
        let shape: Operations.CreateRecord.Input.Query.InputPayload? = mapped ? .mapped : nil
        switch operation {
        case .list:
            let query = { (cursor: String?) in
                Operations.ListRecords.Input.Query(cursor: cursor, limit: limit, updatedSince: since)
            }
            let records: [JSONValue]
            var next: String?
            if all {
                let progress = ProgressBar(label: "records", total: 0)
                records = try await client.all(progress: progress.update) { api, cursor in
                    let page = try await api.listRecords(path: path, query: query(cursor)).ok.body.json
                    return (try page.data.map(JSONOutput.value), page.nextCursor)
                }
                progress.finish()
            } else {
                let page = try await client.run { try await $0.listRecords(path: path, query: query(cursor)).ok.body.json }
                records = try page.data.map(JSONOutput.value)
                next = page.nextCursor
            }
            if json { try JSONOutput.print(.array(records)) } else { print(table(records)) }
            // On standard error, so JSON on standard output stays clean for pipes.
            if let next { printError("more: --cursor '\(next)'") }
        case .get:
            let record = try await client.run {
                try await $0.getRecord(path: .init(id: connection, resource: resource, externalId: id ?? "")).ok.body.json
            }
            try show(try JSONOutput.value(of: record))
        case .create:
            let record = try input()
            let created = try await client.run {
                try await $0.createRecord(path: .init(id: connection, resource: resource), query: .init(input: shape), body: .json(record))
                    .created.body.json
            }
            try show(try JSONOutput.value(of: created))
        case .update:
            let changes = try input()
            let updated = try await client.run {
                try await $0.updateRecord(
                    path: .init(id: connection, resource: resource, externalId: id ?? ""),
                    query: .init(input: shape.flatMap { .init(rawValue: $0.rawValue) }), body: .json(changes)
                ).ok.body.json
            }
            try show(try JSONOutput.value(of: updated))
        case .delete:
            let deleted = try await client.run {
                try await $0.deleteRecord(path: .init(id: connection, resource: resource, externalId: id ?? "")).ok.body.json
            }
            try show(try JSONOutput.value(of: deleted))
        }
    }

    private func input() throws -> JSONObject {
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
        guard let object = value.objectValue else {
            throw CLIError("--data must be a JSON object, not \(value.typeName == "array" ? "an" : "a") \(value.typeName)")
        }
        return object
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
