import Foundation
import JunctionCore
import JunctionStore
import JunctionTestSupport
import NIOHTTP1
import SQLKit
import Testing

/// Syncs across processes: a node killed with SIGKILL mid-run, and two nodes on one PostgreSQL database.
@Suite("Syncs across processes", .serialized, .enabled(if: PythonPeer.isAvailable))
struct SyncProcessTests {
    static let token = ServeProcessTests.token
    static let definitions = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Peers/connectors").path

    /// A master key every node of a test shares (PostgreSQL nodes must).
    static func masterKey() async throws -> String {
        let generated = try await ChildProcess.run(ChildProcess.junctionExecutable, arguments: ["keys", "generate"])
        return generated.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts `junction serve` on `database` with the Ledger provider and a short job lease.
    static func start(_ database: String, folder: String, masterKey: String) async throws -> ServeProcessTests.Server {
        try await ServeProcessTests.Server.start(
            database: database, environment: ["JUNCTION_ADMIN_TOKEN": token, "JUNCTION_MASTER_KEY": masterKey], workingDirectory: folder,
            extraArguments: ["--connector-definitions", definitions, "--job-lease-seconds", "5", "--log-level", "info"])
    }

    /// A Ledger connection and a sync of its accounts on `server`; the sync's id.
    static func createSync(on server: ServeProcessTests.Server, ledger: PythonPeer) async throws -> String {
        let connection = try await server.request(
            .POST, "/api/v1/connections",
            body: #"{"provider": "ledger", "name": "Ledger", "settings": {"baseURL": "\#(ledger.baseURL)"}, "credentials": {"apiKey": "ledger-fixture-token"}}"#)
        let connectionID = try #require(connection.json["id"]?.stringValue, "\(connection)")
        let sync = try await server.request(
            .POST, "/api/v1/syncs", body: #"{"connectionId": "\#(connectionID)", "resource": "accounts", "schedule": {"every": "1h"}}"#)
        return try #require(sync.json["id"]?.stringValue, "\(sync)")
    }

    /// The sync's latest run.
    static func latestRun(_ sync: String, on server: ServeProcessTests.Server) async throws -> JSONValue? {
        try await server.request(.GET, "/api/v1/syncs/\(sync)/runs?limit=1").json["data"]?.arrayValue?.first
    }

    /// Reads the feed from `cursor` to its end with pages of `limit`; the external ids in order and the last cursor.
    static func readFeed(_ sync: String, on server: ServeProcessTests.Server, from cursor: String?, limit: Int, pages: Int = .max)
        async throws -> (ids: [String], cursor: String?)
    {
        var ids: [String] = []
        var cursor = cursor
        for _ in 0..<pages {
            let page = try await server.request(.GET, "/api/v1/syncs/\(sync)/records?limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? ""))
            ids += page.json["data"]?.arrayValue?.compactMap { $0["externalId"]?.stringValue } ?? []
            cursor = page.json["nextCursor"]?.stringValue
            if page.json["hasMore"] != true { break }
        }
        return (ids, cursor)
    }

    @Test("A node killed with SIGKILL mid-run: the run resumes from its last committed page, every record once, the feed without gap or duplicate", arguments: TestEngine.available)
    func killedMidRun(engine: TestEngine) async throws {
        let test = try await TestDatabase.create(engine)
        defer { Task { try? await test.destroy() } }
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let key = try await Self.masterKey()
        try await PythonPeer.with("sync_fixture.py") { (ledger: PythonPeer) async throws -> Void in
            _ = try await PeerHTTP.post("\(ledger.baseURL)/_admin/generate", body: #"{"count": 3000, "bytes": 300}"#)
            _ = try await PeerHTTP.post("\(ledger.baseURL)/_admin/delay", body: #"{"seconds": 0.1}"#)
            let first = try await Self.start(test.urlText, folder: folder, masterKey: key)
            let sync = try await Self.createSync(on: first, ledger: ledger)
            var run: JSONValue?
            for _ in 0..<300 {
                run = try await Self.latestRun(sync, on: first)
                if (run?["pages"]?.doubleValue ?? 0) >= 8 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let runID = try #require(run?["id"]?.stringValue)
            // A reader takes what is there so far, and keeps its cursor.
            let early = try await Self.readFeed(sync, on: first, from: nil, limit: 250)
            #expect(early.ids.count >= 700)
            first.process.send(SIGKILL)
            _ = try await first.process.wait(timeout: .seconds(10))
            let listsBefore = try JSONValue.parse(try await PeerHTTP.get("\(ledger.baseURL)/_admin/stats"))["lists"]?.doubleValue ?? 0
            _ = try await PeerHTTP.post("\(ledger.baseURL)/_admin/delay", body: #"{"seconds": 0}"#)

            let second = try await Self.start(test.urlText, folder: folder, masterKey: key)
            var finished: JSONValue?
            for _ in 0..<600 {
                finished = try await second.request(.GET, "/api/v1/syncs/\(sync)/runs/\(runID)").json
                if finished?["status"] == "succeeded" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(finished?["status"] == "succeeded", "the same run went on: \(String(describing: finished))")
            #expect(finished?["added"] == 3000)
            #expect(finished?["pages"] == 30)
            let listsAfter = try JSONValue.parse(try await PeerHTTP.get("\(ledger.baseURL)/_admin/stats"))["lists"]?.doubleValue ?? 0
            #expect(listsAfter <= 30 + 2, "the run went on from its checkpoint, not from the start: \(listsAfter) listings, \(listsBefore) before the kill")
            let rest = try await Self.readFeed(sync, on: second, from: early.cursor, limit: 500)
            let all = early.ids + rest.ids
            #expect(all.count == 3000, "every record once: \(all.count)")
            #expect(Set(all).count == 3000, "no duplicate across the restart")
            #expect(try await second.request(.GET, "/api/v1/syncs/\(sync)").json["recordCount"] == 3000)
            #expect(try await second.stop() == 0)
        }
    }

    @Test("A node killed with SIGKILL while its pushes are at the provider: after a restart no create is made twice and no edit is lost", arguments: TestEngine.available)
    func killedMidPush(engine: TestEngine) async throws {
        let test = try await TestDatabase.create(engine)
        defer { Task { try? await test.destroy() } }
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let key = try await Self.masterKey()
        try await PythonPeer.with("sync_fixture.py") { (ledger: PythonPeer) async throws -> Void in
            _ = try await PeerHTTP.post(
                "\(ledger.baseURL)/_admin/upsert", body: #"{"records": [{"id": "acc_1", "name": "Ada"}, {"id": "acc_2", "name": "Bob"}]}"#)
            let first = try await Self.start(test.urlText, folder: folder, masterKey: key)
            let sync = try await Self.createSync(on: first, ledger: ledger)
            let patched = try await first.request(
                .PATCH, "/api/v1/syncs/\(sync)", body: #"{"direction": "bidirectional", "conflictPolicy": "merge", "localKeyField": "reference"}"#)
            #expect(patched.status == 200, "\(patched.json)")
            for _ in 0..<300 where try await first.request(.GET, "/api/v1/syncs/\(sync)").json["recordCount"] != 2 {
                try await Task.sleep(for: .milliseconds(50))
            }
            // Every write now takes 3 s at the provider, and completes there even when its caller is gone.
            _ = try await PeerHTTP.post("\(ledger.baseURL)/_admin/write_delay", body: #"{"seconds": 3}"#)
            let changes = [
                try await first.request(.POST, "/api/v1/syncs/\(sync)/records", body: #"{"localKey": "order-1", "record": {"name": "Grace"}}"#),
                try await first.request(.PATCH, "/api/v1/syncs/\(sync)/records/acc_1", body: #"{"name": "Ada Lovelace"}"#),
                try await first.request(.PATCH, "/api/v1/syncs/\(sync)/records/acc_2", body: #"{"name": "Bob Smith"}"#),
            ].compactMap { $0.json["id"]?.stringValue }
            #expect(changes.count == 3)
            // Killed once every push has started its provider call (each is noted before it is made).
            var started = false
            for _ in 0..<200 {
                var attempts: [Double] = []
                for change in changes {
                    attempts.append(try await first.request(.GET, "/api/v1/syncs/\(sync)/changes/\(change)").json["attempts"]?.doubleValue ?? 0)
                }
                started = attempts.allSatisfy { $0 >= 1 }
                if started { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            #expect(started, "the pushes reached the provider")
            first.process.send(SIGKILL)
            _ = try await first.process.wait(timeout: .seconds(10))
            // The provider finishes what it was sent.
            try await Task.sleep(for: .seconds(3.5))
            _ = try await PeerHTTP.post("\(ledger.baseURL)/_admin/write_delay", body: #"{"seconds": 0}"#)

            let second = try await Self.start(test.urlText, folder: folder, masterKey: key)
            var statuses: [String] = []
            for _ in 0..<400 {
                statuses = []
                for change in changes {
                    statuses.append(try await second.request(.GET, "/api/v1/syncs/\(sync)/changes/\(change)").json["status"]?.stringValue ?? "")
                }
                if statuses.allSatisfy({ $0 != "pending" }) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(statuses == ["pushed", "pushed", "pushed"], "\(statuses)")
            let accounts = try JSONValue.parse(try await PeerHTTP.get("\(ledger.baseURL)/_admin/accounts"))["data"]?.arrayValue ?? []
            #expect(accounts.filter { $0["reference"] == "order-1" }.count == 1, "one create, not two: \(accounts)")
            #expect(accounts.first { $0["id"] == "acc_1" }?["name"] == "Ada Lovelace")
            #expect(accounts.first { $0["id"] == "acc_2" }?["name"] == "Bob Smith")
            #expect(try JSONValue.parse(try await PeerHTTP.get("\(ledger.baseURL)/_admin/stats"))["creates"] == 1)
            #expect(try await second.stop() == 0)
        }
    }

    @Test("Two nodes on PostgreSQL never run the same sync at once")
    func twoNodes() async throws {
        guard TestEngine.available.contains(.postgres) else { return }
        let test = try await TestDatabase.create(.postgres)
        defer { Task { try? await test.destroy() } }
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let key = try await Self.masterKey()
        try await PythonPeer.with("sync_fixture.py") { (ledger: PythonPeer) async throws -> Void in
            _ = try await PeerHTTP.post("\(ledger.baseURL)/_admin/generate", body: #"{"count": 400, "bytes": 200}"#)
            _ = try await PeerHTTP.post("\(ledger.baseURL)/_admin/delay", body: #"{"seconds": 0.05}"#)
            let first = try await Self.start(test.urlText, folder: folder, masterKey: key)
            let second = try await Self.start(test.urlText, folder: folder, masterKey: key)
            let sync = try await Self.createSync(on: first, ledger: ledger)
            // Both nodes are asked to run it, over and over, for five seconds.
            let deadline = ContinuousClock.now + .seconds(5)
            var asked = 0
            while ContinuousClock.now < deadline {
                let node = asked % 2 == 0 ? first : second
                let answer = try await node.request(.POST, "/api/v1/syncs/\(sync)/run")
                #expect(answer.status == 202)
                asked += 1
                try await Task.sleep(for: .milliseconds(40))
            }
            try await Task.sleep(for: .seconds(2))
            let stats = try JSONValue.parse(try await PeerHTTP.get("\(ledger.baseURL)/_admin/stats"))
            #expect(stats["max_in_flight"] == 1, "listings of one sync overlapped: \(stats)")
            // Run times to the millisecond, from the store (the API shows whole seconds).
            let database = try await Database.open(test.url, logger: TestDatabase.logger)
            let spans = try await database.withSQL { sql in
                try await sql.raw("SELECT started_at, finished_at FROM sync_runs WHERE finished_at IS NOT NULL ORDER BY started_at").all().map {
                    (try $0.decode(column: "started_at", as: Int64.self), try $0.decode(column: "finished_at", as: Int64.self))
                }
            }
            await database.close()
            #expect(spans.count >= 3, "runs happened: \(spans.count)")
            for (earlier, later) in zip(spans, spans.dropFirst()) {
                #expect(earlier.1 <= later.0, "runs overlapped: \(earlier) and \(later)")
            }
            #expect(try await first.stop() == 0)
            #expect(try await second.stop() == 0)
        }
    }

    @Test("A real-time Stripe sync subscribes a webhook endpoint; localstripe's own signed events update the records; deleting the sync removes the endpoint")
    func stripeRealtime() async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await PythonPeer.with("serve_localstripe.py") { (stripe: PythonPeer) async throws -> Void in
            let server = try await Self.startReachable(folder: folder)
            let stripeKey = "sk_test_realtime_sync"
            func stripeCall(_ method: String, _ path: String, _ form: String = "") async throws -> JSONValue {
                let output = try await ChildProcess.run(
                    "/usr/bin/curl", arguments: ["-s", "-X", method, "-u", stripeKey + ":", stripe.baseURL + path] + (form.isEmpty ? [] : ["-d", form]))
                return try JSONValue.parse(output.standardOutput)
            }
            let first = try await stripeCall("POST", "/v1/customers", "name=Ada&email=ada@example.com")
            let firstID = try #require(first["id"]?.stringValue)
            let created = try await server.request(
                .POST, "/api/v1/connections",
                body: #"{"provider": "stripe", "name": "localstripe", "settings": {"baseURL": "\#(stripe.baseURL)"}, "credentials": {"apiKey": "\#(stripeKey)"}}"#)
            let connection = try #require(created.json["id"]?.stringValue, "\(created.json)")
            let sync = try await server.request(
                .POST, "/api/v1/syncs", body: #"{"connectionId": "\#(connection)", "resource": "customers", "realtime": true}"#)
            #expect(sync.status == 201, "\(sync.json)")
            let syncID = try #require(sync.json["id"]?.stringValue)
            #expect(sync.json["realtimeSetup"]?.stringValue?.hasPrefix("subscribed") == true, "\(sync.json)")
            let endpoints = try await stripeCall("GET", "/v1/webhook_endpoints")
            let endpoint = try #require(endpoints["data"]?.arrayValue?.first)
            #expect(endpoint["url"] == .string("http://127.0.0.1:\(server.port)/webhooks/\(connection)"))
            #expect(endpoint["enabled_events"] == ["customer.created", "customer.updated", "customer.deleted"])

            // The first run reads the customer there was; then localstripe's webhooks bring what changes.
            // The first run has finished (not only written its record): no retry of it can start later.
            try await ServerTestHarness.eventually(timeout: .seconds(30)) {
                let recordCount = try await server.request(.GET, "/api/v1/syncs/\(syncID)").json["recordCount"]
                let latest = try await Self.latestRun(syncID, on: server)
                return recordCount == 1 && latest?["status"] == "succeeded"
            }
            let cursor = try await Self.readFeed(syncID, on: server, from: nil, limit: 100).cursor
            // Runs' times have whole seconds: one that starts after the changes starts in a later second.
            let changesSentAt = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) + 1)
            let second = try await stripeCall("POST", "/v1/customers", "name=Grace")
            let secondID = try #require(second["id"]?.stringValue)
            _ = try await stripeCall("POST", "/v1/customers/\(firstID)", "name=Ada%20Lovelace")
            var changes: [JSONValue] = []
            try await ServerTestHarness.eventually(timeout: .seconds(30)) {
                let page = try await server.request(.GET, "/api/v1/syncs/\(syncID)/records?cursor=\(cursor ?? "")")
                changes = page.json["data"]?.arrayValue ?? []
                return changes.count == 2 && changes.contains { $0["raw"]?["name"] == "Ada Lovelace" }
            }
            #expect(changes.first { $0["externalId"] == .string(secondID) }?["operation"] == "added")
            #expect(changes.first { $0["externalId"] == .string(firstID) }?["operation"] == "updated")
            // No run was needed for them: every run started before they were made (the first one, and on a loaded
            // machine perhaps its retry after a provider timeout).
            let runs = try await server.request(.GET, "/api/v1/syncs/\(syncID)/runs").json["data"]?.arrayValue ?? []
            let startedLater = runs.filter { ($0["startedAt"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) } ?? .distantFuture) >= changesSentAt }
            #expect(!runs.isEmpty && startedLater.isEmpty, "runs: \(runs)")

            #expect(try await server.request(.DELETE, "/api/v1/syncs/\(syncID)").status == 204)
            #expect(try await stripeCall("GET", "/v1/webhook_endpoints")["data"] == [])
            #expect(try await server.stop() == 0)
        }
    }

    @Test("A real-time Google Calendar sync opens a watch channel; a notification (no record) starts a run; the channel is stopped with the sync")
    func googleWatchChannel() async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let keyFile = folder + "/service-account.json"
        try await PythonPeer.with("jwt_token_endpoint.py", arguments: ["--key-file", keyFile]) { (login: PythonPeer) async throws -> Void in
            try await PythonPeer.with("google_fixtures.py") { (google: PythonPeer) async throws -> Void in
                let server = try await Self.startReachable(folder: folder)
                func calendar(_ method: String, _ path: String, _ body: String? = nil) async throws -> JSONValue {
                    let output = try await ChildProcess.run(
                        "/usr/bin/curl",
                        arguments: ["-s", "-X", method, "-H", "Authorization: Bearer ya29.fixture", "-H", "Content-Type: application/json",
                            google.baseURL + path] + (body.map { ["-d", $0] } ?? []))
                    return output.standardOutput.isEmpty ? .null : try JSONValue.parse(output.standardOutput)
                }
                let event = #"{"summary": "%@", "start": {"dateTime": "2026-12-01T10:00:00Z"}, "end": {"dateTime": "2026-12-01T11:00:00Z"}}"#
                _ = try await calendar("POST", "/calendar/v3/calendars/primary/events", event.replacingOccurrences(of: "%@", with: "Standup"))
                let settings = try JSONValue.object([
                    "oauth": ["grantType": "jwt_bearer", "tokenURL": .string(login.baseURL + "/token"), "scopes": ["https://www.googleapis.com/auth/calendar"]],
                    "google": ["endpoints": ["calendar": .string(google.baseURL + "/calendar/v3")]],
                ]).serialized()
                let key = try String(contentsOfFile: keyFile, encoding: .utf8)
                let credentials = try JSONValue.object(["serviceAccountKey": .string(key)]).serialized()
                let created = try await server.request(
                    .POST, "/api/v1/connections", body: #"{"provider": "google", "name": "calendar", "settings": \#(settings), "credentials": \#(credentials)}"#)
                let connection = try #require(created.json["id"]?.stringValue, "\(created.json)")
                let sync = try await server.request(
                    .POST, "/api/v1/syncs", body: #"{"connectionId": "\#(connection)", "resource": "calendar_events", "realtime": true}"#)
                #expect(sync.status == 201, "\(sync.json)")
                let syncID = try #require(sync.json["id"]?.stringValue)
                #expect(sync.json["realtimeSetup"]?.stringValue?.contains("watch-channel") == true, "\(sync.json)")
                let channels = try await calendar("GET", "/_calendar/channels")["channels"]?.arrayValue ?? []
                #expect(channels.count == 1)
                #expect(channels.first?["address"] == .string("http://127.0.0.1:\(server.port)/webhooks/\(connection)"))
                do {
                    try await ServerTestHarness.eventually(timeout: .seconds(30)) {
                        try await server.request(.GET, "/api/v1/syncs/\(syncID)").json["recordCount"] == 1
                    }
                } catch {
                    let state = try await server.request(.GET, "/api/v1/syncs/\(syncID)/runs").json
                    Issue.record("\(state)\n\(server.process.standardError.suffix(3000))")
                    throw error
                }
                // The `sync` notification the channel opened with was verified by its token, and changed nothing.
                let events = try await server.request(.GET, "/api/v1/events?connectionId=\(connection)").json["data"]?.arrayValue ?? []
                #expect(events.contains { $0["type"] == "google-channel.sync" })

                // A new event at Google: its notification names no record, so the sync runs (incrementally, with its sync token).
                _ = try await calendar("POST", "/calendar/v3/calendars/primary/events", event.replacingOccurrences(of: "%@", with: "Review"))
                try await ServerTestHarness.eventually(timeout: .seconds(30)) {
                    try await server.request(.GET, "/api/v1/syncs/\(syncID)").json["recordCount"] == 2
                }
                let runs = try await server.request(.GET, "/api/v1/syncs/\(syncID)/runs").json["data"]?.arrayValue ?? []
                #expect(runs.first?["kind"] == "incremental")

                #expect(try await server.request(.DELETE, "/api/v1/syncs/\(syncID)").status == 204)
                #expect(try await calendar("GET", "/_calendar/channels")["channels"] == [])
                #expect(try await server.stop() == 0)
            }
        }
    }

    @Test("junction syncs: create, list, run --follow, runs, records with a cursor, pause, resume, reset, and one-line errors")
    func commandLine() async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let key = try await Self.masterKey()
        try await PythonPeer.with("sync_fixture.py") { (ledger: PythonPeer) async throws -> Void in
            _ = try await PeerHTTP.post("\(ledger.baseURL)/_admin/generate", body: #"{"count": 250, "bytes": 200}"#)
            let server = try await Self.start("sqlite://\(folder)/junction.sqlite", folder: folder, masterKey: key)
            let junction = JunctionCLI(server: server)
            let connection = try await junction.addLedgerConnection(ledger)
            #expect(connection.status == 0, "\(connection.errors)")
            let connectionID = connection.output.trimmingCharacters(in: .whitespacesAndNewlines)
            let created = try await junction("syncs", "create", "--connection", connectionID, "--resource", "accounts", "--every", "15m")
            #expect(created.status == 0, "\(created.errors)")
            let syncID = created.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(syncID.hasPrefix("sync_"))

            let followed = try await junction("syncs", "run", syncID, "--follow")
            #expect(followed.status == 0, "\(followed.errors)")
            #expect(followed.errors.contains("succeeded: 3 pages, 250 records"), "\(followed.errors)")
            let list = try await junction("syncs", "list")
            #expect(list.output.contains(syncID) && list.output.contains("15m") && list.output.contains("250"), "\(list.output)")
            let runs = try await junction("syncs", "runs", syncID)
            #expect(runs.output.contains("succeeded"), "\(runs.output)")

            let firstPage = try await junction("syncs", "records", syncID, "--limit", "100")
            #expect(firstPage.output.split(separator: "\n").count == 100)
            let cursor = try #require(firstPage.errors.split(separator: "\n").last { $0.hasPrefix("next cursor: ") }?.dropFirst(13))
            let rest = try await junction("syncs", "records", syncID, "--cursor", String(cursor), "--all")
            #expect(rest.output.split(separator: "\n").count == 150, "\(rest.errors)")

            #expect(try await junction("syncs", "pause", syncID).output.contains("paused"))
            let refused = try await junction("syncs", "run", syncID)
            #expect(refused.status != 0)
            #expect(refused.errors.split(separator: "\n").count == 1, "one line: \(refused.errors)")
            #expect(refused.errors.contains("paused"))
            #expect(try await junction("syncs", "resume", syncID).status == 0)
            let reset = try await junction("syncs", "reset", syncID)
            #expect(reset.status == 0 && !reset.output.contains("checkpoint:"), "\(reset.output)")
            let short = try await junction("syncs", "create", "--connection", connectionID, "--resource", "accounts", "--every", "5s")
            #expect(short.status != 0 && short.errors.contains("at least 30s"), "\(short.errors)")
            #expect(try await server.stop() == 0)
        }
    }

    @Test("junction syncs records patch|put|delete and junction conflicts list|show|resolve, with --wait and one-line errors")
    func twoWayCommandLine() async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let key = try await Self.masterKey()
        try await PythonPeer.with("sync_fixture.py") { (ledger: PythonPeer) async throws -> Void in
            _ = try await PeerHTTP.post(
                "\(ledger.baseURL)/_admin/upsert", body: #"{"records": [{"id": "acc_1", "name": "Ada"}, {"id": "acc_2", "name": "Bob"}]}"#)
            let server = try await Self.start("sqlite://\(folder)/junction.sqlite", folder: folder, masterKey: key)
            let junction = JunctionCLI(server: server)
            func remoteName(_ id: String) async throws -> JSONValue? {
                let accounts = try JSONValue.parse(try await PeerHTTP.get("\(ledger.baseURL)/_admin/accounts"))["data"]?.arrayValue ?? []
                return accounts.first { $0["id"] == .string(id) }?["name"]
            }
            let connection = try await junction.addLedgerConnection(ledger)
            let connectionID = connection.output.trimmingCharacters(in: .whitespacesAndNewlines)
            let created = try await junction(
                "syncs", "create", "--connection", connectionID, "--resource", "accounts", "--direction", "bidirectional",
                "--field-policy", "balance=remote-wins", "--local-key-field", "reference")
            #expect(created.status == 0, "\(created.errors)")
            let syncID = created.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try await junction("syncs", "run", syncID, "--follow").status == 0)
            let shown = try await junction("syncs", "show", syncID)
            #expect(shown.output.contains("bidirectional") && shown.output.contains("manual") && shown.output.contains("remote-wins"), "\(shown.output)")

            let patched = try await junction("syncs", "records", "patch", syncID, "acc_1", "--data", #"{"name": "Ada Lovelace"}"#, "--wait")
            #expect(patched.status == 0, "\(patched.errors)")
            #expect(patched.output.contains("pushed"), "\(patched.output)")
            #expect(try await remoteName("acc_1") == "Ada Lovelace")
            let createdRecord = try await junction("syncs", "records", "put", syncID, "--key", "order-7", "--data", #"{"name": "Grace"}"#, "--wait")
            #expect(createdRecord.status == 0 && createdRecord.output.contains("acc_w"), "\(createdRecord.output) \(createdRecord.errors)")
            #expect(try await junction("syncs", "records", "delete", syncID, "acc_2", "--wait").status == 0)
            #expect(try await remoteName("acc_2") == nil)

            // The same field on both sides: the CLI waits, says conflict, and exits 1; the queue shows it.
            _ = try await PeerHTTP.post("\(ledger.baseURL)/_admin/upsert", body: #"{"records": [{"id": "acc_1", "name": "Ada (provider)"}]}"#)
            let clash = try await junction("syncs", "records", "patch", syncID, "acc_1", "--data", #"{"name": "Ada (app)"}"#, "--wait")
            #expect(clash.status != 0)
            #expect(clash.errors.contains("conflict"), "\(clash.errors)")
            let listed = try await junction("conflicts", "list", "--status", "open")
            #expect(listed.output.contains("acc_1") && listed.output.contains("name"), "\(listed.output)")
            let conflictID = try #require(
                listed.output.split(whereSeparator: { $0 == " " || $0 == "\n" }).first { $0.hasPrefix("cfl_") }.map(String.init))
            let detail = try await junction("conflicts", "show", conflictID)
            #expect(detail.output.contains("Ada (provider)") && detail.output.contains("Ada (app)") && detail.output.contains("yes"), "\(detail.output)")
            let resolved = try await junction("conflicts", "resolve", conflictID, "--take", "local", "--by", "ops")
            #expect(resolved.status == 0 && resolved.output.contains("resolved"), "\(resolved.output) \(resolved.errors)")
            for _ in 0..<100 where try await remoteName("acc_1") != "Ada (app)" { try await Task.sleep(for: .milliseconds(100)) }
            #expect(try await remoteName("acc_1") == "Ada (app)")

            let again = try await junction("conflicts", "resolve", conflictID, "--take", "remote")
            #expect(again.status != 0 && again.errors.split(separator: "\n").count == 1 && again.errors.contains("already resolved"), "\(again.errors)")
            let both = try await junction("conflicts", "resolve", conflictID, "--take", "local", "--record", "{}")
            #expect(both.status != 0 && both.errors.contains("exactly one"), "\(both.errors)")
            let badData = try await junction("syncs", "records", "patch", syncID, "acc_1", "--data", "[1]")
            #expect(badData.status != 0 && badData.errors.contains("JSON object"), "\(badData.errors)")
            #expect(try await server.stop() == 0)
        }
    }

    /// The `junction` command line against a running server.
    struct JunctionCLI {
        let server: ServeProcessTests.Server

        /// Runs `junction arguments…`; its exit status, standard output and standard error.
        func callAsFunction(_ arguments: String...) async throws -> (status: Int32, output: String, errors: String) {
            try await self(arguments)
        }

        /// Runs `junction arguments…` given as a list.
        func callAsFunction(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
            let environment = ["JUNCTION_URL": "http://127.0.0.1:\(server.port)", "JUNCTION_ADMIN_TOKEN": SyncProcessTests.token]
            let run = try await ChildProcess.run(ChildProcess.junctionExecutable, arguments: arguments, environment: environment)
            return (run.status, run.standardOutput, run.standardError)
        }

        /// Adds a connection to the Ledger fixture `ledger`.
        func addLedgerConnection(_ ledger: PythonPeer) async throws -> (status: Int32, output: String, errors: String) {
            try await self(
                "connections", "add", "--provider", "ledger", "--name", "Ledger", "--setting", "baseURL=\(ledger.baseURL)",
                "--credential", "apiKey=ledger-fixture-token")
        }
    }

    /// Starts `junction serve` whose public URL names its own port, as providers sending webhooks must reach it: the
    /// port is chosen first, and again if it was taken meanwhile.
    static func startReachable(folder: String) async throws -> ServeProcessTests.Server {
        var started: ServeProcessTests.Server?
        for _ in 0..<3 where started == nil {
            let port = try unusedPort()
            started = try? await ServeProcessTests.Server.start(
                environment: ["JUNCTION_ADMIN_TOKEN": token], workingDirectory: folder,
                extraArguments: ["--port", "\(port)", "--public-url", "http://127.0.0.1:\(port)", "--log-level", "info"])
        }
        return try #require(started)
    }

    /// A loopback port nothing listens on now.
    static func unusedPort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw TestSetupError("no free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
