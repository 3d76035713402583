import BenchmarkSupport
import Foundation
import JunctionCore
import JunctionStore
import Logging
import SQLKit
import ServiceLifecycle
import Synchronization

/// Job queue throughput: enqueue + lease + complete per second with 1, 4 and 16 worker services, against a
/// plain single-row INSERT loop on the same engine in the same run (the baseline the ratio is taken to).
///
///     swift run -c release QueueThroughputBenchmark --database sqlite:///tmp/bench.sqlite [--jobs 20000]
@main
struct QueueThroughputBenchmark {
    static func main() async {
        await runBenchmark(run)
    }

    static func run() async throws {
        let options = BenchmarkCommandLine()
        guard let urlText = options.value("--database") else {
            throw BenchmarkError("usage: QueueThroughputBenchmark --database URL [--jobs N] [--baseline-rows N]")
        }
        let jobs = try options.integer("--jobs", default: 20_000)
        let baselineRows = try options.integer("--baseline-rows", default: 5_000)
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let database = try await Database.open(try DatabaseURL(parsing: urlText), logger: logger)
        try await Migrator(database: database, logger: logger).migrate()

        let baseline = try await insertLoop(database: database, rows: baselineRows)
        print("engine: \(database.dialect.rawValue)  jobs per run: \(jobs)")
        print("| workers | jobs/s | plain INSERT rows/s (baseline) | ratio |")
        print("|---:|---:|---:|---:|")
        for workers in [1, 4, 16] {
            let rate = try await queueRun(database: database, jobs: jobs, workers: workers, logger: logger)
            print("| \(workers) | \(Int(rate)) | \(Int(baseline)) | \(String(format: "%.1f", rate / baseline))× |")
        }
        await database.close()
    }

    /// Rows per second for autocommitted single-row INSERTs, one after another.
    static func insertLoop(database: Database, rows: Int) async throws -> Double {
        try await database.withSQL { sql in
            try await sql.raw("DROP TABLE IF EXISTS bench_baseline").run()
            try await sql.raw("CREATE TABLE bench_baseline (id BIGINT PRIMARY KEY, payload TEXT NOT NULL, created_at BIGINT NOT NULL)")
                .run()
        }
        let start = ContinuousClock.now
        for index in 0..<rows {
            try await database.withSQL { sql in
                try await sql.raw(
                    "INSERT INTO bench_baseline (id, payload, created_at) VALUES (\(bind: index), '{\"n\":1}', \(bind: Date().epochMilliseconds))"
                ).run()
            }
        }
        let elapsed = ContinuousClock.now - start
        try await database.withSQL { sql in try await sql.raw("DROP TABLE bench_baseline").run() }
        return Double(rows) / elapsed.seconds
    }

    /// Jobs per second from the first enqueue to the last completion, with producers and workers concurrent.
    static func queueRun(database: Database, jobs: Int, workers: Int, logger: Logger) async throws -> Double {
        let queue = JobQueue(database: database)
        let completed = Atomic<Int>(0)
        let handler = ClosureJobHandler { _ in completed.add(1, ordering: .relaxed) }
        var configuration = JobWorkerService.Configuration()
        configuration.batchSize = 200
        configuration.concurrency = 200
        configuration.pollInterval = .milliseconds(5)
        let services = (0..<workers).map { _ in
            JobWorkerService(queue: queue, handlers: ["bench": handler], configuration: configuration, logger: logger)
        }
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
        let start = ContinuousClock.now
        let deadline = start + .seconds(120)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                for batch in stride(from: 0, to: jobs, by: 500) {
                    try await queue.enqueue(
                        (batch..<min(batch + 500, jobs)).map { JobRequest(kind: "bench", payload: ["n": .number(Double($0))]) })
                }
            }
            while completed.load(ordering: .relaxed) < jobs, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(2))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        let done = completed.load(ordering: .relaxed)
        guard done >= jobs else { throw BenchmarkError("only \(done) of \(jobs) jobs completed within 120 s") }
        return Double(done) / elapsed.seconds
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
