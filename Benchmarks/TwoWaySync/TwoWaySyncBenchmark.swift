import BenchmarkSupport
import Foundation
import JunctionApp
import JunctionAuth
import JunctionConnectors
import JunctionCore
import JunctionHTTP
import JunctionStore
import JunctionWebhooks
import Logging

/// Two-way sync, two figures, each against a baseline measured in the same run:
///
/// 1. `merge`: the three-way merge of 30-field records (a few fields changed on each side, one of them on both), single
///    core, against a plain field-by-field equality comparison of the same three versions. Bounded: `--records`
///    (default 50,000) per round, 7 alternating rounds; the median ratio is reported.
/// 2. `push`: pushing `--records` (default 2,000) local edits to the Ledger fixture over loopback (each merged with the
///    record as stored and sent as a conditional update), against the same edits sent as direct connector calls, 8 at
///    a time both ways. `--rounds` pairs (default 9; the median is reported); each push is timed from its first
///    provider call to its last commit, and the records are read again by a sync run before each pair. Beside the
///    rates, the CPU each path cost per record in this process, the database server and the fixture (read from
///    `/proc`): on a machine whose cores the three share, the ratio follows those sums. `--round N` sets the push's
///    round size.
///
///     swift run -c release TwoWaySyncBenchmark merge [--records 50000]
///     swift run -c release TwoWaySyncBenchmark push --database sqlite:///tmp/bench.sqlite --fixture http://127.0.0.1:PORT \
///         --definitions Tests/Peers/connectors [--records 2000] [--rounds 9] [--round 500]
///
/// The fixture must hold the records (`POST /_admin/generate {"count": N, "bytes": 300}`).
@main
struct TwoWaySyncBenchmark {
    static func main() async {
        await runBenchmark(run)
    }

    static func run() async throws {
        let options = BenchmarkCommandLine()
        if CommandLine.arguments.dropFirst().first == "push" {
            try await push(options)
        } else {
            try merge(options)
        }
    }

    // MARK: Merge

    static func merge(_ options: BenchmarkCommandLine) throws {
        let count = try options.integer("--records", default: 50_000)
        let samples = (0..<1000).map(sample)
        let policy = MergePolicy(record: .merge)
        var ratios: [Double] = [], mergeRates: [Double] = [], compareRates: [Double] = []
        for _ in 0..<7 {
            let compare = measure(count) { index in
                let (base, local, remote) = samples[index % samples.count]
                return changedFields(base: base, local: local, remote: remote)
            }
            let merged = measure(count) { index in
                let (base, local, remote) = samples[index % samples.count]
                let outcome = ThreeWayMerge.merge(base: base, local: .init(local), remote: .init(remote), policy: policy)
                return (outcome.merged?.count ?? 0) + outcome.conflicts.count
            }
            compareRates.append(compare)
            mergeRates.append(merged)
            ratios.append(merged / compare)
        }
        print("records per round: \(count), 30 fields (3 changed locally, 3 remotely, 1 of them on both sides), 7 rounds")
        print("| path | records/s (median) | ratio |")
        print("|---|---:|---:|")
        print("| field-by-field equality comparison | \(Int(median(compareRates))) | 1.00 |")
        print("| three-way merge | \(Int(median(mergeRates))) | \(String(format: "%.2f", median(ratios))) |")
    }

    /// The baseline: which fields differ between the sides and from the base, compared one by one.
    static func changedFields(base: JSONObject, local: JSONObject, remote: JSONObject) -> Int {
        var changed = 0
        for (name, value) in base {
            let (l, r) = (local[name], remote[name])
            if l != value || r != value || l != r { changed += 1 }
        }
        return changed
    }

    /// A record of 30 fields as the base, and the two sides' edits of it.
    static func sample(_ index: Int) -> (JSONObject, JSONObject, JSONObject) {
        var base: JSONObject = ["id": .string("rec_\(index)")]
        for field in 1..<30 {
            base["field\(field)"] = field % 3 == 0 ? .integer(exactly: Int64(index * field)) : .string("value \(index)-\(field)")
        }
        var local = base, remote = base
        for field in [3, 7, 11] { local["field\(field)"] = .string("local \(index)") }
        for field in [11, 19, 23] { remote["field\(field)"] = .string("remote \(index)") }
        return (base, local, remote)
    }

    // MARK: Push

    static func push(_ options: BenchmarkCommandLine) async throws {
        guard let urlText = options.value("--database"), let fixture = options.value("--fixture"),
            let definitions = options.value("--definitions")
        else { throw BenchmarkError("usage: TwoWaySyncBenchmark push --database URL --fixture URL --definitions FOLDER [--records N]") }
        let count = try options.integer("--records", default: 2000)
        let rounds = try options.integer("--rounds", default: 9)
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let database = try await Database.open(try DatabaseURL(parsing: urlText), logger: logger)
        try await Migrator(database: database, logger: logger).migrate()
        let catalog = ProviderCatalog.builtIn.adding(try ConnectorDefinitionFiles.load(directory: definitions))
        let vault = CredentialVault(keyring: MasterKeyring(current: .generate()))
        let apiClient = APIClient()
        let tokens = TokenManager(database: database, vault: vault, oauth: OAuth2Client(apiClient: apiClient), logger: logger)
        let runtime = ConnectionRuntime(database: database, vault: vault, tokens: tokens, catalog: catalog, apiClient: apiClient)
        let queue = JobQueue(database: database)
        let announcer = SyncAnnouncer(database: database, dispatcher: MessageDispatcher(database: database, queue: queue))
        let now = Date()
        let connection = ConnectionRecord(
            id: ResourceID.make(prefix: ConnectionRecord.idPrefix), provider: "ledger", name: "bench", settings: ["baseURL": .string(fixture)],
            createdAt: now, updatedAt: now)
        try await ConnectionRepository(database: database).insert(
            connection, secret: try vault.seal(["apiKey": "ledger-fixture-token"], ownerID: connection.id))
        var sync = SyncDefinition(
            connectionID: connection.id, resource: "accounts", mode: .full, everySeconds: 3600, realtime: false, firstRunAt: now)
        sync.direction = .bidirectional
        sync.mergePolicy = MergePolicy(record: .merge)
        try await SyncRepository(database: database).insert(sync)
        let runner = SyncRunner(database: database, runtime: runtime, announcer: announcer, logger: logger)
        var pushing = SyncPusher.Configuration()
        pushing.batchSize = try options.integer("--round", default: pushing.batchSize)
        let pusher = SyncPusher(database: database, runtime: runtime, announcer: announcer, configuration: pushing, logger: logger)
        let store = SyncChangeStore(database: database)

        let opened = try await runtime.open(id: connection.id)
        let connector = try opened.requireConnector()
        let resource = try connector.resource(named: "accounts")
        let session = runtime.connectorSession(opened, connector: connector)
        let ids = (1...count).map { "acc_" + String(repeating: "0", count: max(0, 7 - String($0).count)) + String($0) }

        var ratios: [Double] = [], pushRates: [Double] = [], directRates: [Double] = []
        var pushCPUs: [CPUReading.PerRecord] = [], directCPUs: [CPUReading.PerRecord] = []
        for round in 1...max(rounds, 1) {
            // The records as the provider holds them now, as a run stores them.
            _ = try await queue.enqueue(SyncRunner.job(syncID: sync.id, trigger: .manual))
            let jobs = try await queue.lease(kinds: [SyncRunner.jobKind], limit: 1, for: .seconds(600))
            guard let job = jobs.first else { throw BenchmarkError("the sync's job was not queued") }
            try await runner.handle(job)
            _ = try await queue.complete(jobs)

            for id in ids {
                let change = SyncLocalChange(
                    syncID: sync.id, externalID: id, operation: .update, fields: ["name": .string("pushed \(round) \(id)")], baseVersion: nil)
                _ = try await store.submit(change) { _ in false }
            }
            let pushCPU = CPUReading()
            let pushStart = ContinuousClock.now
            try await pusher.pushPending(syncID: sync.id)
            let pushed = seconds(since: pushStart)
            pushCPUs.append(pushCPU.microsecondsPerRecord(count))
            let unsettled = try await store.pendingGroups(syncID: sync.id, at: .distantFuture, limit: 1)
            guard unsettled.isEmpty else { throw BenchmarkError("changes were left pending") }

            let directCPU = CPUReading()
            let directStart = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = 0
                for _ in 0..<8 {
                    let start = next
                    next += 1
                    guard start < ids.count else { break }
                    group.addTask {
                        var index = start
                        while index < ids.count {
                            _ = try await connector.update(
                                resource, id: ids[index], changes: ["name": .string("direct \(round) \(ids[index])")], idempotencyKey: nil,
                                session: session)
                            index += 8
                        }
                    }
                }
                try await group.waitForAll()
            }
            let direct = seconds(since: directStart)
            directCPUs.append(directCPU.microsecondsPerRecord(count))
            pushRates.append(Double(count) / pushed)
            directRates.append(Double(count) / direct)
            ratios.append(direct / pushed)
        }
        print("engine: \(database.dialect.rawValue), \(count) edits per round, 8 at a time, \(rounds) rounds")
        print("| path | records/s (median) | ratio |")
        print("|---|---:|---:|")
        print("| direct connector updates | \(Int(median(directRates))) | 1.00 |")
        print("| two-way push (merge, conditional update, store) | \(Int(median(pushRates))) | \(String(format: "%.2f", median(ratios))) |")
        print()
        print("CPU per record (µs, median of the rounds): this process, the database server, the fixture")
        print("| path | client | database | fixture |")
        print("|---|---:|---:|---:|")
        for (name, readings) in [("direct connector updates", directCPUs), ("two-way push", pushCPUs)] {
            let (client, database, fixture) = (readings.map(\.client), readings.map(\.database), readings.map(\.fixture))
            print("| \(name) | \(Int(median(client))) | \(Int(median(database))) | \(Int(median(fixture))) |")
        }
        await database.close()
    }

    // MARK: Support

    /// CPU used by this process, the database server's processes (none for SQLite, which runs in this one) and the
    /// Python fixture, from a starting point.
    struct CPUReading {
        struct PerRecord {
            var client: Double, database: Double, fixture: Double
        }

        let client = processCPUMicroseconds()
        let peers = peerCPUMicroseconds(["postgres", "python"])

        func microsecondsPerRecord(_ count: Int) -> PerRecord {
            let now = peerCPUMicroseconds(["postgres", "python"])
            let records = Double(max(count, 1))
            return PerRecord(
                client: (processCPUMicroseconds() - client) / records,
                database: ((now["postgres"] ?? 0) - (peers["postgres"] ?? 0)) / records,
                fixture: ((now["python"] ?? 0) - (peers["python"] ?? 0)) / records)
        }
    }

    static func measure(_ count: Int, _ body: (Int) -> Int) -> Double {
        var sink = 0
        let start = ContinuousClock.now
        for index in 0..<count { sink &+= body(index) }
        let elapsed = seconds(since: start)
        precondition(sink > 0)
        return Double(count) / elapsed
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
