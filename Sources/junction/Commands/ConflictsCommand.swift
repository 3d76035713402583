import ArgumentParser
import Foundation
import JunctionAPI
import JunctionCore

/// `junction conflicts`: the conflict queue of two-way syncs, through the management API.
struct ConflictsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts",
        abstract: "List, show and resolve conflicts of two-way syncs.",
        discussion: """
            A conflict is a record both sides changed in a way the sync's policy does not settle; it holds both \
            versions until a person resolves it. Example:

              junction conflicts list --status open
              junction conflicts show cfl_01J…
              junction conflicts resolve cfl_01J… --take local --by ops@example.com
            """,
        subcommands: [List.self, Show.self, Resolve.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List conflicts, oldest first, with the fields in conflict.")
        @Option(name: .long, help: "Only this sync's conflicts.") var sync: String?
        @Option(name: .long, help: "Only open or only resolved conflicts.") var status: String?
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let statusFilter = try status.map { try SyncsCommand.parse($0, as: Components.Schemas.SyncConflictStatus.self, option: "--status") }
            let conflicts = try await server.client().all { api, cursor in
                let page = try await api.listConflicts(query: .init(syncId: sync, status: statusFilter, limit: 200, cursor: cursor)).ok.body.json
                return (try page.data.map(JSONOutput.value), page.nextCursor)
            }
            if json { return try JSONOutput.print(.array(conflicts)) }
            guard !conflicts.isEmpty else { return print("no conflicts") }
            print(
                Table.render(
                    header: ["ID", "SYNC", "RECORD", "STATUS", "FIELDS IN CONFLICT", "OPENED", "RESOLVED BY"],
                    rows: conflicts.map { conflict in
                        let fields = (conflict["fields"]?.arrayValue ?? []).filter { $0["conflicting"] == true }.compactMap { $0["field"]?.stringValue }
                        return [
                            JSONOutput.cell(conflict["id"]), JSONOutput.cell(conflict["syncId"]), JSONOutput.cell(conflict["externalId"]),
                            JSONOutput.cell(conflict["status"]), fields.joined(separator: ", "), JSONOutput.cell(conflict["openedAt"]),
                            JSONOutput.cell(conflict["resolvedBy"]),
                        ]
                    }))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a conflict: every changed field's base, local and remote value.")
        @Argument(help: "The conflict's id (cfl_…).") var id: String
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let conflict = try await server.client().run { try JSONOutput.value(of: try await $0.getConflict(path: .init(id: id)).ok.body.json) }
            try ConflictsCommand.show(conflict, json: json)
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve a conflict: take one side's values of the conflicting fields, or give the merged record.",
            discussion: """
                --take local or --take remote settles the fields in conflict with that side's values (what the policy \
                merged stands); --record gives the whole merged record, in the provider's shape. The result is pushed.
                """)
        @Argument(help: "The conflict's id (cfl_…).") var id: String
        @Option(name: .long, help: "local or remote.") var take: String?
        @Option(name: .long, help: "The merged record, as a JSON object.") var record: String?
        @Option(name: .long, help: "Who resolves it (recorded with the conflict). Default: admin.") var by: String?
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let side = try take.map { try SyncsCommand.parse($0, as: Components.Schemas.ConflictResolution.TakePayload.self, option: "--take") }
            let merged = try record.map { try SyncsCommand.object($0) }
            guard (side == nil) != (merged == nil) else { throw CLIError("give exactly one of --take and --record") }
            let conflict = try await server.client().run {
                try JSONOutput.value(
                    of: try await $0.resolveConflict(path: .init(id: id), body: .json(.init(take: side, record: merged, resolvedBy: by))).accepted
                        .body.json)
            }
            try ConflictsCommand.show(conflict, json: json)
        }
    }

    /// A conflict as `key: value` lines and a table of its fields, or as JSON.
    static func show(_ conflict: JSONValue, json: Bool) throws {
        if json { return try JSONOutput.print(conflict) }
        for key in ["id", "syncId", "externalId", "status", "openedAt", "resolvedAt", "resolvedBy", "resolutionChangeId"] {
            if let value = conflict[key], value != .null {
                print("\(key):".padding(toLength: 20, withPad: " ", startingAt: 0) + JSONOutput.cell(value, width: 200))
            }
        }
        let fields = conflict["fields"]?.arrayValue ?? []
        guard !fields.isEmpty else { return }
        print("")
        print(
            Table.render(
                header: ["FIELD", "BASE", "LOCAL", "REMOTE", "CONFLICT"],
                rows: fields.map { field in
                    [
                        JSONOutput.cell(field["field"]), JSONOutput.cell(field["base"]), JSONOutput.cell(field["local"]),
                        JSONOutput.cell(field["remote"]), field["conflicting"] == true ? "yes" : "",
                    ]
                }))
    }
}
