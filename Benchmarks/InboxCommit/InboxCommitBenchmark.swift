import BenchmarkSupport
import Foundation
import JunctionCore
import JunctionStore
import JunctionWebhooks
import Logging
import Synchronization

/// The webhook inbox without HTTP: events committed per second and the process's CPU time per event, with 64
/// concurrent callers sharing transactions (group commit) against one caller committing each event alone, on the
/// same engine in the same run (the baseline the ratio is taken to).
///
///     swift run -c release InboxCommitBenchmark --database sqlite:///tmp/bench.sqlite [--events 40000]
@main
struct InboxCommitBenchmark {
    struct Measurement {
        var eventsPerSecond: Double
        var cpuMicrosecondsPerEvent: Double
        var eventsPerTransaction: Double
    }

    static func main() async {
        await runBenchmark(run)
    }

    static func run() async throws {
        let options = BenchmarkCommandLine()
        guard let urlText = options.value("--database") else {
            throw BenchmarkError("usage: InboxCommitBenchmark --database URL [--events N]")
        }
        let events = max(1_000, try options.integer("--events", default: 40_000))
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let database = try await Database.open(try DatabaseURL(parsing: urlText), logger: logger)
        try await Migrator(database: database, logger: logger).migrate()

        let alone = try await commit(events: events / 8, callers: 1, database: database, run: "alone", logger: logger)
        let shared = try await commit(events: events, callers: 64, database: database, run: "shared", logger: logger)
        print("engine: \(database.dialect.rawValue)")
        print("| callers | events/s | CPU µs per event | events per transaction | ratio |")
        print("|---:|---:|---:|---:|---:|")
        for (callers, measurement) in [(1, alone), (64, shared)] {
            print(
                "| \(callers) | \(Int(measurement.eventsPerSecond)) | \(Int(measurement.cpuMicrosecondsPerEvent)) "
                    + "| \(String(format: "%.1f", measurement.eventsPerTransaction)) "
                    + "| \(String(format: "%.1f", measurement.eventsPerSecond / alone.eventsPerSecond))× |"
            )
        }
        await database.close()
    }

    /// Commits `events` distinct Stripe-shaped events from `callers` concurrent tasks, each waiting for its own commit
    /// as a webhook request does. Bounded by the event count; a run is abandoned after 120 s.
    static func commit(events: Int, callers: Int, database: Database, run: String, logger: Logger) async throws -> Measurement {
        let transactions = Atomic<Int>(0)
        let inbox = WebhookInbox(database: database, queue: JobQueue(database: database), logger: logger) { _ in
            transactions.add(1, ordering: .relaxed)
        }
        // The kept headers as the inbox stores them (names in order), made once as the ingress makes them per request.
        let headersJSON = JSONValue.serialized(stringMembers: [
            ("content-type", "application/json"), ("stripe-signature", "t=1700000000,v1=" + String(repeating: "a", count: 64)),
            ("user-agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)"),
        ])
        let cpuBefore = processCPUMicroseconds()
        let start = ContinuousClock.now
        let deadline = start + .seconds(120)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<callers {
                group.addTask {
                    for index in stride(from: caller, to: events, by: callers) where ContinuousClock.now < deadline {
                        let eventID = "evt_\(run)_\(index)"
                        let body =
                            #"{"id":"\#(eventID)","object":"event","type":"customer.updated","created":1700000000,"#
                            + #""data":{"object":{"id":"cus_1","object":"customer","email":"bench@example.com","balance":0}}}"#
                        let identity = WebhookIdentity(eventID: eventID, type: "customer.updated", occurredAt: Date(), data: .null)
                        _ = try await inbox.commit(
                            InboxEntry(
                                connectionID: "conn_01M8KR82NB74ZB85VWE2DQETSP", provider: "stripe", identity: identity,
                                headersJSON: headersJSON, body: body
                            )
                        )
                    }
                }
            }
            try await group.waitForAll()
        }
        let seconds = Double((ContinuousClock.now - start).milliseconds) / 1000
        let cpu = processCPUMicroseconds() - cpuBefore
        return Measurement(
            eventsPerSecond: Double(events) / max(seconds, 0.001),
            cpuMicrosecondsPerEvent: cpu / Double(events),
            eventsPerTransaction: Double(events) / Double(max(1, transactions.load(ordering: .relaxed)))
        )
    }

}
