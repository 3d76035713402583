import BenchmarkSupport
import Foundation
import HTTPTypes
import JunctionApp
import JunctionAuth
import JunctionCore
import JunctionHTTP
import JunctionStore
import Logging

/// The cost of the health bookkeeping (counting each call and its outcome for the connection's window) and the API
/// version inspection (reading Deprecation, Sunset and Link from each answer) on the API client's path: CPU time per
/// call through a connection's sender with them against the same sender without them, to the same loopback server, in
/// the same run. The server is another process (`junction serve`'s `/health/live`), so this process's CPU time is the
/// client's alone. Rounds alternate, paired, and the median ratio is reported.
///
///     HealthBookkeepingBenchmark --url http://127.0.0.1:PORT/health/live [--requests 10000] [--rounds 21]
@main
struct HealthBookkeepingBenchmark {
    static func main() async {
        await runBenchmark(run)
    }

    static func run() async throws {
        let options = BenchmarkCommandLine()
        guard let url = options.value("--url") else {
            throw BenchmarkError("usage: HealthBookkeepingBenchmark --url URL [--requests N] [--rounds N]")
        }
        let requests = try options.integer("--requests", default: 10_000)
        let rounds = try options.integer("--rounds", default: 21)
        let concurrency = 16
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("junction-health-bench-\(UUID().uuidString).sqlite")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let database = try await Database.open(try DatabaseURL(parsing: "sqlite://" + scratch.path), logger: logger)
        let vault = CredentialVault(keyring: MasterKeyring(current: .generate()))
        let client = APIClient()
        let tokens = TokenManager(database: database, vault: vault, oauth: OAuth2Client(apiClient: client), logger: logger)
        let connection = ConnectionRecord(
            id: ResourceID.make(prefix: ConnectionRecord.idPrefix), provider: "rest", name: "bench",
            settings: ["apiVersion": "2024-06-20", "auth": ["type": "bearer"]], createdAt: Date(), updatedAt: Date())
        let credentials: [String: JSONValue] = ["token": "bench-token"]
        let recorder = CallRecorder()
        let plain = CredentialedSender(tokens: tokens, connection: connection, provider: nil, credentials: credentials)
        let watched = CredentialedSender(tokens: tokens, connection: connection, provider: nil, credentials: credentials, recorder: recorder)
        func call(_ sender: CredentialedSender) -> @Sendable () async throws -> Void {
            {
                _ = try await sender.send(APIRequest(method: .get, url: url, connectionID: connection.id)) { try await client.execute($0) }
            }
        }
        _ = try await cpuMicrosecondsPerCall(call(plain), requests: 2000, concurrency: concurrency)
        _ = try await cpuMicrosecondsPerCall(call(watched), requests: 2000, concurrency: concurrency)
        var plainCPU: [Double] = []
        var watchedCPU: [Double] = []
        var ratios: [Double] = []
        for _ in 0..<rounds {
            let plainRound = try await cpuMicrosecondsPerCall(call(plain), requests: requests, concurrency: concurrency)
            let watchedRound = try await cpuMicrosecondsPerCall(call(watched), requests: requests, concurrency: concurrency)
            // What a monitor tick does with the counts, once per round here (every few seconds in a server).
            _ = recorder.drain()
            plainCPU.append(plainRound)
            watchedCPU.append(watchedRound)
            ratios.append(watchedRound / plainRound)
        }
        await database.close()
        ratios.sort()
        print("requests per round: \(requests), concurrency \(concurrency), paired rounds \(rounds)")
        print("| path | CPU µs/call (median) |")
        print("|---|---:|")
        print("| connection sender, no bookkeeping | \(String(format: "%.1f", plainCPU.sorted()[rounds / 2])) |")
        print("| with health bookkeeping and version inspection | \(String(format: "%.1f", watchedCPU.sorted()[rounds / 2])) |")
        print(
            "overhead: \(String(format: "%+.1f", (ratios[rounds / 2] - 1) * 100))% CPU time per call (median of paired rounds;"
                + " interquartile \(String(format: "%+.1f", (ratios[rounds / 4] - 1) * 100))% to \(String(format: "%+.1f", (ratios[(3 * rounds) / 4] - 1) * 100))%)")
    }
}
