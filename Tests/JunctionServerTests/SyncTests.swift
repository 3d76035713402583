import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JunctionApp
import JunctionConnectors
import JunctionCore
import JunctionServer
import JunctionStore
import JunctionTestSupport
import JunctionWebhooks
import SQLKit
import Testing

/// Syncs end to end against the Ledger fixture provider (Tests/Peers/sync_fixture.py), on both engines: runs driven by
/// the job workers and the scheduler, the record store and its change feed read through the API.
@Suite("Syncs", .enabled(if: PythonPeer.isAvailable))
struct SyncTests {
    /// The Ledger provider, as the tests' catalog adds it.
    static let catalog: ProviderCatalog = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Peers/connectors")
        // A failure here fails every test below with the definition's own message.
        let connectors = (try? ConnectorDefinitionFiles.load(directory: url.path)) ?? []
        return ProviderCatalog.builtIn.adding(connectors)
    }()

    /// One server with a Ledger connection on a running fixture.
    struct Setup {
        let harness: ServerTestHarness
        let client: any TestClientProtocol
        /// The Ledger fixture's address (empty for a setup on another provider).
        let ledgerURL: String
        let connection: String

        func call(_ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil) async throws -> TestResponse {
            try await client.execute(uri: uri, method: method, headers: ServerTestHarness.authorized, body: body.map { .json($0) })
        }

        /// A call that must answer `status`; its body as JSON.
        func ok(
            _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil, status: HTTPResponse.Status = .ok,
            sourceLocation: SourceLocation = #_sourceLocation
        ) async throws -> [String: JSONValue] {
            let response = try await call(method, uri, body)
            #expect(response.status == status, "\(method) \(uri): \(response.text)", sourceLocation: sourceLocation)
            return try response.json
        }

        /// Sends a control to the fixture.
        func control(_ action: String, _ body: String) async throws {
            _ = try await PeerHTTP.post("\(ledgerURL)/_admin/\(action)", body: body)
        }

        /// Creates a sync of accounts; its id.
        func createSync(mode: String = "incremental", realtime: Bool = false) async throws -> String {
            let sync = try await ok(
                .post, "/api/v1/syncs",
                #"{"connectionId": "\#(connection)", "resource": "accounts", "mode": "\#(mode)", "schedule": {"every": "1h"}, "realtime": \#(realtime)}"#,
                status: .created)
            return try #require(sync["id"]?.stringValue)
        }

        /// Runs the sync now and waits until its run ends; the run.
        func runToEnd(_ sync: String, timeout: Duration = .seconds(60)) async throws -> [String: JSONValue] {
            let before = try await ok(.get, "/api/v1/syncs/\(sync)")["lastRunId"]
            _ = try await ok(.post, "/api/v1/syncs/\(sync)/run", status: .accepted)
            var run: [String: JSONValue] = [:]
            try await ServerTestHarness.eventually(timeout: timeout) {
                let current = try await ok(.get, "/api/v1/syncs/\(sync)")
                guard let id = current["lastRunId"]?.stringValue, current["lastRunId"] != before else { return false }
                run = try await ok(.get, "/api/v1/syncs/\(sync)/runs/\(id)")
                return ["succeeded", "failed", "cancelled"].contains(run["status"]?.stringValue ?? "")
            }
            return run
        }

        /// Reads the whole feed from `cursor`; the entries and where to go on from.
        func feed(_ sync: String, from cursor: String? = nil, limit: Int = 100) async throws -> (entries: [JSONValue], cursor: String) {
            var entries: [JSONValue] = []
            var cursor = cursor
            while true {
                let query = "limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await ok(.get, "/api/v1/syncs/\(sync)/records?\(query)")
                entries += page["data"]?.arrayValue ?? []
                cursor = page["nextCursor"]?.stringValue
                if page["hasMore"] != true { break }
            }
            return (entries, cursor ?? "")
        }
    }

    static func with(_ engine: TestEngine, _ body: @escaping @Sendable (Setup) async throws -> Void) async throws {
        try await PythonPeer.with("sync_fixture.py") { (ledger: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(engine, catalog: catalog, syncConfiguration: testConfiguration) { harness, client in
                let created = try await client.execute(
                    uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized,
                    body: .json(
                        #"""
                        {"provider": "ledger", "name": "Ledger", "settings": {"baseURL": "\#(ledger.baseURL)",
                          "client": {"maxAttempts": 2, "baseDelayMs": 10, "maxDelayMs": 50}},
                         "credentials": {"apiKey": "ledger-fixture-token"}}
                        """#))
                let connection = try #require(try created.json["id"]?.stringValue, "\(created.text)")
                let setup = Setup(harness: harness, client: client, ledgerURL: ledger.baseURL, connection: connection)
                try await harness.withWorkers(scheduler: true) { try await body(setup) }
            }
        }
    }

    /// Runs that park on a rate limit come back after a second; failures retry after a second too.
    static let testConfiguration: SyncRunner.Configuration = {
        var configuration = SyncRunner.Configuration()
        configuration.rateLimitPause = .milliseconds(200)
        configuration.failureBackoff = .seconds(1)
        return configuration
    }()

    static func records(_ count: Int, from start: Int = 1, at stamp: String? = nil, name: String = "Account") -> String {
        let records = (start..<(start + count)).map { index in
            #"{"id": "acc_\#(String(format: "%07d", index))", "name": "\#(name) \#(index)""#
                + (stamp.map { #", "updated_at": "\#($0)""# } ?? "") + "}"
        }
        return #"{"records": [\#(records.joined(separator: ", "))]}"#
    }

    @Test("An incremental sync picks up creates, updates and deletes, and the feed gives each change once, in order", arguments: TestEngine.available)
    func incremental(engine: TestEngine) async throws {
        try await Self.with(engine) { setup in
            try await setup.control("upsert", Self.records(150))
            let sync = try await setup.createSync()
            let first = try await setup.runToEnd(sync)
            #expect(first["status"] == "succeeded", "\(first)")
            #expect(first["kind"] == "full")
            #expect(first["added"] == 150)
            #expect(first["pages"] == 2)
            let initial = try await setup.feed(sync, limit: 40)
            #expect(initial.entries.count == 150)
            #expect(Set(initial.entries.compactMap { $0["externalId"]?.stringValue }).count == 150)
            #expect(initial.entries.allSatisfy { $0["operation"] == "added" })

            // Nothing changed: read again (the overlap), dropped by hash.
            let idle = try await setup.runToEnd(sync)
            #expect(idle["kind"] == "incremental")
            #expect(idle["added"] == 0 && idle["updated"] == 0 && idle["deleted"] == 0)
            #expect(try await setup.feed(sync, from: initial.cursor).entries.isEmpty)

            try await Task.sleep(for: .milliseconds(20))
            try await setup.control("upsert", #"{"records": [{"id": "acc_0000003", "name": "Renamed"}, {"id": "acc_0000999", "name": "New"}]}"#)
            try await setup.control("delete", #"{"ids": ["acc_0000007"]}"#)
            let second = try await setup.runToEnd(sync)
            #expect(second["status"] == "succeeded", "\(second)")
            #expect(second["added"] == 1 && second["updated"] == 1 && second["deleted"] == 1, "\(second)")
            let changes = try await setup.feed(sync, from: initial.cursor)
            let operations = Dictionary(uniqueKeysWithValues: changes.entries.compactMap { entry in
                entry["externalId"]?.stringValue.map { ($0, entry["operation"]?.stringValue ?? "") }
            })
            #expect(operations == ["acc_0000003": "updated", "acc_0000999": "added", "acc_0000007": "deleted"])
            #expect(changes.entries.first { $0["externalId"] == "acc_0000003" }?["raw"]?["name"] == "Renamed")
            #expect(try await setup.feed(sync, from: changes.cursor).entries.isEmpty)
            let state = try await setup.ok(.get, "/api/v1/syncs/\(sync)")
            #expect(state["recordCount"] == 150)
            #expect(state["status"] == "idle")
            #expect(state["nextRunAt"] != nil)
        }
    }

    @Test("Records sharing the cursor's time across page boundaries, and one written late with that time, are all synced", arguments: TestEngine.available)
    func cursorTies(engine: TestEngine) async throws {
        try await Self.with(engine) { setup in
            let stamp = "2026-01-01T00:00:00.000Z"
            try await setup.control("upsert", Self.records(250, at: stamp))
            let sync = try await setup.createSync()
            let first = try await setup.runToEnd(sync)
            #expect(first["added"] == 250)
            #expect(first["pages"] == 3)
            // A record the provider wrote late, 30 s before the checkpoint: inside the overlap, so not skipped.
            try await setup.control("upsert", Self.records(1, from: 500, at: "2025-12-31T23:59:30.000Z"))
            try await setup.control("upsert", Self.records(1, from: 501, at: stamp))
            let second = try await setup.runToEnd(sync)
            #expect(second["added"] == 2, "\(second)")
            #expect(second["unchanged"] == 250)
            #expect(try await setup.feed(sync).entries.count == 252)
        }
    }

    @Test("A full run that fails halfway deletes nothing; one that completes deletes exactly what it did not see", arguments: TestEngine.available)
    func fullRunDeletes(engine: TestEngine) async throws {
        try await Self.with(engine) { setup in
            try await setup.control("upsert", Self.records(300))
            let sync = try await setup.createSync(mode: "full")
            #expect(try await setup.runToEnd(sync)["added"] == 300)
            try await setup.control("delete", #"{"ids": ["acc_0000001", "acc_0000002"]}"#)
            // The next run reads its first page, then every call fails (a 500 the client gives up on).
            try await setup.control("faults", #"{"status": 500, "count": 1000, "after": 1}"#)
            let failing = Task { try await setup.runToEnd(sync) }
            let failed = try await failing.value
            #expect(failed["status"] == "failed", "\(failed)")
            #expect(failed["pages"] == 1)
            #expect(failed["deleted"] == 0)
            let afterFailure = try await setup.ok(.get, "/api/v1/syncs/\(sync)")
            #expect(afterFailure["status"] == "failing")
            #expect(afterFailure["recordCount"] == 300)
            #expect((afterFailure["consecutiveFailures"]?.doubleValue ?? 0) >= 1)

            try await setup.control("faults", #"{"status": 500, "count": 0}"#)
            let completed = try await setup.runToEnd(sync)
            #expect(completed["status"] == "succeeded", "\(completed)")
            // The scheduler retries a failing sync by itself (after 1 s here), so the deletions may be that retry's
            // rather than this run's: once, between them.
            let runs = try await setup.ok(.get, "/api/v1/syncs/\(sync)/runs?limit=50")["data"]?.arrayValue ?? []
            let failedID = failed["id"]?.stringValue ?? ""
            let deletedSince = runs.filter { ($0["id"]?.stringValue ?? "") > failedID }.compactMap { $0["deleted"]?.doubleValue }.reduce(0, +)
            #expect(deletedSince == 2, "\(runs)")
            let state = try await setup.ok(.get, "/api/v1/syncs/\(sync)")
            #expect(state["recordCount"] == 298)
            #expect(state["status"] == "idle")
            let deleted = try await setup.feed(sync).entries.filter { $0["operation"] == "deleted" }.compactMap { $0["externalId"]?.stringValue }
            #expect(Set(deleted) == ["acc_0000001", "acc_0000002"])
        }
    }

    @Test("A 429 storm in the middle of a backfill parks the run and it completes from its checkpoint", arguments: TestEngine.available)
    func rateLimitStorm(engine: TestEngine) async throws {
        try await Self.with(engine) { setup in
            try await setup.control("upsert", Self.records(500))
            let sync = try await setup.createSync()
            // Two pages go through, then twelve 429s in a row.
            try await setup.control("faults", #"{"status": 429, "count": 12, "retryAfter": 0, "after": 2}"#)
            let running = Task { try await setup.runToEnd(sync) }
            let run = try await running.value
            #expect(run["status"] == "succeeded", "\(run)")
            #expect(run["added"] == 500)
            #expect(run["pages"] == 5)
            #expect(try await PeerHTTP.get("\(setup.ledgerURL)/_admin/stats").contains(#""pages_failed": 12"#))
            #expect(try await setup.feed(sync).entries.count == 500)
        }
    }

    @Test("A verified event updates the record in its processing; an older one arriving late is ignored", arguments: TestEngine.available)
    func realtime(engine: TestEngine) async throws {
        try await Self.with(engine) { setup in
            try await setup.control("upsert", Self.records(3))
            let sync = try await setup.createSync(realtime: true)
            let first = try await setup.runToEnd(sync)
            #expect(first["added"] == 3)
            let cursor = try await setup.feed(sync).cursor
            let handler = RealtimeSyncHandler(
                database: setup.harness.database, catalog: Self.catalog, runner: setup.harness.services.syncRunner(logger: TestDatabase.logger))
            func event(_ id: String, _ type: String, at occurred: Date, _ data: JSONValue) -> NormalizedEvent {
                var event = NormalizedEvent(id: id, connectionId: setup.connection, provider: "hmac", type: "hmac." + type, occurredAt: occurred, data: data)
                event.resource = "accounts"
                return event
            }
            let now = Date()
            try await handler.handle(event("evt_new", "account.updated", at: now, ["id": "acc_0000001", "name": "From webhook"]), replay: 0)
            try await handler.handle(event("evt_old", "account.updated", at: now.addingTimeInterval(-5), ["id": "acc_0000001", "name": "Stale"]), replay: 0)
            // A thin event: only the id, so the record is read from the provider.
            try await setup.control("upsert", #"{"records": [{"id": "acc_0000002", "name": "Fetched"}]}"#)
            try await handler.handle(event("evt_thin", "account.updated", at: now, ["id": "acc_0000002"]), replay: 0)
            try await handler.handle(event("evt_gone", "account.deleted", at: now, ["id": "acc_0000003"]), replay: 0)
            let changes = try await setup.feed(sync, from: cursor).entries
            let byID = Dictionary(uniqueKeysWithValues: changes.compactMap { entry in entry["externalId"]?.stringValue.map { ($0, entry) } })
            #expect(byID["acc_0000001"]?["raw"]?["name"] == "From webhook")
            #expect(byID["acc_0000002"]?["raw"]?["name"] == "Fetched")
            #expect(byID["acc_0000003"]?["operation"] == "deleted")
            #expect(changes.count == 3)
        }
    }

    @Test("Changes are announced as sync.records.changed, and failures and recovery as sync.run.*", arguments: TestEngine.available)
    func announcements(engine: TestEngine) async throws {
        try await Self.with(engine) { setup in
            try await setup.control("upsert", Self.records(5))
            let sync = try await setup.createSync()
            _ = try await setup.runToEnd(sync)
            try await ServerTestHarness.eventually {
                try await setup.harness.database.withSQL { sql in
                    try await sql.raw("SELECT payload FROM webhook_messages WHERE event_type = 'sync.records.changed'").all().count == 1
                }
            }
            let payload = try await setup.harness.database.withSQL { sql in
                try await sql.raw("SELECT payload FROM webhook_messages WHERE event_type = 'sync.records.changed'").first()?
                    .decode(column: "payload", as: String.self)
            }
            let message = try JSONValue.parse(try #require(payload))
            #expect(message["syncId"] == .string(sync))
            #expect(message["added"] == 5 && message["updated"] == 0 && message["deleted"] == 0)
            let cursor = try #require(message["cursor"]?.stringValue)
            #expect(try await setup.feed(sync, from: cursor).entries.count == 5)

            try await setup.control("faults", #"{"status": 500, "count": 1000}"#)
            #expect(try await setup.runToEnd(sync)["status"] == "failed")
            try await setup.control("faults", #"{"status": 500, "count": 0}"#)
            #expect(try await setup.runToEnd(sync)["status"] == "succeeded")
            // Published once the run's outcome is committed: a moment after the run shows it.
            try await ServerTestHarness.eventually {
                let types = try await setup.harness.database.withSQL { sql in
                    try await sql.raw("SELECT event_type FROM webhook_messages").all().map { try $0.decode(column: "event_type", as: String.self) }
                }
                return types.contains("sync.run.failed") && types.contains("sync.run.recovered")
            }
        }
    }

    @Test("Bad requests are clear 4xx problems and create nothing", arguments: TestEngine.available)
    func badRequests(engine: TestEngine) async throws {
        try await Self.with(engine) { setup in
            let connection = setup.connection
            let cases: [(String, HTTPResponse.Status, String)] = [
                (#"{"connectionId": "conn_01J0000000000000000000000X", "resource": "accounts"}"#, .badRequest, "no connection"),
                (#"{"connectionId": "\#(connection)", "resource": "invoices"}"#, .badRequest, "invoices"),
                (#"{"connectionId": "\#(connection)", "resource": "transfers"}"#, .badRequest, "cannot be listed"),
                (#"{"connectionId": "\#(connection)", "resource": "accounts", "schedule": {"every": "10s"}}"#, .badRequest, "at least 30s"),
                (#"{"connectionId": "\#(connection)", "resource": "accounts", "schedule": {"every": "soon"}}"#, .badRequest, "every"),
                (#"{"connectionId": "\#(connection)", "resource": "accounts", "colour": "blue"}"#, .badRequest, "colour"),
            ]
            for (body, status, mention) in cases {
                let response = try await setup.call(.post, "/api/v1/syncs", body)
                #expect(response.status == status, "\(body): \(response.text)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(body)")
                #expect(response.text.contains(mention), "\(body): \(response.text)")
            }
            #expect(try await setup.ok(.get, "/api/v1/syncs")["data"] == [])

            let sync = try await setup.createSync()
            let duplicate = try await setup.call(.post, "/api/v1/syncs", #"{"connectionId": "\#(connection)", "resource": "accounts"}"#)
            #expect(duplicate.status == .conflict)
            let other = try await setup.call(.get, "/api/v1/syncs/\(sync)/records?cursor=bm9wZQ")
            #expect(other.status == .badRequest, "\(other.text)")
            let foreign = FeedCursor.encode(FeedPosition(sequence: 3, externalID: ""), syncID: "sync_01J0000000000000000000000X")
            let wrongSync = try await setup.call(.get, "/api/v1/syncs/\(sync)/records?cursor=\(foreign)")
            #expect(wrongSync.status == .badRequest)
            #expect(wrongSync.text.contains("another sync"))
            let short = try await setup.call(.patch, "/api/v1/syncs/\(sync)", #"{"schedule": {"every": "5s"}}"#)
            #expect(short.status == .badRequest)
            #expect(try await setup.ok(.get, "/api/v1/syncs/\(sync)")["schedule"] == ["every": "1h"])
            #expect(try await setup.call(.get, "/api/v1/syncs/sync_01J0000000000000000000000X").status == .notFound)
            // Found by schemathesis on PostgreSQL, which cannot store or compare a NUL.
            #expect(try await setup.call(.get, "/api/v1/syncs?resource=%F0%9B%A7%B1%006").status == .badRequest)
            let nul = FeedCursor.encode(FeedPosition(sequence: 3, externalID: "a\u{0}b"), syncID: sync)
            #expect(try await setup.call(.get, "/api/v1/syncs/\(sync)/records?cursor=\(nul)").status == .badRequest)
        }
    }

    @Test("Pause holds runs, resume queues one, reset starts over and keeps records until the new run completes", arguments: TestEngine.available)
    func pauseResumeReset(engine: TestEngine) async throws {
        try await Self.with(engine) { setup in
            try await setup.control("upsert", Self.records(20))
            let sync = try await setup.createSync()
            #expect(try await setup.runToEnd(sync)["added"] == 20)
            let paused = try await setup.ok(.post, "/api/v1/syncs/\(sync)/pause")
            #expect(paused["status"] == "paused" && paused["paused"] == true)
            #expect(try await setup.call(.post, "/api/v1/syncs/\(sync)/run").status == .conflict)
            let resumed = try await setup.ok(.post, "/api/v1/syncs/\(sync)/resume")
            #expect(resumed["paused"] == false)
            // Resuming queued a run at once.
            try await ServerTestHarness.eventually {
                let latest = try await setup.ok(.get, "/api/v1/syncs/\(sync)/runs?limit=1")["data"]?.arrayValue?.first
                return latest?["id"] != paused["lastRunId"] && latest?["status"] == "succeeded"
            }
            // A deletion the provider's change feed misses: only a full comparison finds it.
            try await setup.control("delete", #"{"ids": ["acc_0000001"], "silent": true}"#)
            #expect(try await setup.runToEnd(sync)["deleted"] == 0)
            let reset = try await setup.ok(.post, "/api/v1/syncs/\(sync)/reset")
            #expect(reset["checkpoint"] == nil)
            #expect(reset["recordCount"] == 20)
            var last: [String: JSONValue] = [:]
            try await ServerTestHarness.eventually {
                last = try await setup.ok(.get, "/api/v1/syncs/\(sync)/runs?limit=1")["data"]?.arrayValue?.first?.objectValue ?? [:]
                return last["kind"] == "full" && last["status"] == "succeeded"
            }
            #expect(last["deleted"] == 1)
            #expect(try await setup.ok(.get, "/api/v1/syncs/\(sync)")["recordCount"] == 19)
            let runs = try await setup.ok(.get, "/api/v1/syncs/\(sync)/runs")["data"]?.arrayValue ?? []
            #expect(runs.count >= 2)
            // Deleting the connection deletes its syncs and their records.
            #expect(try await setup.call(.delete, "/api/v1/connections/\(setup.connection)").status == .noContent)
            #expect(try await setup.call(.get, "/api/v1/syncs/\(sync)").status == .notFound)
            let left = try await setup.harness.database.withSQL { sql in
                try await sql.raw("SELECT COUNT(*) AS n FROM sync_records").first()?.decode(column: "n", as: Int64.self)
            }
            #expect(left == 0)
        }
    }

    /// Runs `body` with an in-process server and a Google connection (a service account, its token endpoint and the
    /// Calendar fixture running); the connection's id.
    static func withGoogle(
        _ body: @escaping @Sendable (ServerTestHarness, any TestClientProtocol, _ connection: String, _ google: PythonPeer) async throws -> Void
    ) async throws {
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("gsa-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        try await PythonPeer.with("jwt_token_endpoint.py", arguments: ["--key-file", keyFile]) { (login: PythonPeer) async throws -> Void in
            try await PythonPeer.with("google_fixtures.py") { (google: PythonPeer) async throws -> Void in
                try await ServerTestHarness.with(.sqlite, syncConfiguration: testConfiguration) { harness, client in
                    let settings = try JSONValue.object([
                        "oauth": ["grantType": "jwt_bearer", "tokenURL": .string(login.baseURL + "/token"), "scopes": ["https://www.googleapis.com/auth/calendar"]],
                        "google": ["endpoints": ["calendar": .string(google.baseURL + "/calendar/v3")]],
                    ]).serialized()
                    let credentials = try JSONValue.object(["serviceAccountKey": .string(try String(contentsOfFile: keyFile, encoding: .utf8))]).serialized()
                    let created = try await client.execute(
                        uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized,
                        body: .json(#"{"provider": "google", "name": "calendar", "settings": \#(settings), "credentials": \#(credentials)}"#))
                    let connection = try #require(try created.json["id"]?.stringValue, "\(created.text)")
                    try await body(harness, client, connection, google)
                }
            }
        }
    }

    /// Creates a sync of the connection's calendar events; its id.
    static func calendarSync(_ client: any TestClientProtocol, connection: String, realtime: Bool) async throws -> String {
        let sync = try await client.execute(
            uri: "/api/v1/syncs", method: .post, headers: ServerTestHarness.authorized,
            body: .json(#"{"connectionId": "\#(connection)", "resource": "calendar_events", "realtime": \#(realtime)}"#))
        return try #require(try sync.json["id"]?.stringValue, "\(sync.text)")
    }

    @Test("Watch channels about to expire are replaced: a new channel first, then the old one stopped")
    func watchChannelRenewal() async throws {
        try await Self.withGoogle { harness, client, connection, google in
            let syncID = try await Self.calendarSync(client, connection: connection, realtime: true)
            func channels() async throws -> [String] {
                try JSONValue.parse(try await PeerHTTP.get(google.baseURL + "/_calendar/channels"))["channels"]?.arrayValue?
                    .compactMap { $0["id"]?.stringValue } ?? []
            }
            let first = try await channels()
            #expect(first.count == 1)
            let subscriptions = harness.services.realtimeSubscriptions
            #expect(try await subscriptions.renewExpiring() == 0, "a channel a week from expiring stays")
            #expect(try await subscriptions.renewExpiring(now: Date().addingTimeInterval(6.5 * 86_400)) == 1)
            let second = try await channels()
            #expect(second.count == 1)
            #expect(second != first)
            let stored = try await SyncRepository(database: harness.database).find(id: syncID)?.subscription
            #expect(stored?["id"]?.stringValue == second.first)
        }
    }

    @Test("A connection that needs authorizing again pauses its syncs, which resume by themselves once it is authorized")
    func pausedUntilAuthorized() async throws {
        try await Self.withGoogle { harness, client, connection, _ in
            try await harness.withWorkers(scheduler: true) {
                let syncID = try await Self.calendarSync(client, connection: connection, realtime: false)
                func sync() async throws -> [String: JSONValue] {
                    try await client.execute(uri: "/api/v1/syncs/\(syncID)", method: .get, headers: ServerTestHarness.authorized).json
                }
                try await ServerTestHarness.eventually { try await sync()["lastRunAt"] != nil }
                // As the token manager marks it after an invalid_grant.
                let connections = ConnectionRepository(database: harness.database)
                try await connections.setStatus(id: connection, status: "reauthorization_required", reason: "consent revoked")
                _ = try await client.execute(uri: "/api/v1/syncs/\(syncID)/run", method: .post, headers: ServerTestHarness.authorized)
                try await ServerTestHarness.eventually { try await sync()["status"] == "paused" }
                #expect(try await sync()["statusReason"] == .string(SyncRunner.awaitingAuthorization))
                let runs = try await SyncRepository(database: harness.database).runs(syncID: syncID, before: nil, limit: 10)
                #expect(runs.first?.status == .cancelled, "the run was stopped, not failed")

                try await connections.setStatus(id: connection, status: "active", reason: nil)
                try await ServerTestHarness.eventually { try await sync()["paused"] == false }
                try await ServerTestHarness.eventually {
                    let latest = try await SyncRepository(database: harness.database).runs(syncID: syncID, before: nil, limit: 1).first
                    return latest?.status == .succeeded && latest?.id != runs.first?.id
                }
            }
        }
    }
}
