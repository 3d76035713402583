import AsyncHTTPClient
import BenchmarkSupport
import Foundation
import Hummingbird
import JunctionAuth
import JunctionCore
import JunctionStore
import JunctionWebhooks
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Outbound deliveries per second to a loopback sink, on SQLite, against a bare AsyncHTTPClient POST loop to the
/// same sink in the same run. Each delivery is the real path: a job leased from the queue, the delivery, message
/// and endpoint read, the body signed per Standard Webhooks, POSTed, and the attempt recorded.
/// Bounded: `--deliveries` (default 10,000) each way, the delivery phase aborted after 120 s.
@main
struct WebhookDeliveryBenchmark {
    static func main() async {
        await runBenchmark(run)
    }

    static func run() async throws {
        let options = BenchmarkCommandLine()
        let count = try options.integer("--deliveries", default: 10_000)
        let port = try options.integer("--port", default: 18_601)
        let concurrency = try options.integer("--concurrency", default: 64)
        var logger = Logger(label: "bench")
        logger.logLevel = .critical

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("junction-delivery-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let database = try await Database.open(.sqlite(path: folder + "/bench.sqlite"), logger: logger)
        try await Migrator(database: database, logger: logger).migrate()

        let received = Atomic<Int>(0)
        let router = Router()
        router.post("hook") { _, _ -> HTTPResponse.Status in
            received.add(1, ordering: .relaxed)
            return .noContent
        }
        let sink = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sink.run() }
            try await waitForSink(port: port)
            let url = "http://127.0.0.1:\(port)/hook"

            let bare = try await bareLoop(url: url, count: count, concurrency: concurrency)
            received.store(0, ordering: .relaxed)

            let queue = JobQueue(database: database)
            let vault = CredentialVault(keyring: MasterKeyring(current: .generate()))
            let now = Date()
            let endpoint = EndpointRecord(
                id: ResourceID.make(prefix: EndpointRecord.idPrefix), url: url, description: "sink", eventTypes: [EventTypePattern("*")!],
                rateLimit: nil, retrySchedule: nil, createdAt: now, updatedAt: now
            )
            try await EndpointRepository(database: database).insert(
                endpoint,
                secret: try vault.seal(EndpointSecrets(current: StandardWebhookSigner.generateSecret()).credentials, ownerID: endpoint.id)
            )
            let dispatcher = MessageDispatcher(database: database, queue: queue)
            for start in stride(from: 0, to: count, by: 500) {
                try await withThrowingTaskGroup(of: Void.self) { publishers in
                    for index in start..<min(start + 500, count) {
                        publishers.addTask {
                            _ = try await dispatcher.publish(
                                eventType: "bench.event", payload: ["n": .number(Double(index)), "text": "hello"], idempotencyKey: nil)
                        }
                    }
                    try await publishers.waitForAll()
                }
            }
            let deliverer = WebhookDeliverer(
                database: database, queue: queue, vault: vault, addressPolicy: EndpointAddressPolicy(allowPrivate: true), logger: logger)
            var configuration = JobWorkerService.Configuration()
            configuration.concurrency = concurrency
            configuration.batchSize = concurrency * 2
            let workers = JobWorkerService(
                queue: queue, handlers: [MessageDispatcher.deliverJobKind: deliverer], configuration: configuration, logger: logger)
            let started = ContinuousClock.now
            let work = Task { try await workers.run() }
            while received.load(ordering: .relaxed) < count, ContinuousClock.now - started < .seconds(120) {
                try await Task.sleep(for: .milliseconds(5))
            }
            let elapsed = ContinuousClock.now - started
            work.cancel()
            _ = await work.result
            let delivered = received.load(ordering: .relaxed)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let rate = Double(delivered) / seconds
            print("deliveries: \(delivered) of \(count), concurrency \(concurrency), SQLite")
            print("| path | per second | ratio |")
            print("|---|---:|---:|")
            print("| bare AsyncHTTPClient POST loop to the sink | \(Int(bare)) | 1.00 |")
            print("| Junction deliveries (queue, signing, attempt records) | \(Int(rate)) | \(String(format: "%.2f", rate / bare)) |")
            group.cancelAll()
        }
        await database.close()
    }

    static func waitForSink(port: Int) async throws {
        for _ in 0..<200 {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/hook")
            request.method = .POST
            if (try? await HTTPClient.shared.execute(request, timeout: .seconds(1))) != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CancellationError()
    }

    /// POSTs of the same size, signed the same way, as fast as `concurrency` in-flight requests allow.
    static func bareLoop(url: String, count: Int, concurrency: Int) async throws -> Double {
        let body = ByteBuffer(string: #"{"n":1,"text":"hello"}"#)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    for _ in stride(from: worker, to: count, by: concurrency) {
                        var request = HTTPClientRequest(url: url)
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.headers.add(
                            name: "webhook-signature",
                            value: StandardWebhookSigner.signature(
                                id: "msg_x", timestamp: 1, body: Array(body.readableBytesView), secrets: ["whsec_AAAA"]))
                        request.body = .bytes(body)
                        _ = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        return Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
