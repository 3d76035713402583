import Foundation
import JunctionCore
import JunctionStore
import JunctionTestSupport
import Logging
import Synchronization
import Testing

@testable import JunctionWebhooks

/// Processing through the job queue: one job per inbox flush, a failing event retried alone with backoff until it
/// is dead, a succeeding one processed once even when its job runs again.
@Suite("Event processing")
struct EventProcessingTests {
    final class Flaky: WebhookEventHandler {
        let seen = Mutex<[String: Int]>([:])
        func handle(_ event: NormalizedEvent, replay: Int) async throws {
            let count = seen.withLock { seen in
                seen[event.id, default: 0] += 1
                return seen[event.id, default: 0]
            }
            if event.type.hasSuffix(".bad") { throw TestSetupError("handler refused \(event.id) (run \(count))") }
        }
    }

    static func entry(_ type: String, id: String) -> InboxEntry {
        InboxEntry(
            connectionID: "conn_test", provider: "stripe",
            identity: WebhookIdentity(eventID: id, type: type, occurredAt: nil, data: .null),
            headersJSON: "{}", body: #"{"id":"\#(id)","type":"\#(type)"}"#
        )
    }

    @Test("a failing event is retried alone until dead; the others are processed once", arguments: TestEngine.available)
    func retriesUntilDead(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let queue = JobQueue(database: database)
            let inbox = WebhookInbox(database: database, queue: queue, logger: TestDatabase.logger)
            let outcomes = try await withThrowingTaskGroup(of: WebhookInbox.CommitOutcome.self) { group in
                for (index, type) in ["customer.good", "customer.bad", "invoice.good"].enumerated() {
                    group.addTask { try await inbox.commit(Self.entry(type, id: "evt_p\(index)")) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.allSatisfy { if case .stored = $0 { true } else { false } })
            #expect(try await inbox.commit(Self.entry("customer.good", id: "evt_p0")) == .duplicate)

            let handler = Flaky()
            let events = WebhookEventRepository(database: database)
            let processor = WebhookEventProcessor(
                events: events, queue: queue, handlers: [handler], maximumAttempts: 3,
                retryPolicy: JobRetryPolicy(baseDelay: .milliseconds(20), maximumDelay: .milliseconds(50)), logger: TestDatabase.logger
            )
            var configuration = JobWorkerService.Configuration()
            configuration.pollInterval = .milliseconds(20)
            let workers = JobWorkerService(
                queue: queue, handlers: [WebhookInbox.processJobKind: processor], configuration: configuration, logger: TestDatabase.logger)
            let task = Task { try await workers.run() }
            defer { task.cancel() }
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let all = try await events.list(.init(), before: nil, limit: 10)
                if all.filter({ $0.status == .processed }).count == 2, all.contains(where: { $0.status == .dead }) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            task.cancel()
            _ = await task.result

            let all = try await events.list(.init(), before: nil, limit: 10)
            let bad = try #require(all.first { $0.type == "stripe.customer.bad" })
            #expect(bad.status == .dead)
            #expect(bad.attempts == 3)
            #expect(try await events.attempts(ofEvent: bad.id).map(\.succeeded) == [false, false, false])
            for good in all where good.type.hasSuffix(".good") {
                #expect(good.status == .processed)
                #expect(good.attempts == 1)
                #expect(handler.seen.withLock { $0[good.id] } == 1)
            }

            // Running the flush's job again (as after a crash) processes nothing twice.
            let rerun = try await queue.enqueue(WebhookEventProcessor.job(for: all.map(\.id)))
            #expect(rerun != .duplicate)
            let leased = try await queue.lease(limit: 10, for: .seconds(30))
            for job in leased { try await processor.handle(job) }
            for good in all where good.type.hasSuffix(".good") { #expect(handler.seen.withLock { $0[good.id] } == 1) }
        }
    }
}
