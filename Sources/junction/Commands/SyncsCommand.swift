import ArgumentParser
import Foundation
import JunctionAPI
import JunctionCore

/// `junction syncs`: syncs on a running server, through its management API.
struct SyncsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syncs",
        abstract: "Create, list, run, pause, resume and reset syncs, and read their runs and change feed.",
        discussion: """
            A sync keeps one resource of a connection current in Junction's record store, on a schedule and, with \
            --realtime, from the provider's webhooks. These commands call the management API of the server at \
            --server (or JUNCTION_URL) with the token in JUNCTION_ADMIN_TOKEN (or --token-file). Example:

              junction syncs create --connection conn_01J… --resource customers --every 15m
              junction syncs run sync_01J… --follow
              junction syncs records sync_01J… --cursor "$(cat cursor.txt)"
            """,
        subcommands: [List.self, Show.self, Create.self, Update.self, Run.self, Runs.self, Records.self, Pause.self, Resume.self, Reset.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List syncs, with their status, last and next run, and record count.")
        @Option(name: .long, help: "Only this connection's syncs.") var connection: String?
        @Option(name: .long, help: "Only syncs of this resource.") var resource: String?
        @Option(name: .long, help: "Only syncs in this status (idle, running, paused, failing, backing_off).") var status: String?
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let statusFilter = try status.map { try SyncsCommand.parse($0, as: Components.Schemas.SyncStatus.self, option: "--status") }
            let syncs = try await server.client().all { api, cursor in
                let page = try await api.listSyncs(
                    query: .init(limit: 200, cursor: cursor, connectionId: connection, resource: resource, status: statusFilter)
                ).ok.body.json
                return (try page.data.map(JSONOutput.value), page.nextCursor)
            }
            if json { return try JSONOutput.print(.array(syncs)) }
            guard !syncs.isEmpty else { return print("no syncs yet; create one with `junction syncs create`") }
            print(
                Table.render(
                    header: ["ID", "CONNECTION", "RESOURCE", "MODE", "EVERY", "STATUS", "RECORDS", "LAST RUN", "NEXT RUN"],
                    rows: syncs.map { sync in
                        [
                            JSONOutput.cell(sync["id"]), JSONOutput.cell(sync["connectionId"]), JSONOutput.cell(sync["resource"]),
                            JSONOutput.cell(sync["mode"]), JSONOutput.cell(sync["schedule"]?["every"]), JSONOutput.cell(sync["status"]),
                            JSONOutput.cell(sync["recordCount"]), JSONOutput.cell(sync["lastRunAt"]), JSONOutput.cell(sync["nextRunAt"]),
                        ]
                    }))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one sync: status and why, checkpoint, last and next run.")
        @Argument(help: "The sync's id (sync_…).") var id: String
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let sync = try await server.client().run { try JSONOutput.value(of: try await $0.getSync(path: .init(id: id)).ok.body.json) }
            try SyncsCommand.show(sync, json: json)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a sync of a connection's resource; its first run starts within seconds.",
            discussion: "Example: junction syncs create --connection conn_01J… --resource customers --every 15m --realtime")
        @Option(name: .long, help: "The connection (conn_…).") var connection: String
        @Option(name: .long, help: "The resource to keep, as `junction call <connection> --list` shows them.") var resource: String
        @Option(name: .long, help: "incremental (from the checkpoint) or full (everything, deleting what is gone). Default: incremental.")
        var mode: String?
        @Option(name: .long, help: "Time between runs: 30s at least, such as 15m, 2h or 1d. Default: 1h.") var every: String?
        @Flag(name: .long, help: "Also apply the provider's verified webhooks about the resource between runs.") var realtime = false
        @OptionGroup var twoWay: TwoWayOptions
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print the created sync as JSON.") var json = false

        func run() async throws {
            let parsedMode = try mode.map { try SyncsCommand.parse($0, as: Components.Schemas.SyncMode.self, option: "--mode") }
            let created = try await server.client().run {
                try JSONOutput.value(
                    of: try await $0.createSync(
                        body: .json(
                            .init(
                                connectionId: connection, resource: resource, mode: parsedMode, schedule: every.map { .init(every: $0) },
                                realtime: realtime, direction: try twoWay.parsedDirection(), conflictPolicy: try twoWay.parsedConflictPolicy(),
                                fieldPolicies: try twoWay.parsedFieldPolicies(), deletePolicy: try twoWay.parsedDeletePolicy(),
                                keepFilledValues: twoWay.keepFilledValues ? true : nil, localKeyField: twoWay.localKeyField))
                    ).created.body.json)
            }
            if json { return try JSONOutput.print(created) }
            print(created["id"]?.stringValue ?? "")
            if let setup = created["realtimeSetup"]?.stringValue { printError("realtime: \(setup)") }
        }
    }

    /// A sync's direction and conflict rules, as `create` and `update` take them.
    struct TwoWayOptions: ParsableArguments {
        @Option(name: .long, help: "pull (default), push or bidirectional.") var direction: String?
        @Option(name: .long, help: "remote-wins, local-wins, last-writer-wins, merge or manual (default).") var conflictPolicy: String?
        @Option(name: .long, help: "A field's own policy, as field=policy (properties.email=remote-wins); repeat for more.")
        var fieldPolicy: [String] = []
        @Option(name: .long, help: "edit-wins (default) or delete-wins.") var deletePolicy: String?
        @Flag(name: .long, help: "A blank value on one side never erases a filled one on the other.") var keepFilledValues = false
        @Option(name: .long, help: "The provider field created records carry the application's key in (metadata.junction_key).")
        var localKeyField: String?

        func parsedDirection() throws -> Components.Schemas.SyncDirection? {
            try direction.map { try SyncsCommand.parse($0, as: Components.Schemas.SyncDirection.self, option: "--direction") }
        }

        func parsedConflictPolicy() throws -> Components.Schemas.ConflictPolicy? {
            try conflictPolicy.map { try SyncsCommand.parse($0, as: Components.Schemas.ConflictPolicy.self, option: "--conflict-policy") }
        }

        func parsedDeletePolicy() throws -> Components.Schemas.DeletePolicy? {
            try deletePolicy.map { try SyncsCommand.parse($0, as: Components.Schemas.DeletePolicy.self, option: "--delete-policy") }
        }

        func parsedFieldPolicies() throws -> Components.Schemas.FieldPolicies? {
            guard !fieldPolicy.isEmpty else { return nil }
            var policies: [String: Components.Schemas.ConflictPolicy] = [:]
            for entry in fieldPolicy {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else { throw CLIError("--field-policy takes field=policy, not '\(entry)'") }
                policies[parts[0]] = try SyncsCommand.parse(parts[1], as: Components.Schemas.ConflictPolicy.self, option: "--field-policy")
            }
            return .init(additionalProperties: policies)
        }
    }

    /// `text` as one of `Value`'s cases, or a one-line error listing them.
    static func parse<Value: RawRepresentable & CaseIterable>(_ text: String, as: Value.Type, option: String) throws -> Value
    where Value.RawValue == String {
        guard let value = Value(rawValue: text) else {
            throw CLIError("\(option) must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
        }
        return value
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a sync's schedule, mode, direction or conflict rules.",
            discussion: "Example: junction syncs update sync_01J… --direction bidirectional --conflict-policy merge --field-policy email=remote-wins")
        @Argument(help: "The sync's id (sync_…).") var id: String
        @Option(name: .long, help: "incremental or full.") var mode: String?
        @Option(name: .long, help: "Time between runs: 30s at least, such as 15m, 2h or 1d.") var every: String?
        @OptionGroup var twoWay: TwoWayOptions
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print the sync as JSON.") var json = false

        func run() async throws {
            let body = Components.Schemas.SyncUpdate(
                mode: try mode.map { try SyncsCommand.parse($0, as: Components.Schemas.SyncMode.self, option: "--mode") },
                schedule: every.map { .init(every: $0) }, direction: try twoWay.parsedDirection(),
                conflictPolicy: try twoWay.parsedConflictPolicy(), fieldPolicies: try twoWay.parsedFieldPolicies(),
                deletePolicy: try twoWay.parsedDeletePolicy(), keepFilledValues: twoWay.keepFilledValues ? true : nil,
                localKeyField: twoWay.localKeyField)
            let sync = try await server.client().run {
                try JSONOutput.value(of: try await $0.updateSync(path: .init(id: id), body: .json(body)).ok.body.json)
            }
            try SyncsCommand.show(sync, json: json)
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a sync now.",
            discussion: "With --follow, shows the run's progress (pages, records, rate) until it ends; exits 1 if it fails.")
        @Argument(help: "The sync's id (sync_…).") var id: String
        @Flag(name: .long, help: "Follow the run until it ends, with a progress line.") var follow = false
        @OptionGroup var server: ServerOptions

        func run() async throws {
            let client = try server.client()
            let before = try await client.run { try await $0.getSync(path: .init(id: id)).ok.body.json.lastRunId }
            let answer = try await client.run { try await $0.runSync(path: .init(id: id)).accepted.body.json }
            guard follow else { return print(answer.detail) }
            // The run this request queued, or the one already running.
            var runID: String?
            let started = ContinuousClock.now
            while runID == nil {
                let sync = try await client.run { try await $0.getSync(path: .init(id: id)).ok.body.json }
                if let last = sync.lastRunId, last != before || sync.status == .running || sync.status == .backingOff { runID = last }
                if runID == nil {
                    guard ContinuousClock.now - started < .seconds(120) else { throw CLIError("no run of \(id) started within 2 minutes") }
                    try await Task.sleep(for: .milliseconds(300))
                }
            }
            guard let runID else { return }
            let progress = ProgressBar(label: runID, total: 0)
            while true {
                let run = try await client.run { try await $0.getSyncRun(path: .init(id: id, runId: runID)).ok.body.json }
                let records = run.added + run.updated + run.deleted + run.unchanged
                let seconds = max((run.finishedAt ?? Date()).timeIntervalSince(run.startedAt), 0.001)
                progress.status(
                    "\(run.status.rawValue): \(run.pages) pages, \(records) records (\(run.added) added, \(run.updated) updated, "
                        + "\(run.deleted) deleted, \(run.unchanged) unchanged), \(Int(Double(records) / seconds)) records/s",
                    final: ![.running, .backingOff].contains(run.status))
                switch run.status {
                case .succeeded: return progress.finish()
                case .failed, .cancelled:
                    progress.finish()
                    throw CLIError("run \(runID) \(run.status.rawValue): \(run.error ?? "no reason given")")
                case .running, .backingOff:
                    try await Task.sleep(for: .milliseconds(500))
                }
            }
        }
    }

    struct Runs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a sync's runs, newest first, with their counts and errors.")
        @Argument(help: "The sync's id (sync_…).") var id: String
        @Option(name: .long, help: "How many runs (1 to 200). Default: 20.") var limit = 20
        @OptionGroup var server: ServerOptions
        @Flag(name: .long, help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let runs = try await server.client().run {
                try await $0.listSyncRuns(path: .init(id: id), query: .init(limit: limit)).ok.body.json.data.map(JSONOutput.value)
            }
            if json { return try JSONOutput.print(.array(runs)) }
            guard !runs.isEmpty else { return print("no runs yet") }
            print(
                Table.render(
                    header: ["ID", "KIND", "TRIGGER", "STATUS", "PAGES", "ADDED", "UPDATED", "DELETED", "UNCHANGED", "STARTED", "ERROR"],
                    rows: runs.map { run in
                        ["id", "kind", "trigger", "status", "pages", "added", "updated", "deleted", "unchanged", "startedAt", "error"].map {
                            JSONOutput.cell(run[$0])
                        }
                    }))
        }
    }

    struct Records: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a sync's change feed, and change its records (push and two-way syncs).",
            discussion: """
                `junction syncs records SYNC` reads the feed (as `list`). The other subcommands commit a change that \
                Junction pushes to the provider after a three-way merge with the provider's version; each prints the \
                change's id, and with --wait follows it until it is pushed, in conflict, or failed. Examples:

                  junction syncs records patch sync_01J… cus_123 --data '{"name": "Ada Lovelace"}' --wait
                  junction syncs records put sync_01J… --key order-42 --data '{"name": "Grace"}'
                  junction syncs records delete sync_01J… cus_123
                """,
            subcommands: [Feed.self, Put.self, Patch.self, Delete.self, Change.self],
            defaultSubcommand: Feed.self)
    }

    struct Feed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Read the change feed: records in change order, each with added, updated or deleted.",
            discussion: """
                Prints one JSON object per line, then the cursor to come back with on standard error \
                (`next cursor: …`); --cursor starts after it. Without --all, one page.
                """)
        @Argument(help: "The sync's id (sync_…).") var id: String
        @Option(name: .long, help: "Start after this cursor (a nextCursor printed before).") var cursor: String?
        @Option(name: .long, help: "Records per page (1 to 1000). Default: 100.") var limit = 100
        @Flag(name: .long, help: "Follow nextCursor to the end of the feed.") var all = false
        @Flag(name: .long, help: "Leave deleted records out.") var excludeDeleted = false
        @OptionGroup var server: ServerOptions

        func run() async throws {
            let client = try server.client()
            var cursor = cursor
            var count = 0
            let progress = all ? ProgressBar(label: "records", total: 0) : nil
            while true {
                let page = try await client.run {
                    try await $0.listSyncRecords(
                        path: .init(id: id), query: .init(cursor: cursor, limit: limit, includeDeleted: excludeDeleted ? false : nil)
                    ).ok.body.json
                }
                for record in page.data { Swift.print(try JSONOutput.value(of: record).serialized()) }
                count += page.data.count
                progress?.update(count)
                cursor = page.nextCursor
                if !all || !page.hasMore { break }
            }
            progress?.finish()
            printError("next cursor: \(cursor ?? "")")
        }
    }

    /// Where a change is to go, and how to follow it.
    struct ChangeOptions: ParsableArguments {
        @Option(name: .long, help: "The record's version (the feed's `version`) the change is made against; refused if it changed since.")
        var baseVersion: Int64?
        @Flag(name: .long, help: "Wait until the change is pushed, in conflict or failed; exit 1 unless pushed.") var wait = false
        @Flag(name: .long, help: "Print the change as JSON.") var json = false
    }

    struct Put: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a record (with --key, the application's own key) or replace one (with its provider id).",
            discussion: "A replace is the whole record: where the connection maps the resource, mapped fields it leaves out are cleared.")
        @Argument(help: "The sync's id (sync_…).") var sync: String
        @Argument(help: "The provider's id of the record to replace; leave out to create.") var externalId: String?
        @Option(name: .long, help: "The application's key of a new record (a create repeated under it creates nothing more).") var key: String?
        @Option(name: .long, help: "The record, as a JSON object (the application's shape where the connection maps it).") var data: String
        @OptionGroup var options: ChangeOptions
        @OptionGroup var server: ServerOptions

        func run() async throws {
            let record = try SyncsCommand.object(data)
            let client = try server.client()
            let change: JSONValue
            switch (externalId, key) {
            case (nil, let key?):
                change = try await client.run {
                    try JSONOutput.value(
                        of: try await $0.createSyncRecord(path: .init(id: sync), body: .json(.init(localKey: key, record: record))).accepted.body.json)
                }
            case (let id?, nil):
                change = try await client.run {
                    try JSONOutput.value(
                        of: try await $0.replaceSyncRecord(
                            path: .init(id: sync, externalId: id), query: .init(baseVersion: options.baseVersion), body: .json(record)
                        ).accepted.body.json)
                }
            default:
                throw CLIError("give either a record id (to replace it) or --key (to create a record), not both and not neither")
            }
            try await SyncsCommand.report(change, sync: sync, options: options, client: client)
        }
    }

    struct Patch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change fields of a record: the fields named are set, null clears one.")
        @Argument(help: "The sync's id (sync_…).") var sync: String
        @Argument(help: "The provider's id of the record.") var externalId: String
        @Option(name: .long, help: "The fields, as a JSON object.") var data: String
        @OptionGroup var options: ChangeOptions
        @OptionGroup var server: ServerOptions

        func run() async throws {
            let fields = try SyncsCommand.object(data)
            let client = try server.client()
            let change = try await client.run {
                try JSONOutput.value(
                    of: try await $0.updateSyncRecord(
                        path: .init(id: sync, externalId: externalId), query: .init(baseVersion: options.baseVersion), body: .json(fields)
                    ).accepted.body.json)
            }
            try await SyncsCommand.report(change, sync: sync, options: options, client: client)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a record at the provider (unless the provider edited it meanwhile and edits win).")
        @Argument(help: "The sync's id (sync_…).") var sync: String
        @Argument(help: "The provider's id of the record.") var externalId: String
        @OptionGroup var options: ChangeOptions
        @OptionGroup var server: ServerOptions

        func run() async throws {
            let client = try server.client()
            let change = try await client.run {
                try JSONOutput.value(
                    of: try await $0.deleteSyncRecord(path: .init(id: sync, externalId: externalId), query: .init(baseVersion: options.baseVersion))
                        .accepted.body.json)
            }
            try await SyncsCommand.report(change, sync: sync, options: options, client: client)
        }
    }

    struct Change: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a change: pending, pushed, conflict, resolved or failed, and why.")
        @Argument(help: "The sync's id (sync_…).") var sync: String
        @Argument(help: "The change's id (chg_…).") var id: String
        @OptionGroup var options: ChangeOptions
        @OptionGroup var server: ServerOptions

        func run() async throws {
            let client = try server.client()
            let change = try await client.run {
                try JSONOutput.value(of: try await $0.getSyncChange(path: .init(id: sync, changeId: id)).ok.body.json)
            }
            try await SyncsCommand.report(change, sync: sync, options: options, client: client)
        }
    }

    /// `text` as a JSON object, or a one-line error.
    static func object(_ text: String) throws -> JSONObject {
        guard let object = (try? JSONValue.parse(text))?.objectValue else {
            throw CLIError("--data must be a JSON object, such as '{\"name\": \"Ada\"}'")
        }
        return object
    }

    /// Prints a change (its id, or JSON), following it with --wait until it leaves `pending`; exits 1 unless it ends pushed.
    static func report(_ change: JSONValue, sync: String, options: ChangeOptions, client: ManagementClient) async throws {
        var change = change
        if options.wait, let id = change["id"]?.stringValue {
            let progress = ProgressBar(label: id, total: 0)
            let started = ContinuousClock.now
            while change["status"] == "pending" {
                progress.status("pending (\(JSONOutput.cell(change["attempts"])) attempts)\(change["reason"].map { ": " + JSONOutput.cell($0) } ?? "")")
                guard ContinuousClock.now - started < .seconds(300) else { throw CLIError("change \(id) is still pending after 5 minutes") }
                try await Task.sleep(for: .milliseconds(300))
                change = try await client.run { try JSONOutput.value(of: try await $0.getSyncChange(path: .init(id: sync, changeId: id)).ok.body.json) }
            }
            progress.status(JSONOutput.cell(change["status"]), final: true)
            progress.finish()
        }
        if options.json {
            try JSONOutput.print(change)
        } else {
            for key in ["id", "status", "operation", "externalId", "localKey", "reason", "conflictId", "attempts"] {
                if let value = change[key], value != .null { print("\(key):".padding(toLength: 12, withPad: " ", startingAt: 0) + JSONOutput.cell(value, width: 200)) }
            }
        }
        if options.wait, let status = change["status"]?.stringValue, status != "pushed" {
            throw CLIError("change \(change["id"]?.stringValue ?? "") \(status): \(change["reason"]?.stringValue ?? "no reason given")")
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause a sync: no runs or real-time updates until it is resumed.")
        @Argument(help: "The sync's id (sync_…).") var id: String
        @OptionGroup var server: ServerOptions

        func run() async throws {
            let sync = try await server.client().run { try JSONOutput.value(of: try await $0.pauseSync(path: .init(id: id)).ok.body.json) }
            try SyncsCommand.show(sync, json: false)
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a paused sync; its next run starts at once.")
        @Argument(help: "The sync's id (sync_…).") var id: String
        @OptionGroup var server: ServerOptions

        func run() async throws {
            let sync = try await server.client().run { try JSONOutput.value(of: try await $0.resumeSync(path: .init(id: id)).ok.body.json) }
            try SyncsCommand.show(sync, json: false)
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a sync over from no checkpoint.",
            discussion: "The next run reads everything; records stay until it completes, and then the ones it did not see are deleted.")
        @Argument(help: "The sync's id (sync_…).") var id: String
        @OptionGroup var server: ServerOptions

        func run() async throws {
            let sync = try await server.client().run { try JSONOutput.value(of: try await $0.resetSync(path: .init(id: id)).ok.body.json) }
            try SyncsCommand.show(sync, json: false)
        }
    }

    /// A sync as `key: value` lines, or as JSON.
    static func show(_ sync: JSONValue, json: Bool) throws {
        if json { return try JSONOutput.print(sync) }
        for key in [
            "id", "connectionId", "resource", "mode", "schedule", "realtime", "direction", "conflictPolicy", "fieldPolicies", "deletePolicy",
            "localKeyField", "status", "statusReason", "recordCount", "consecutiveFailures", "lastRunId", "lastRunAt", "nextRunAt", "checkpoint",
            "realtimeSetup",
        ] {
            if let value = sync[key], value != .null {
                let text = key == "schedule" ? JSONOutput.cell(value["every"]) : JSONOutput.cell(value, width: 200)
                print("\(key):".padding(toLength: 21, withPad: " ", startingAt: 0) + text)
            }
        }
    }
}
