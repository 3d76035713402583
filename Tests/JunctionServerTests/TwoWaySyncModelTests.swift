import Foundation
import HTTPTypes
import HummingbirdTesting
import JunctionApp
import JunctionConnectors
import JunctionCore
import JunctionHTTP
import JunctionServer
import JunctionStore
import JunctionTestSupport
import SQLKit
import Testing

/// A model-based test of two-way sync: a simulated provider and a simulated application make random creates, edits and
/// deletes on both sides over many rounds, and the process "crashes" at random between the steps of a push (a provider
/// call that never happens, or one whose answer is lost before it is stored). After each round both sides are compared
/// with a model written from the rules:
///
/// - every field both sides changed to different values opened a conflict (none silently overwritten), and nothing else did;
/// - every edit of one side, or of different fields on both, was merged;
/// - no write was lost or applied twice (creates included: each application key exists once at the provider);
/// - once the queue is resolved, the provider and the store agree record for record.
///
/// The seed is fixed, so a failure repeats; `JUNCTION_MODEL_ROUNDS` and `JUNCTION_MODEL_SEED` make a longer run.
@Suite("Two-way sync model")
struct TwoWaySyncModelTests {
    static let rounds = ProcessInfo.processInfo.environment["JUNCTION_MODEL_ROUNDS"].flatMap(Int.init) ?? 30
    static let seed = ProcessInfo.processInfo.environment["JUNCTION_MODEL_SEED"].flatMap(UInt64.init) ?? 20_261_206
    static let fields = ["name", "email", "plan", "city"]

    @Test("Random edits on both sides with crashes mid-push: conflicts found, merges made, nothing lost or doubled", arguments: TestEngine.available)
    func model(engine: TestEngine) async throws {
        let provider = SimulatedProvider(seed: Self.seed)
        let catalog = ProviderCatalog.builtIn.adding([SimulatedConnector(provider: provider)])
        try await ServerTestHarness.with(engine, catalog: catalog) { harness, client in
            var random = SeededGenerator(seed: Self.seed)
            let (api, sync) = try await ModelAPI.simulatedSync(client, conflictPolicy: "merge")
            // Small rounds: a push of a dozen records settles one round, calls the provider for the next and prepares
            // the one after at the same time, and the crashes land in every stage of that pipeline, the first small
            // round and the last ones cut in halves included.
            var rounds = SyncPusher.Configuration()
            (rounds.batchSize, rounds.concurrency) = (6, 2)
            let pusher = harness.services.syncPusher(logger: TestDatabase.logger, configuration: rounds)
            let store = SyncRecordStore(database: harness.database)

            // The model: what the provider should hold, by id, user fields only.
            var model: [String: [String: String]] = [:]
            for _ in 1...8 {
                let fields = Self.randomFields(&random, round: 0)
                model[await provider.create(fields.mapValues(JSONValue.string))] = fields
            }
            var known = Set(model.keys)
            try await Self.pull(provider: provider, store: store, sync: sync, known: &known)
            var stats = (conflicts: 0, merges: 0, crashes: 0, pauses: 0, creates: 0)

            for round in 1...Self.rounds {
                let pullFirst = Bool.random(using: &random)
                var expectedConflicts: Set<String> = []
                var localEdits: [(id: String, fields: [String: String])] = []
                var localDeletes: [String] = []
                var localCreates: [(key: String, fields: [String: String])] = []
                for id in model.keys.sorted() {
                    switch Int.random(in: 0..<10, using: &random) {
                    case 0...1:  // the provider edits
                        let edit = Self.randomEdit(&random, round: round)
                        await provider.edit(id, edit)
                        model[id]?.merge(edit) { $1 }
                    case 2...3:  // the application edits
                        let edit = Self.randomEdit(&random, round: round)
                        localEdits.append((id, edit))
                        model[id]?.merge(edit) { $1 }
                    case 4...5:  // both edit, the same or other fields, sometimes to the same value
                        let remoteEdit = Self.randomEdit(&random, round: round, side: "p")
                        var localEdit = Self.randomEdit(&random, round: round, side: "a")
                        if let (field, value) = remoteEdit.first, Bool.random(using: &random) { localEdit[field] = value }
                        await provider.edit(id, remoteEdit)
                        localEdits.append((id, localEdit))
                        let clashing = localEdit.keys.filter { remoteEdit[$0] != nil && remoteEdit[$0] != localEdit[$0] }
                        if !clashing.isEmpty && !pullFirst { expectedConflicts.insert(id) } else if !pullFirst { stats.merges += 1 }
                        // Disjoint fields merge; a clash is resolved by taking the application's value (so is a later edit
                        // made after the pull, which saw the provider's).
                        model[id]?.merge(remoteEdit) { $1 }
                        model[id]?.merge(localEdit) { $1 }
                    case 6:
                        await provider.delete(id)
                        model[id] = nil
                    case 7:
                        localDeletes.append(id)
                        model[id] = nil
                    default:
                        break
                    }
                }
                if Bool.random(using: &random) {
                    let fields = Self.randomFields(&random, round: round)
                    model[await provider.create(fields.mapValues(JSONValue.string))] = fields
                }
                if Bool.random(using: &random) { localCreates.append(("key-\(round)", Self.randomFields(&random, round: round))) }

                if pullFirst { try await Self.pull(provider: provider, store: store, sync: sync, known: &known) }
                for edit in localEdits {
                    _ = try await api.json(
                        .patch, "/api/v1/syncs/\(sync)/records/\(edit.id)", try JSONValue.object(edit.fields.mapValues(JSONValue.string)).serialized(),
                        status: .accepted)
                }
                for id in localDeletes { _ = try await api.json(.delete, "/api/v1/syncs/\(sync)/records/\(id)", status: .accepted) }
                for create in localCreates {
                    let body = JSONValue.object(["localKey": .string(create.key), "record": .object(create.fields.mapValues(JSONValue.string))])
                    _ = try await api.json(.post, "/api/v1/syncs/\(sync)/records", try body.serialized(), status: .accepted)
                }
                if Bool.random(using: &random) { try await Self.pull(provider: provider, store: store, sync: sync, known: &known) }

                await provider.setCrashRate(0.3)
                let edits = try await Self.pushThroughCrashes(pusher, sync: sync, database: harness.database)
                (stats.crashes, stats.pauses) = (stats.crashes + edits.crashes, stats.pauses + edits.pauses)

                // Exactly the clashing records are in conflict; resolve each by taking the application's values.
                let open = try await api.json(.get, "/api/v1/conflicts?syncId=\(sync)&status=open&limit=200")["data"]?.arrayValue ?? []
                let opened = Set(open.compactMap { $0["externalId"]?.stringValue })
                #expect(opened == expectedConflicts, "round \(round): conflicts \(opened.sorted()), expected \(expectedConflicts.sorted())")
                stats.conflicts += opened.count
                for conflict in open {
                    let id = try #require(conflict["id"]?.stringValue)
                    _ = try await api.json(.post, "/api/v1/conflicts/\(id)/resolve", #"{"take": "local"}"#, status: .accepted)
                }
                let resolutions = try await Self.pushThroughCrashes(pusher, sync: sync, database: harness.database)
                (stats.crashes, stats.pauses) = (stats.crashes + resolutions.crashes, stats.pauses + resolutions.pauses)
                await provider.setCrashRate(0)
                try await Self.pull(provider: provider, store: store, sync: sync, known: &known)

                // Creates made by the application: found by their key, each exactly once.
                let remote = await provider.records
                for create in localCreates {
                    let matches = remote.filter { $0.value["reference"] == .string(create.key) }
                    #expect(matches.count == 1, "round \(round): \(create.key) exists \(matches.count) times at the provider")
                    if let id = matches.first?.key { model[id] = create.fields }
                    stats.creates += 1
                }
                // The provider holds exactly the model.
                let held = remote.mapValues { record in
                    record.filter { Self.fields.contains($0.key) }.compactMapValues(\.stringValue)
                }
                #expect(held == model, "round \(round): the provider differs from the model")
                // The store agrees with the provider, and no change is left pending or failed.
                for (id, record) in remote {
                    let stored = try await SyncChangeStore(database: harness.database).record(syncID: sync, externalID: id)
                    #expect(stored?.raw == record && stored?.deleted == false, "round \(round): the store differs on \(id)")
                }
                let unsettled = try await harness.database.withSQL { sql in
                    try await sql.raw("SELECT COUNT(*) AS n FROM sync_changes WHERE status IN ('pending', 'failed', 'conflict')").first()?
                        .decode(column: "n", as: Int64.self)
                }
                #expect(unsettled == 0, "round \(round): \(unsettled ?? -1) changes unsettled")
                // Every round's note went with its commit, or was counted by the push after a crash.
                let notes = try await harness.database.withSQL { sql in
                    try await sql.raw("SELECT COUNT(*) AS n FROM sync_push_rounds").first()?.decode(column: "n", as: Int64.self)
                }
                #expect(notes == 0, "round \(round): \(notes ?? -1) push rounds left noted")
                if held != model || unsettled != 0 { break }
            }
            // The run exercised what it claims to.
            #expect(stats.conflicts > 0 && stats.merges > 0 && stats.crashes > 0 && stats.pauses > 0 && stats.creates > 0, "\(stats)")
        }
    }

    /// Pushes until nothing is pending, "restarting" after each crash and letting the time a rate limit asks for pass
    /// (the changes it postponed are made due); how many crashes and pauses there were.
    static func pushThroughCrashes(_ pusher: SyncPusher, sync: String, database: Database) async throws -> (crashes: Int, pauses: Int) {
        var (crashes, pauses) = (0, 0)
        for _ in 0..<500 {
            do {
                try await pusher.pushPending(syncID: sync)
                return (crashes, pauses)
            } catch is CancellationError {
                crashes += 1
            } catch is ProviderPause {
                pauses += 1
                try await database.withSQL { sql in
                    try await sql.raw("UPDATE sync_changes SET available_at = 0 WHERE sync_id = \(bind: sync) AND status = 'pending'").run()
                }
            }
        }
        Issue.record("the push never completed")
        return (crashes, pauses)
    }

    /// Brings the store up to date with the provider, as webhooks or a run would: every record as it is, and the ones
    /// gone as deleted.
    static func pull(provider: SimulatedProvider, store: SyncRecordStore, sync: String, known: inout Set<String>) async throws {
        let records = await provider.records
        var changes: [SyncRecordChange] = records.map { id, record in
            .upsert(IncomingRecord(externalID: id, raw: .object(record), remoteModifiedAt: ProviderTime.parse(record["updated_at"])))
        }
        changes += known.subtracting(records.keys).map { .delete(externalID: $0, at: Date()) }
        known.formUnion(records.keys)
        _ = try await store.apply(changes, syncID: sync)
    }

    static func randomFields(_ random: inout SeededGenerator, round: Int) -> [String: String] {
        Dictionary(uniqueKeysWithValues: fields.map { ($0, "\($0)-\(round)-\(Int.random(in: 0..<1000, using: &random))") })
    }

    static func randomEdit(_ random: inout SeededGenerator, round: Int, side: String = "") -> [String: String] {
        let count = Int.random(in: 1...2, using: &random)
        let chosen = fields.shuffled(using: &random).prefix(count)
        return Dictionary(uniqueKeysWithValues: chosen.map { ($0, "\($0)-\(round)\(side)-\(Int.random(in: 0..<1000, using: &random))") })
    }
}

/// The management API through the in-process test client.
struct ModelAPI {
    let client: any TestClientProtocol

    func json(
        _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil, status: HTTPResponse.Status? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String: JSONValue] {
        let response = try await client.execute(uri: uri, method: method, headers: ServerTestHarness.authorized, body: body.map { .json($0) })
        if let status {
            #expect(response.status == status, "\(method) \(uri): \(response.text)", sourceLocation: sourceLocation)
        } else {
            #expect(response.status.code < 300, "\(method) \(uri): \(response.text)", sourceLocation: sourceLocation)
        }
        return (try? response.json) ?? [:]
    }

    /// A connection to the simulated provider and a bidirectional sync of its items under `conflictPolicy`, keyed by
    /// `reference`.
    static func simulatedSync(_ client: any TestClientProtocol, conflictPolicy: String = "manual") async throws -> (ModelAPI, String) {
        let api = ModelAPI(client: client)
        let connection = try await api.json(
            .post, "/api/v1/connections", #"{"provider": "simulated", "name": "Model", "credentials": {"apiKey": "k"}}"#)["id"]?.stringValue
        let sync = try #require(
            try await api.json(
                .post, "/api/v1/syncs",
                #"{"connectionId": "\#(connection ?? "")", "resource": "items", "direction": "bidirectional", "conflictPolicy": "\#(conflictPolicy)", "localKeyField": "reference"}"#
            )["id"]?.stringValue)
        return (api, sync)
    }
}

/// SplitMix64: a small generator whose sequence a seed fixes.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A provider held in memory: records with an id and a change time, listed by change time, and calls that "crash" at
/// random (before they reach it, or after it applied them and before the caller hears back) or are rate limited.
actor SimulatedProvider {
    private(set) var records: [String: JSONObject] = [:]
    private var counter = 0
    private var lastStamp = Date(timeIntervalSince1970: 0)
    private var random: SeededGenerator
    private var crashRate = 0.0

    init(seed: UInt64) { random = SeededGenerator(seed: seed ^ 0xA5A5) }

    func setCrashRate(_ rate: Double) { crashRate = rate }

    /// A change time later than every earlier one.
    private func stamp() -> String {
        lastStamp = max(Date(), lastStamp.addingTimeInterval(0.001))
        return lastStamp.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Rolls for a crash: throws before the call applies, or returns true to throw after it did. A tenth of the crashes
    /// are the provider's rate limit instead (refused before applying, with a Retry-After).
    private func crashes() throws -> Bool {
        guard crashRate > 0, Double.random(in: 0..<1, using: &random) < crashRate else { return false }
        if Double.random(in: 0..<1, using: &random) < 0.1 {
            throw APIError.rateLimited(retryAfter: .seconds(1), .init(status: 429, message: "slow down", code: nil))
        }
        if Bool.random(using: &random) { throw CancellationError() }
        return true
    }

    func create(_ fields: JSONObject) -> String {
        counter += 1
        let id = "it_\(counter)"
        records[id] = fields.merging(["id": .string(id), "updated_at": .string(stamp())]) { $1 }
        return id
    }

    func edit(_ id: String, _ fields: [String: String]) {
        guard var record = records[id] else { return }
        for (field, value) in fields { record[field] = .string(value) }
        record["updated_at"] = .string(stamp())
        records[id] = record
    }

    func delete(_ id: String) { records[id] = nil }

    // The connector's calls.

    func list(since: Date?, after: String?, limit: Int) throws -> RecordPage {
        _ = try crashes()
        let sorted = records.values.sorted { ($0["updated_at"]?.stringValue ?? "", $0["id"]?.stringValue ?? "") < ($1["updated_at"]?.stringValue ?? "", $1["id"]?.stringValue ?? "") }
        let selected = sorted.filter { record in
            guard let since else { return true }
            return (ProviderTime.parse(record["updated_at"]) ?? .distantPast) >= since
        }
        let start = after.flatMap(Int.init) ?? 0
        let page = Array(selected.dropFirst(start).prefix(limit))
        return RecordPage(records: page.map(JSONValue.object), nextCursor: start + limit < selected.count ? String(start + limit) : nil)
    }

    func get(_ id: String) throws -> JSONObject {
        _ = try crashes()
        guard let record = records[id] else { throw APIError.notFound(.init(status: 404, message: "no such item", code: nil)) }
        return record
    }

    func createCall(_ fields: JSONObject) throws -> JSONObject {
        let crashAfter = try crashes()
        let id = create(fields.filter { $0.value != .null })
        if crashAfter { throw CancellationError() }
        return records[id] ?? [:]
    }

    func updateCall(_ id: String, _ changes: JSONObject) throws -> JSONObject {
        let crashAfter = try crashes()
        guard var record = records[id] else { throw APIError.notFound(.init(status: 404, message: "no such item", code: nil)) }
        for (field, value) in changes { record[field] = value == .null ? nil : value }
        record["updated_at"] = .string(stamp())
        records[id] = record
        if crashAfter { throw CancellationError() }
        return record
    }

    func deleteCall(_ id: String) throws {
        let crashAfter = try crashes()
        guard records.removeValue(forKey: id) != nil else { throw APIError.notFound(.init(status: 404, message: "no such item", code: nil)) }
        if crashAfter { throw CancellationError() }
    }
}

/// The simulated provider as a connector: resource `items`, listed by `updated_at`, with no idempotency keys (so a
/// create retried after a crash must be found by its key).
struct SimulatedConnector: Connector {
    let provider: SimulatedProvider
    let descriptor = ProviderDescriptor(
        name: "simulated", displayName: "Simulated provider", authKinds: [.apiKey], defaultBaseURL: "http://127.0.0.1:1",
        credentialFields: ["apiKey"],
        resources: [ResourceDescriptor(name: "items", operations: [.list, .get, .create, .update, .delete], idField: "id", cursorField: "updated_at")])

    func list(_ resource: ResourceDescriptor, query: ListQuery, session: ConnectorSession) async throws -> RecordPage {
        try await provider.list(since: query.updatedSince, after: query.cursor, limit: query.limit ?? 100)
    }

    func get(_ resource: ResourceDescriptor, id: String, session: ConnectorSession) async throws -> JSONValue {
        .object(try await provider.get(id))
    }

    func create(_ resource: ResourceDescriptor, record: JSONValue, idempotencyKey: String?, session: ConnectorSession) async throws -> JSONValue {
        .object(try await provider.createCall(record.objectValue ?? [:]))
    }

    func update(
        _ resource: ResourceDescriptor, id: String, changes: JSONValue, idempotencyKey: String?, session: ConnectorSession
    ) async throws -> JSONValue {
        .object(try await provider.updateCall(id, changes.objectValue ?? [:]))
    }

    func delete(_ resource: ResourceDescriptor, id: String, session: ConnectorSession) async throws -> JSONValue {
        try await provider.deleteCall(id)
        return ["id": .string(id), "deleted": true]
    }
}
