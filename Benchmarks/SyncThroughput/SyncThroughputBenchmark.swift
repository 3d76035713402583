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
import SQLKit

/// Sync throughput: a sync run reading RECORDS records from the Ledger fixture (pages of 100 over loopback HTTP) into
/// the record store, against a baseline measured in the same run on the same database: the same records inserted into
/// the same table directly, 100 rows per statement and transaction, with no HTTP, no hashing, no comparison and no
/// change versions. Then the same sync run again with nothing changed at the provider.
///
///     swift run -c release SyncThroughputBenchmark --database sqlite:///tmp/bench.sqlite --fixture http://127.0.0.1:PORT \
///         --definitions Tests/Peers/connectors [--records 100000] [--bytes 1000]
///
/// The fixture must already hold the records (`POST /_admin/generate {"count", "bytes", "updated_at"}`), with the
/// `updated_at` given here as --updated-at. Bounded by the record count; each run is abandoned after 600 s.
@main
struct SyncThroughputBenchmark {
    static func main() async {
        await runBenchmark(run)
    }

    static func run() async throws {
        let options = BenchmarkCommandLine()
        guard let urlText = options.value("--database"), let fixture = options.value("--fixture"),
            let definitions = options.value("--definitions")
        else {
            throw BenchmarkError(
                "usage: SyncThroughputBenchmark --database URL --fixture URL --definitions FOLDER [--records N] [--bytes N] [--updated-at TIME]")
        }
        let count = try options.integer("--records", default: 100_000)
        let bytes = try options.integer("--bytes", default: 1000)
        let stamp = options.value("--updated-at") ?? "2026-01-01T00:00:00.000Z"
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let database = try await Database.open(try DatabaseURL(parsing: urlText), logger: logger)
        try await Migrator(database: database, logger: logger).migrate()

        let baseline = try await bulkInsert(count: count, bytes: bytes, stamp: stamp, database: database)
        let (first, second) = try await syncTwice(database: database, fixture: fixture, definitions: definitions, logger: logger)
        print("engine: \(database.dialect.rawValue), \(count) records of about \(bytes) bytes")
        print("| run | records/s | ratio to the bulk insert |")
        print("|---|---:|---:|")
        print("| bulk insert (baseline) | \(Int(Double(count) / baseline)) | 1.00 |")
        print("| sync, first run | \(Int(Double(count) / first)) | \(String(format: "%.2f", baseline / first)) |")
        print("| sync, nothing changed | \(Int(Double(count) / second)) | \(String(format: "%.2f", baseline / second)) |")
        print("second run \(String(format: "%.1f", first / second))× faster than the first")
        await database.close()
    }

    /// The records as the fixture generates them.
    static func record(_ index: Int, filler: String, stamp: String) -> JSONValue {
        let id = "acc_" + String(repeating: "0", count: max(0, 7 - String(index).count)) + String(index)
        return ["id": .string(id), "name": .string("Account \(index)"), "balance": .integer(exactly: Int64(index - 1)),
            "notes": .string(filler), "updated_at": .string(stamp)]
    }

    /// Seconds to insert the records straight into `sync_records`.
    static func bulkInsert(count: Int, bytes: Int, stamp: String, database: Database) async throws -> Double {
        let filler = String(repeating: "x", count: max(bytes - 120, 0))
        let start = ContinuousClock.now
        for pageStart in stride(from: 1, through: count, by: 100) {
            let rows = (pageStart..<min(pageStart + 100, count + 1)).map { record($0, filler: filler, stamp: stamp) }
            try await database.transaction { sql in
                var insert = sql.insert(into: "sync_records").columns(
                    "sync_id", "external_id", "raw", "data", "hash", "remote_modified_at", "change_sequence", "first_sequence", "changed_at",
                    "deleted", "generation", "base_version", "base_data")
                for row in rows {
                    insert = insert.values([
                        SQLBind("sync_baseline"), SQLBind(row["id"]?.stringValue ?? ""), SQLBind(try row.serialized()), SQLBind(String?.none),
                        SQLBind("-"), SQLBind(Int64?.none), SQLBind(Int64(1)), SQLBind(Int64(1)), SQLBind(Int64(0)), SQLBind(0), SQLBind(Int64(1)),
                        SQLBind(Int64(1)), SQLBind(String?.none),
                    ])
                }
                try await insert.run()
            }
        }
        return seconds(since: start)
    }

    /// Seconds for a sync's first run and for its second, with nothing changed.
    static func syncTwice(database: Database, fixture: String, definitions: String, logger: Logger) async throws -> (Double, Double) {
        let catalog = ProviderCatalog.builtIn.adding(try ConnectorDefinitionFiles.load(directory: definitions))
        let vault = CredentialVault(keyring: MasterKeyring(current: .generate()))
        let apiClient = APIClient()
        let tokens = TokenManager(database: database, vault: vault, oauth: OAuth2Client(apiClient: apiClient), logger: logger)
        let runtime = ConnectionRuntime(database: database, vault: vault, tokens: tokens, catalog: catalog, apiClient: apiClient)
        let queue = JobQueue(database: database)
        let now = Date()
        let connection = ConnectionRecord(
            id: ResourceID.make(prefix: ConnectionRecord.idPrefix), provider: "ledger", name: "bench", settings: ["baseURL": .string(fixture)],
            createdAt: now, updatedAt: now)
        try await ConnectionRepository(database: database).insert(
            connection, secret: try vault.seal(["apiKey": "ledger-fixture-token"], ownerID: connection.id))
        let sync = SyncDefinition(
            connectionID: connection.id, resource: "accounts", mode: .incremental, everySeconds: 3600, realtime: false, firstRunAt: now)
        try await SyncRepository(database: database).insert(sync)
        let runner = SyncRunner(
            database: database, runtime: runtime, announcer: SyncAnnouncer(database: database, dispatcher: MessageDispatcher(database: database, queue: queue)),
            logger: logger)
        var times: [Double] = []
        for _ in 0..<2 {
            _ = try await queue.enqueue(SyncRunner.job(syncID: sync.id, trigger: .manual))
            let jobs = try await queue.lease(kinds: [SyncRunner.jobKind], limit: 1, for: .seconds(600))
            guard let job = jobs.first else { throw BenchmarkError("the sync's job was not queued") }
            let start = ContinuousClock.now
            try await runner.handle(job)
            times.append(seconds(since: start))
            _ = try await queue.complete(jobs)
            let repository = SyncRepository(database: database)
            guard let runID = try await repository.find(id: sync.id)?.lastRunID, let run = try await repository.run(id: runID, syncID: sync.id),
                run.status == .succeeded
            else { throw BenchmarkError("the sync run did not succeed") }
            FileHandle.standardError.write(
                Data("run: \(run.pages) pages, \(run.counts.added) added, \(run.counts.unchanged) unchanged\n".utf8))
        }
        return (times[0], times[1])
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
