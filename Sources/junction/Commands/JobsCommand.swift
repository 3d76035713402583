import ArgumentParser
import Foundation
import JunctionCore
import JunctionStore
import Logging
import ServiceLifecycle
import UnixSignals

/// `junction jobs`: look at the durable job queue.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Inspect the durable job queue, and run dead jobs again.",
        subcommands: [Stats.self, Dead.self, Retry.self, Probe.self]
    )

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show queued, running and dead jobs by kind.")

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let logger = try store.makeLogger(label: "junction.jobs")
            try await store.withStore(logger: logger) { database in
                let statistics = try await JobQueue(database: database).statistics()
                if statistics.isEmpty {
                    print("the queue is empty")
                    return
                }
                print("KIND".padding(toLength: 28, withPad: " ", startingAt: 0) + "QUEUED   RUNNING  DEAD     OLDEST READY")
                for entry in statistics {
                    let columns = [entry.queued, entry.running, entry.dead].map {
                        String($0).padding(toLength: 9, withPad: " ", startingAt: 0)
                    }
                    print(entry.kind.padding(toLength: 28, withPad: " ", startingAt: 0) + columns.joined() + "\(entry.oldestReadyAge)")
                }
            }
        }
    }

    struct Dead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead jobs (every attempt used), newest first, with their last error.")
        @Option(name: .long, help: "Only jobs of this kind (webhook.deliver, sync.run…).") var kind: String?
        @Option(name: .long, help: "At most this many (1 to 500).") var limit = 50
        @OptionGroup var store: StoreOptions
        @Flag(name: .long, help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            guard (1...500).contains(limit) else { throw CLIError("--limit must be between 1 and 500, not \(limit)") }
            let logger = try store.makeLogger(label: "junction.jobs")
            try await store.withStore(logger: logger) { database in
                let jobs = try await JobQueue(database: database).deadJobs(kind: kind, limit: limit)
                if json {
                    return try JSONOutput.print(
                        .array(jobs.map { job in
                            .object([
                                "id": .integer(exactly: job.id), "kind": .string(job.kind), "payload": (try? JSONValue.parse(job.payload)) ?? .string(job.payload),
                                "attempts": .integer(exactly: Int64(job.attempts)), "lastError": job.lastError.map(JSONValue.string) ?? .null,
                                "diedAt": .string(job.diedAt.formatted(.iso8601)),
                            ])
                        }))
                }
                guard !jobs.isEmpty else { return print("no dead jobs") }
                print(
                    Table.render(
                        header: ["ID", "KIND", "ATTEMPTS", "DIED", "LAST ERROR"],
                        rows: jobs.map { [String($0.id), $0.kind, String($0.attempts), $0.diedAt.formatted(.iso8601), JSONOutput.cell($0.lastError.map(JSONValue.string), width: 80)] }))
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run a dead job again, with a fresh set of attempts.")
        @Argument(help: "The dead job's id (from `junction jobs dead`).") var id: Int64
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let logger = try store.makeLogger(label: "junction.jobs")
            try await store.withStore(logger: logger) { database in
                switch try await JobQueue(database: database).retryDead(id: id) {
                case .queued: print("job \(id) queued again")
                case .notDead: throw CLIError("no dead job has id \(id)")
                case .duplicate: throw CLIError("job \(id) stays dead: a job with the same key is already waiting or running")
                }
            }
        }
    }

    /// Runs the real worker service on a probe job kind and prints each job it runs: the multi-process
    /// queue tests start two of these against one PostgreSQL database.
    struct Probe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "probe",
            abstract: "Run workers for one job kind, print each job run, exit when the kind's queue is empty.",
            shouldDisplay: false
        )

        @Option(help: "The job kind to work on.") var kind = "probe"
        @Option(help: "Concurrent jobs.") var concurrency = 8
        @Option(help: "Jobs leased per round.") var batchSize = 16
        @Option(help: "Milliseconds each job takes.") var workMilliseconds = 0
        @Option(help: "Seconds a lease lasts.") var leaseSeconds = 30
        @Option(help: "Stop after the queue of this kind has been empty for this many seconds.") var idleExitSeconds = 2.0
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let logger = try store.makeLogger(label: "junction.probe")
            try await store.withStore(logger: logger) { database in
                let queue = JobQueue(database: database)
                let output = FileHandle.standardOutput
                let work = Duration.milliseconds(workMilliseconds)
                let handler = ClosureJobHandler { job in
                    if work > .zero { try await Task.sleep(for: work) }
                    output.write(Data("ran \(job.id) attempt \(job.attempt)\n".utf8))
                }
                var configuration = JobWorkerService.Configuration()
                configuration.concurrency = concurrency
                configuration.batchSize = batchSize
                configuration.leaseDuration = .seconds(leaseSeconds)
                configuration.pollInterval = .milliseconds(200)
                let workers = JobWorkerService(queue: queue, handlers: [kind: handler], configuration: configuration, logger: logger)
                let watcher = IdleQueueWatcher(queue: queue, kind: kind, idleTime: .milliseconds(Int64(idleExitSeconds * 1000)))
                let group = ServiceGroup(
                    configuration: .init(
                        services: [
                            .init(service: workers),
                            .init(service: watcher, successTerminationBehavior: .gracefullyShutdownGroup),
                        ],
                        gracefulShutdownSignals: [.sigterm],
                        logger: logger
                    )
                )
                try await group.run()
            }
        }
    }
}

/// Returns once a job kind has had nothing queued or running for `idleTime`, which ends the probe's group.
struct IdleQueueWatcher: Service {
    let queue: JobQueue
    let kind: String
    let idleTime: Duration

    func run() async throws {
        var idleSince: ContinuousClock.Instant?
        while !Task.isShuttingDownGracefully {
            let entry = try await queue.statistics().first { $0.kind == kind }
            if (entry?.queued ?? 0) + (entry?.running ?? 0) == 0 {
                let start = idleSince ?? .now
                idleSince = start
                if ContinuousClock.now - start >= idleTime { return }
            } else {
                idleSince = nil
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
