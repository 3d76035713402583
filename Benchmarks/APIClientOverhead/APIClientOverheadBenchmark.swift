import AsyncHTTPClient
import BenchmarkSupport
import Foundation
import JunctionHTTP
import HTTPTypes
import NIOCore
import NIOHTTP1

/// CPU time per request of ``APIClient`` against a bare AsyncHTTPClient loop, to the same loopback server,
/// in the same run. The server is another process (`junction serve`'s `/health/live`), so this process's CPU
/// time is the client's alone. Rounds alternate bare and APIClient, to share whatever the machine is doing.
///
///     APIClientOverheadBenchmark --url http://127.0.0.1:PORT/health/live [--requests 20000] [--rounds 3]
@main
struct APIClientOverheadBenchmark {
    static func main() async {
        await runBenchmark(run)
    }

    static func run() async throws {
        let options = BenchmarkCommandLine()
        guard let url = options.value("--url") else {
            throw BenchmarkError("usage: APIClientOverheadBenchmark --url URL [--requests N] [--rounds N] [--only bare|client]")
        }
        let requests = try options.integer("--requests", default: 20_000)
        let rounds = try options.integer("--rounds", default: 3)
        let concurrency = 16
        let http = APIClient.sharedHTTPClient
        let client = APIClient(httpClient: http)

        let bare: @Sendable () async throws -> Void = {
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            let response = try await http.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 20)
        }
        let wrapped: @Sendable () async throws -> Void = {
            _ = try await client.execute(APIRequest(method: .get, url: url, connectionID: "bench"))
        }
        if let only = options.value("--only") {
            // For profiling one path: `perf record … --only client`.
            let cpu = try await cpuMicrosecondsPerCall(only == "bare" ? bare : wrapped, requests: requests, concurrency: concurrency)
            print("\(only): \(String(format: "%.1f", cpu)) µs CPU per request")
            return
        }
        // Warm both paths (connections, caches) before measuring.
        _ = try await cpuMicrosecondsPerCall(bare, requests: 2000, concurrency: concurrency)
        _ = try await cpuMicrosecondsPerCall(wrapped, requests: 2000, concurrency: concurrency)

        // Paired rounds: each APIClient round is compared with the bare round just before it, so a slow drift of
        // the machine (another tenant, a frequency change) cancels out; the median of the ratios is reported.
        var bareCPU: [Double] = []
        var clientCPU: [Double] = []
        var ratios: [Double] = []
        for _ in 0..<rounds {
            let bareRound = try await cpuMicrosecondsPerCall(bare, requests: requests, concurrency: concurrency)
            let clientRound = try await cpuMicrosecondsPerCall(wrapped, requests: requests, concurrency: concurrency)
            bareCPU.append(bareRound)
            clientCPU.append(clientRound)
            ratios.append(clientRound / bareRound)
        }
        ratios.sort()
        let quartiles = (ratios[rounds / 4], ratios[(3 * rounds) / 4])
        print("requests per round: \(requests), concurrency \(concurrency), paired rounds \(rounds)")
        print("| path | CPU µs/request (median) |")
        print("|---|---:|")
        print("| bare AsyncHTTPClient | \(String(format: "%.1f", bareCPU.sorted()[rounds / 2])) |")
        print("| APIClient | \(String(format: "%.1f", clientCPU.sorted()[rounds / 2])) |")
        print(
            "overhead: \(String(format: "%+.1f", (ratios[rounds / 2] - 1) * 100))% CPU time per request (median of paired rounds;"
                + " interquartile \(String(format: "%+.1f", (quartiles.0 - 1) * 100))% to \(String(format: "%+.1f", (quartiles.1 - 1) * 100))%)"
        )
    }

}
