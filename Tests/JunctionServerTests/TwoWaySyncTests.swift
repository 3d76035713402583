import Foundation
import HTTPTypes
import HummingbirdTesting
import JunctionCore
import JunctionServer
import JunctionStore
import JunctionTestSupport
import SQLKit
import Testing

/// Two-way sync end to end against the Ledger fixture provider, on both engines: local changes through the API pushed
/// to the provider, merged with the provider's edits, conflicts opened and resolved, echoes suppressed, and bad input
/// refused without changing anything.
@Suite("Two-way sync", .enabled(if: PythonPeer.isAvailable))
struct TwoWaySyncTests {
    typealias Setup = SyncTests.Setup

    /// Creates a two-way sync of accounts (policy `settings`, JSON members) and runs it once; its id.
    static func twoWaySync(_ setup: Setup, settings: String = #""conflictPolicy": "merge""#) async throws -> String {
        let sync = try await setup.ok(
            .post, "/api/v1/syncs",
            #"{"connectionId": "\#(setup.connection)", "resource": "accounts", "direction": "bidirectional", "localKeyField": "reference", \#(settings)}"#,
            status: .created)
        let id = try #require(sync["id"]?.stringValue)
        let run = try await setup.runToEnd(id)
        #expect(run["status"] == "succeeded", "\(run)")
        // The scheduler's first run and the one asked for may both have been due: the tests below wait until no run
        // is queued, since a pull between their steps would change what a push finds.
        try await ServerTestHarness.eventually {
            let current = try await setup.ok(.get, "/api/v1/syncs/\(id)")
            guard current["status"] == "idle", let next = current["nextRunAt"]?.stringValue.flatMap(Self.date) else { return false }
            return next > Date().addingTimeInterval(600)
        }
        return id
    }

    /// An RFC 3339 time, with or without fractional seconds.
    static func date(_ text: String) -> Date? {
        (try? Date(text, strategy: .iso8601)) ?? (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
    }

    /// Waits until the change leaves `pending`; the change.
    static func settled(_ setup: Setup, sync: String, change: [String: JSONValue]) async throws -> [String: JSONValue] {
        let id = try #require(change["id"]?.stringValue, "\(change)")
        var current: [String: JSONValue] = [:]
        try await ServerTestHarness.eventually(timeout: .seconds(30)) {
            current = try await setup.ok(.get, "/api/v1/syncs/\(sync)/changes/\(id)")
            return current["status"] != "pending"
        }
        return current
    }

    /// The fixture's account `id`, as the provider holds it (`nil`: none).
    static func remote(_ setup: Setup, _ id: String) async throws -> [String: JSONValue]? {
        let all = try JSONValue.parse(try await PeerHTTP.get("\(setup.ledgerURL)/_admin/accounts"))
        return all["data"]?.arrayValue?.first { $0["id"]?.stringValue == id }?.objectValue
    }

    /// The outbound messages of `type` published so far.
    static func messages(_ setup: Setup, type: String) async throws -> [JSONValue] {
        try await setup.harness.services.database.withSQL { sql in
            try await sql.raw("SELECT payload FROM webhook_messages WHERE event_type = \(bind: type) ORDER BY id").all()
                .map { try JSONValue.parse(try $0.decode(column: "payload", as: String.self)) }
        }
    }

    @Test("A local edit reaches the provider, a simultaneous edit of another field merges, and the echo is no change", arguments: TestEngine.available)
    func editAndMerge(engine: TestEngine) async throws {
        try await SyncTests.with(engine) { setup in
            try await setup.control("upsert", #"{"records": [{"id": "acc_1", "name": "Ada", "balance": 10}, {"id": "acc_2", "name": "Bob", "balance": 20}]}"#)
            let sync = try await Self.twoWaySync(setup)
            let start = try await setup.feed(sync).cursor

            // Local only.
            let edit = try await setup.ok(.patch, "/api/v1/syncs/\(sync)/records/acc_1", #"{"name": "Ada Lovelace"}"#, status: .accepted)
            #expect(edit["status"] == "pending")
            #expect(edit["operation"] == "update")
            let pushed = try await Self.settled(setup, sync: sync, change: edit)
            #expect(pushed["status"] == "pushed", "\(pushed)")
            #expect(try await Self.remote(setup, "acc_1")?["name"] == "Ada Lovelace")
            // Ledger takes conditional updates (If-Match): the record as stored stood in for reading it.
            let stats = { try JSONValue.parse(try await PeerHTTP.get("\(setup.ledgerURL)/_admin/stats")) }
            #expect(try await stats()["gets"] == 0)

            // Both sides, different fields: the provider's balance and the application's name both stand.
            try await setup.control("upsert", #"{"records": [{"id": "acc_2", "balance": 99}]}"#)
            let both = try await setup.ok(.patch, "/api/v1/syncs/\(sync)/records/acc_2", #"{"name": "Bob Smith"}"#, status: .accepted)
            #expect(try await Self.settled(setup, sync: sync, change: both)["status"] == "pushed")
            let merged = try #require(try await Self.remote(setup, "acc_2"))
            #expect(merged["name"] == "Bob Smith")
            #expect(merged["balance"] == 99)
            // The stored copy was stale: the provider refused the write (412), and the record was read and merged again.
            #expect(try await stats()["preconditions_failed"] == 1)
            #expect(try await stats()["gets"] == 1)

            // The feed shows each pushed record once, as the provider now holds it; the next pull's echo is no change.
            let afterPush = try await setup.feed(sync, from: start)
            #expect(afterPush.entries.compactMap { $0["externalId"]?.stringValue }.sorted() == ["acc_1", "acc_2"])
            let acc2 = afterPush.entries.first { $0["externalId"] == "acc_2" }
            #expect(acc2?["raw"]?["balance"] == 99)
            let echo = try await setup.runToEnd(sync)
            #expect(echo["status"] == "succeeded")
            #expect(echo["updated"] == 0, "the pull read back Junction's own writes: \(echo)")
            #expect(try await setup.feed(sync, from: afterPush.cursor).entries.isEmpty)
            #expect(try await setup.ok(.get, "/api/v1/conflicts?syncId=\(sync)")["data"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test("The same field changed on both sides opens a conflict that holds both sides until a person resolves it", arguments: TestEngine.available)
    func conflictAndResolve(engine: TestEngine) async throws {
        try await SyncTests.with(engine) { setup in
            try await setup.control("upsert", #"{"records": [{"id": "acc_1", "name": "Ada", "balance": 10}]}"#)
            let sync = try await Self.twoWaySync(setup)
            try await setup.control("upsert", #"{"records": [{"id": "acc_1", "name": "Ada (provider)"}]}"#)
            let edit = try await setup.ok(.patch, "/api/v1/syncs/\(sync)/records/acc_1", #"{"name": "Ada (app)", "balance": 11}"#, status: .accepted)
            let settled = try await Self.settled(setup, sync: sync, change: edit)
            #expect(settled["status"] == "conflict", "\(settled)")
            let conflictID = try #require(settled["conflictId"]?.stringValue)
            // Nothing was written over the provider's edit.
            #expect(try await Self.remote(setup, "acc_1")?["name"] == "Ada (provider)")
            #expect(try await Self.remote(setup, "acc_1")?["balance"] == 10)

            let listed = try await setup.ok(.get, "/api/v1/conflicts?syncId=\(sync)&status=open")
            #expect(listed["data"]?.arrayValue?.map { $0["id"] } == [.string(conflictID)])
            let conflict = try await setup.ok(.get, "/api/v1/conflicts/\(conflictID)")
            let fields = conflict["fields"]?.arrayValue ?? []
            let name = fields.first { $0["field"] == "name" }
            #expect(name?["conflicting"] == true)
            #expect(name?["base"] == "Ada")
            #expect(name?["local"] == "Ada (app)")
            #expect(name?["remote"] == "Ada (provider)")
            #expect(fields.first { $0["field"] == "balance" }?["conflicting"] == false)

            // A later change on each side joins the conflict; neither overwrites anything.
            let later = try await setup.ok(.patch, "/api/v1/syncs/\(sync)/records/acc_1", #"{"notes": "vip"}"#, status: .accepted)
            #expect(later["status"] == "conflict")
            try await setup.control("upsert", #"{"records": [{"id": "acc_1", "name": "Ada (provider, again)"}]}"#)
            _ = try await setup.runToEnd(sync)
            let joined = try await setup.ok(.get, "/api/v1/conflicts/\(conflictID)")
            #expect(joined["remote"]?["name"] == "Ada (provider, again)")
            #expect(joined["local"]?["notes"] == "vip")
            #expect(joined["changes"]?.arrayValue?.count == 2)
            try await ServerTestHarness.eventually {
                try await Self.messages(setup, type: "sync.conflict.opened").contains { $0["conflictId"] == .string(conflictID) }
            }

            // Resolving with a merged record pushes it and records who did it.
            let resolved = try await setup.ok(
                .post, "/api/v1/conflicts/\(conflictID)/resolve",
                #"{"record": {"name": "Ada (agreed)", "balance": 11, "notes": "vip"}, "resolvedBy": "ops@example.com"}"#, status: .accepted)
            #expect(resolved["status"] == "resolved")
            #expect(resolved["resolvedBy"] == "ops@example.com")
            let resolution = try #require(resolved["resolutionChangeId"]?.stringValue)
            let resolutionChange = try await Self.settled(setup, sync: sync, change: ["id": .string(resolution)])
            #expect(resolutionChange["status"] == "pushed", "\(resolutionChange)")
            let final = try #require(try await Self.remote(setup, "acc_1"))
            #expect(final["name"] == "Ada (agreed)")
            #expect(final["balance"] == 11)
            #expect(final["notes"] == "vip")
            #expect(try await setup.ok(.get, "/api/v1/syncs/\(sync)/changes/\(edit["id"]?.stringValue ?? "")")["status"] == "resolved")
            try await ServerTestHarness.eventually {
                try await Self.messages(setup, type: "sync.conflict.resolved").contains { $0["resolvedBy"] == "ops@example.com" }
            }

            // A second resolution is refused and changes nothing.
            let again = try await setup.call(.post, "/api/v1/conflicts/\(conflictID)/resolve", #"{"take": "local"}"#)
            #expect(again.status == .conflict, "\(again.text)")
            #expect(try await Self.remote(setup, "acc_1")?["name"] == "Ada (agreed)")
        }
    }

    @Test("Taking the provider's side sends nothing, and the feed then shows the provider's version", arguments: TestEngine.available)
    func takeRemote(engine: TestEngine) async throws {
        try await SyncTests.with(engine) { setup in
            try await setup.control("upsert", #"{"records": [{"id": "acc_1", "name": "Ada", "balance": 10}]}"#)
            let sync = try await Self.twoWaySync(setup, settings: #""conflictPolicy": "manual""#)
            let cursor = try await setup.feed(sync).cursor
            try await setup.control("upsert", #"{"records": [{"id": "acc_1", "name": "Ada (provider)"}]}"#)
            let edit = try await setup.ok(.patch, "/api/v1/syncs/\(sync)/records/acc_1", #"{"balance": 11}"#, status: .accepted)
            let conflicted = try await Self.settled(setup, sync: sync, change: edit)
            let conflictID = try #require(conflicted["conflictId"]?.stringValue, "manual: changes on both sides go to a person: \(conflicted)")
            #expect(try await setup.feed(sync, from: cursor).entries.isEmpty, "the record stays as it was while the conflict is open")
            let updates = try JSONValue.parse(try await PeerHTTP.get("\(setup.ledgerURL)/_admin/stats"))["updates"]
            let resolved = try await setup.ok(.post, "/api/v1/conflicts/\(conflictID)/resolve", #"{"take": "remote"}"#, status: .accepted)
            let change = try await Self.settled(setup, sync: sync, change: ["id": resolved["resolutionChangeId"] ?? .null])
            #expect(change["status"] == "pushed", "\(change)")
            #expect(try JSONValue.parse(try await PeerHTTP.get("\(setup.ledgerURL)/_admin/stats"))["updates"] == updates, "nothing was sent")
            let shown = try await setup.feed(sync, from: cursor).entries
            #expect(shown.count == 1)
            #expect(shown.first?["raw"]?["name"] == "Ada (provider)")
            #expect(shown.first?["raw"]?["balance"] == 10)
        }
    }

    @Test("A create is pushed once under the application's key, a repeated request creates nothing more, and a delete reaches the provider", arguments: TestEngine.available)
    func createAndDelete(engine: TestEngine) async throws {
        try await SyncTests.with(engine) { setup in
            try await setup.control("upsert", #"{"records": [{"id": "acc_1", "name": "Ada"}]}"#)
            let sync = try await Self.twoWaySync(setup)
            let body = #"{"localKey": "order-42", "record": {"name": "Grace", "balance": 5}}"#
            let created = try await setup.ok(.post, "/api/v1/syncs/\(sync)/records", body, status: .accepted)
            #expect(created["operation"] == "create")
            let pushed = try await Self.settled(setup, sync: sync, change: created)
            #expect(pushed["status"] == "pushed", "\(pushed)")
            let id = try #require(pushed["externalId"]?.stringValue)
            #expect(try await Self.remote(setup, id)?["reference"] == "order-42")
            let repeated = try await setup.ok(.post, "/api/v1/syncs/\(sync)/records", body, status: .accepted)
            #expect(repeated["id"] == created["id"])
            #expect(repeated["repeated"] == true)
            let entry = try await setup.feed(sync).entries.first { $0["externalId"] == .string(id) }
            #expect(entry?["localKey"] == "order-42")
            #expect(entry?["operation"] == "added")
            #expect(try JSONValue.parse(try await PeerHTTP.get("\(setup.ledgerURL)/_admin/stats"))["creates"] == 1)

            let deleted = try await setup.ok(.delete, "/api/v1/syncs/\(sync)/records/acc_1", status: .accepted)
            #expect(try await Self.settled(setup, sync: sync, change: deleted)["status"] == "pushed")
            #expect(try await Self.remote(setup, "acc_1") == nil)
            let gone = try await setup.feed(sync).entries.first { $0["externalId"] == "acc_1" }
            #expect(gone?["operation"] == "deleted")
        }
    }

    @Test("Bad changes get a clear 4xx and change nothing", arguments: TestEngine.available)
    func badInput(engine: TestEngine) async throws {
        try await SyncTests.with(engine) { setup in
            try await setup.control("upsert", #"{"records": [{"id": "acc_1", "name": "Ada"}]}"#)
            let pullOnly = try await setup.createSync()
            let refused = try await setup.call(.patch, "/api/v1/syncs/\(pullOnly)/records/acc_1", #"{"name": "x"}"#)
            #expect(refused.status == .conflict, "\(refused.text)")
            #expect(refused.text.contains("only pulls"))
            #expect(try await setup.call(.delete, "/api/v1/syncs/\(pullOnly)").status == .noContent)

            let sync = try await Self.twoWaySync(setup)
            let unknown = try await setup.call(.patch, "/api/v1/syncs/\(sync)/records/acc_404", #"{"name": "x"}"#)
            #expect(unknown.status == .notFound, "\(unknown.text)")
            let version = try await setup.feed(sync).entries.first?["version"]?.doubleValue.map { Int64($0) }
            let stale = try await setup.call(.put, "/api/v1/syncs/\(sync)/records/acc_1?baseVersion=\((version ?? 0) + 100)", #"{"name": "x"}"#)
            #expect(stale.status == .conflict, "\(stale.text)")
            let setID = try await setup.call(.patch, "/api/v1/syncs/\(sync)/records/acc_1", #"{"id": "acc_2"}"#)
            #expect(setID.status == .badRequest, "\(setID.text)")
            let notObject = try await setup.call(.patch, "/api/v1/syncs/\(sync)/records/acc_1", #"["name"]"#)
            #expect(notObject.status == .badRequest, "\(notObject.text)")
            let both = try await setup.call(.post, "/api/v1/conflicts/cfl_01JAAAAAAAAAAAAAAAAAAAAAAA/resolve", #"{"take": "local", "record": {}}"#)
            #expect(both.status == .badRequest, "\(both.text)")
            let missing = try await setup.call(.post, "/api/v1/conflicts/cfl_01JAAAAAAAAAAAAAAAAAAAAAAA/resolve", #"{"take": "local"}"#)
            #expect(missing.status == .notFound, "\(missing.text)")
            let badPolicy = try await setup.call(.patch, "/api/v1/syncs/\(sync)", #"{"conflictPolicy": "coin-flip"}"#)
            #expect(badPolicy.status == .badRequest, "\(badPolicy.text)")

            // Nothing was committed and nothing reached the provider.
            let changes = try await setup.harness.services.database.withSQL { sql in
                try await sql.raw("SELECT COUNT(*) AS n FROM sync_changes").first()?.decode(column: "n", as: Int64.self)
            }
            #expect(changes == 0)
            #expect(try JSONValue.parse(try await PeerHTTP.get("\(setup.ledgerURL)/_admin/stats"))["updates"] == 0)
        }
    }

    @Test("Changes in the application's shape are mapped back; a field the mapping does not know is refused", arguments: TestEngine.available)
    func mapped(engine: TestEngine) async throws {
        try await SyncTests.with(engine) { setup in
            let mapping = #"{"accounts": {"name": "ledger-account", "version": 1, "idSource": "id", "fields": [{"target": "title", "source": "name"}, {"target": "cents", "source": "balance", "type": "integer"}]}}"#
            _ = try await setup.ok(.patch, "/api/v1/connections/\(setup.connection)", #"{"settings": {"mappings": \#(mapping)}}"#)
            try await setup.control("upsert", #"{"records": [{"id": "acc_1", "name": "Ada", "balance": 10}]}"#)
            let sync = try await Self.twoWaySync(setup)
            #expect(try await setup.feed(sync).entries.first?["data"]?["title"] == "Ada")

            let unknown = try await setup.call(.patch, "/api/v1/syncs/\(sync)/records/acc_1", #"{"title": "Ada L", "nickname": "A"}"#)
            #expect(unknown.status == .badRequest, "\(unknown.text)")
            #expect(unknown.text.contains("nickname"))
            let edit = try await setup.ok(.patch, "/api/v1/syncs/\(sync)/records/acc_1", #"{"title": "Ada Lovelace"}"#, status: .accepted)
            #expect(edit["fields"] == ["name": "Ada Lovelace"], "mapped back to the provider's field: \(edit)")
            #expect(try await Self.settled(setup, sync: sync, change: edit)["status"] == "pushed")
            let remote = try #require(try await Self.remote(setup, "acc_1"))
            #expect(remote["name"] == "Ada Lovelace")
            #expect(remote["balance"] == 10)
            // A whole record clears the mapped fields it leaves out.
            let replaced = try await setup.ok(.put, "/api/v1/syncs/\(sync)/records/acc_1", #"{"title": "Ada"}"#, status: .accepted)
            #expect(replaced["fields"] == ["name": "Ada", "balance": nil], "\(replaced)")
            #expect(try await Self.settled(setup, sync: sync, change: replaced)["status"] == "pushed")
            #expect(try await Self.remote(setup, "acc_1")?["balance"] == nil)
        }
    }

    @Test("A deletion at the provider against a local edit: edit-wins makes the whole record again, delete-wins lets it go", arguments: TestEngine.available)
    func deleteAgainstEdit(engine: TestEngine) async throws {
        try await SyncTests.with(engine) { setup in
            try await setup.control("upsert", #"{"records": [{"id": "acc_1", "name": "Ada", "balance": 10}, {"id": "acc_2", "name": "Bob", "balance": 20}]}"#)
            let sync = try await Self.twoWaySync(setup)
            let store = SyncRecordStore(database: setup.harness.services.database)
            /// The application edits `id` while the provider deletes it, and the deletion is stored (as its webhook
            /// would store it) before the push; the change once settled.
            func race(_ id: String, _ edit: String) async throws -> [String: JSONValue] {
                _ = try await setup.ok(.post, "/api/v1/syncs/\(sync)/pause")
                let change = try await setup.ok(.patch, "/api/v1/syncs/\(sync)/records/\(id)", edit, status: .accepted)
                try await setup.control("delete", #"{"ids": ["\#(id)"]}"#)
                _ = try await store.apply([.delete(externalID: id, at: Date())], syncID: sync)
                _ = try await setup.ok(.post, "/api/v1/syncs/\(sync)/resume")
                return try await Self.settled(setup, sync: sync, change: change)
            }

            let kept = try await race("acc_1", #"{"name": "Ada Lovelace"}"#)
            #expect(kept["status"] == "pushed", "\(kept)")
            #expect(kept["reason"]?.stringValue?.contains("created again") == true, "\(kept)")
            let accounts = try JSONValue.parse(try await PeerHTTP.get("\(setup.ledgerURL)/_admin/accounts"))["data"]?.arrayValue ?? []
            let again = try #require(accounts.first { $0["name"] == "Ada Lovelace" }, "\(accounts)")
            #expect(again["balance"] == 10, "the whole record came back, not only the edited field: \(again)")
            let entries = try await setup.feed(sync).entries
            #expect(entries.first { $0["externalId"] == "acc_1" }?["operation"] == "deleted")
            #expect(entries.contains { $0["externalId"] == again["id"] })

            _ = try await setup.ok(.patch, "/api/v1/syncs/\(sync)", #"{"deletePolicy": "delete-wins"}"#)
            let gone = try await race("acc_2", #"{"name": "Bob Smith"}"#)
            #expect(gone["status"] == "pushed", "\(gone)")
            let after = try JSONValue.parse(try await PeerHTTP.get("\(setup.ledgerURL)/_admin/accounts"))["data"]?.arrayValue ?? []
            #expect(!after.contains { $0["name"] == "Bob Smith" || $0["id"] == "acc_2" }, "\(after)")
        }
    }

    @Test("A dry run tells what a run would pull, push and flag, and changes nothing", arguments: TestEngine.available)
    func dryRun(engine: TestEngine) async throws {
        try await SyncTests.with(engine) { setup in
            try await setup.control("upsert", #"{"records": [{"id": "acc_1", "name": "Ada"}, {"id": "acc_2", "name": "Bob"}]}"#)
            let sync = try await Self.twoWaySync(setup, settings: #""conflictPolicy": "manual""#)
            _ = try await setup.ok(.post, "/api/v1/syncs/\(sync)/pause")
            _ = try await setup.ok(.patch, "/api/v1/syncs/\(sync)/records/acc_1", #"{"name": "Ada (app)"}"#, status: .accepted)
            _ = try await setup.ok(.patch, "/api/v1/syncs/\(sync)/records/acc_2", #"{"name": "Bob (app)"}"#, status: .accepted)
            try await setup.control("upsert", #"{"records": [{"id": "acc_2", "name": "Bob (provider)"}, {"id": "acc_3", "name": "Cy"}]}"#)
            let report = try await setup.ok(.post, "/api/v1/syncs/\(sync)/run?dryRun=true")
            #expect(report["pull"]?["added"] == 1, "\(report)")
            #expect(report["pull"]?["updated"] == 1)
            #expect(report["push"]?["wouldPush"] == ["acc_1"])
            #expect(report["push"]?["wouldConflict"] == ["acc_2"])
            #expect(try await Self.remote(setup, "acc_1")?["name"] == "Ada")
            #expect(try await setup.ok(.get, "/api/v1/syncs/\(sync)")["recordCount"] == 2)
        }
    }
}
