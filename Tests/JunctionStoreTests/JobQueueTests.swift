import Foundation
import JunctionCore
import JunctionStore
import JunctionTestSupport
import Logging
import SQLKit
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Job queue")
struct JobQueueTests {
    @Test("enqueue, lease and complete a batch", arguments: TestEngine.available)
    func batchLifecycle(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let queue = JobQueue(database: database)
            let outcomes = try await queue.enqueue((0..<250).map { JobRequest(kind: "test", payload: ["n": .number(Double($0))]) })
            #expect(outcomes.count == 250)
            #expect(Set(outcomes).count == 250)
            let leased = try await queue.lease(limit: 100, for: .seconds(30))
            #expect(leased.count == 100)
            #expect(leased.allSatisfy { $0.attempt == 1 && $0.kind == "test" })
            #expect(try await queue.lease(limit: 500, for: .seconds(30)).count == 150)
            let completed = try await queue.complete(leased)
            #expect(completed == Set(leased.map(\.id)))
            let statistics = try await queue.statistics()
            #expect(statistics == [JobKindStatistics(kind: "test", queued: 0, running: 150, dead: 0, oldestReadyAge: .zero)])
        }
    }

    @Test("a job keeps the trace context it was enqueued with, keyed or not, and one without has none", arguments: TestEngine.available)
    func traceContextRoundTrip(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let queue = JobQueue(database: database)
            let trace = try #require(
                TraceContext(fields: ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate": "a=1"]))
            try await queue.enqueue([
                JobRequest(kind: "traced", payload: ["n": 1], trace: trace),
                JobRequest(kind: "traced", payload: ["n": 2], uniqueKey: "keyed", trace: trace),
                JobRequest(kind: "traced", payload: ["n": 3], trace: nil),
            ])
            let leased = try await queue.lease(limit: 10, for: .seconds(30))
            let byNumber = Dictionary(uniqueKeysWithValues: leased.map { ($0.payload["n"]?.doubleValue ?? 0, $0.trace) })
            #expect(byNumber[1] == .some(trace) && byNumber[2] == .some(trace))
            #expect(byNumber[3] == .some(nil))
            #expect(trace.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
            #expect(TraceContext(serialized: trace.serialized) == trace)
            #expect(TraceContext(serialized: "not json") == nil && TraceContext(serialized: "{}") == nil)
        }
    }

    @Test(
        "each outcome's id is its own request's row, in batches mixing keyed and keyless jobs past the chunk size",
        arguments: TestEngine.available)
    func outcomesMatchRows(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let queue = JobQueue(database: database)
            // 1,200 keyless jobs (three chunks) interleaved with keyed ones, one key repeated within the batch.
            var requests: [JobRequest] = []
            for n in 0..<1200 {
                requests.append(JobRequest(kind: "plain", payload: ["n": .number(Double(n))]))
                if n.isMultiple(of: 100) {
                    requests.append(JobRequest(kind: "keyed", payload: ["n": .number(Double(n))], uniqueKey: "k\(n)"))
                }
            }
            requests.append(JobRequest(kind: "keyed", payload: ["n": .number(-1)], uniqueKey: "k0"))
            let outcomes = try await queue.enqueue(requests)
            #expect(outcomes.last == .duplicate, "the repeated key goes to its first request")
            let rows = try await database.withSQL { sql in
                try await sql.raw("SELECT id, kind, payload, unique_key FROM jobs").all().map { row in
                    (
                        id: try row.decode(column: "id", as: Int64.self), kind: try row.decode(column: "kind", as: String.self),
                        payload: try row.decode(column: "payload", as: String.self),
                        key: try row.decode(column: "unique_key", as: String?.self)
                    )
                }
            }
            #expect(rows.count == 1212)
            let byID = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0) })
            for (request, outcome) in zip(requests.dropLast(), outcomes) {
                guard case .enqueued(let id) = outcome, let row = byID[id] else {
                    Issue.record("\(request.kind) \(request.payload) was \(outcome)")
                    continue
                }
                #expect(row.kind == request.kind && row.key == request.uniqueKey)
                #expect(try JSONValue.parse(row.payload) == request.payload, "job \(id)")
            }
        }
    }

    @Test("dead jobs are listed newest first and run again with fresh attempts, unless their key is taken", arguments: TestEngine.available)
    func deadJobsRetry(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let queue = JobQueue(database: database)
            try await queue.enqueue([
                JobRequest(kind: "fragile", payload: ["n": 1], maxAttempts: 1),
                JobRequest(kind: "fragile", payload: ["n": 2], uniqueKey: "only-one", maxAttempts: 1),
            ])
            for job in try await queue.lease(limit: 10, for: .seconds(30)) {
                #expect(try await queue.fail(job, error: "broke \(job.payload["n"]?.doubleValue ?? 0)", retryAt: Date()) == .dead)
            }
            let dead = try await queue.deadJobs()
            #expect(dead.map(\.kind) == ["fragile", "fragile"] && dead[0].id > dead[1].id)
            #expect(dead.allSatisfy { $0.attempts == 1 && $0.lastError?.hasPrefix("broke") == true })
            #expect(try await queue.deadJobs(kind: "other").isEmpty)

            // A new job took the dead one's key meanwhile: that one does the work, and the dead one stays.
            let keyed = try #require(dead.first { $0.payload.contains("2") })
            try await queue.enqueue(JobRequest(kind: "fragile", payload: ["n": 3], uniqueKey: "only-one"))
            #expect(try await queue.retryDead(id: keyed.id) == .duplicate)
            let plain = try #require(dead.first { $0.payload.contains("1") })
            #expect(try await queue.retryDead(id: plain.id) == .queued)
            #expect(try await queue.retryDead(id: plain.id) == .notDead)
            let leased = try await queue.lease(limit: 10, for: .seconds(30))
            #expect(Set(leased.compactMap { $0.payload["n"]?.doubleValue }) == [1, 3])
            #expect(leased.first { $0.id == plain.id }?.attempt == 1, "a retried job starts its attempts again")
        }
    }

    @Test("a postponed job does not use an attempt, and makeDue brings it forward", arguments: TestEngine.available)
    func postpone(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let queue = JobQueue(database: database)
            try await queue.enqueue(JobRequest(kind: "ordered", uniqueKey: "dlv_2", maxAttempts: 1))
            let first = try #require(try await queue.lease(limit: 1, for: .seconds(30)).first)
            #expect(try await queue.postpone(first, until: Date().addingTimeInterval(3600)))
            #expect(try await queue.lease(limit: 1, for: .seconds(30)).isEmpty, "not due for an hour")
            try await queue.makeDue(kind: "ordered", uniqueKey: "dlv_2")
            let again = try #require(try await queue.lease(limit: 1, for: .seconds(30)).first)
            #expect(again.attempt == 1, "the postponed run was not counted")
            #expect(try await queue.postpone(first, until: Date()) == false, "a stale lease cannot postpone")
        }
    }

    @Test("a unique key admits one waiting or running job; a finished one frees it", arguments: TestEngine.available)
    func dedup(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let queue = JobQueue(database: database)
            let first = try await queue.enqueue(JobRequest(kind: "refresh", uniqueKey: "conn_1"))
            guard case .enqueued = first else {
                Issue.record("first enqueue was \(first)")
                return
            }
            #expect(try await queue.enqueue(JobRequest(kind: "refresh", uniqueKey: "conn_1")) == .duplicate)
            // The same key under another kind is another job.
            #expect(try await queue.enqueue(JobRequest(kind: "other", uniqueKey: "conn_1")) != .duplicate)
            // A batch mixing new and duplicate keys reports each one.
            let mixed = try await queue.enqueue([
                JobRequest(kind: "refresh", uniqueKey: "conn_1"),
                JobRequest(kind: "refresh", uniqueKey: "conn_2"),
                JobRequest(kind: "refresh"),
            ])
            #expect(mixed[0] == .duplicate)
            #expect(mixed[1] != .duplicate)
            #expect(mixed[2] != .duplicate)
            let running = try await queue.lease(kinds: ["refresh"], limit: 10, for: .seconds(30))
            #expect(running.count == 3)
            #expect(try await queue.enqueue(JobRequest(kind: "refresh", uniqueKey: "conn_1")) == .duplicate)
            try await queue.complete(running)
            #expect(try await queue.enqueue(JobRequest(kind: "refresh", uniqueKey: "conn_1")) != .duplicate)
        }
    }

    @Test("a lease that is not renewed expires and another worker re-runs the job", arguments: TestEngine.available)
    func expiredLease(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let queue = JobQueue(database: database)
            try await queue.enqueue(JobRequest(kind: "work", maxAttempts: 3))
            // Leases of seconds, not milliseconds: a machine busy with the rest of the suite can stall a step that long.
            let crashed = try await queue.lease(limit: 1, for: .seconds(6))
            #expect(crashed.count == 1)
            #expect(try await queue.lease(limit: 1, for: .seconds(30)).isEmpty)
            try await Task.sleep(for: .milliseconds(6100))
            let retaken = try await queue.lease(limit: 1, for: .seconds(30))
            #expect(retaken.map(\.id) == crashed.map(\.id))
            #expect(retaken.first?.attempt == 2)
            // The crashed worker's late report changes nothing: its lease token is stale.
            #expect(try await queue.complete(crashed).isEmpty)
            #expect(try await queue.heartbeat(crashed, extendBy: .seconds(30)).isEmpty)
            if let stale = crashed.first {
                #expect(try await queue.fail(stale, error: "late", retryAt: Date()) == .leaseLost)
            }
            #expect(try await queue.complete(retaken).count == 1)
        }
    }

    @Test("a heartbeat keeps a lease alive past its original expiry", arguments: TestEngine.available)
    func heartbeat(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let queue = JobQueue(database: database)
            try await queue.enqueue(JobRequest(kind: "work"))
            let held = try await queue.lease(limit: 1, for: .seconds(4))
            for _ in 0..<3 {
                try await Task.sleep(for: .milliseconds(1500))
                #expect(try await queue.heartbeat(held, extendBy: .seconds(4)) == Set(held.map(\.id)))
            }
            #expect(try await queue.lease(limit: 1, for: .seconds(30)).isEmpty)
        }
    }

    @Test("failures retry at the given time and the last one makes the job dead", arguments: TestEngine.available)
    func failureAndDeath(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let queue = JobQueue(database: database)
            try await queue.enqueue(JobRequest(kind: "flaky", uniqueKey: "k", maxAttempts: 2))
            let first = try await queue.lease(limit: 1, for: .seconds(30))
            let retryAt = Date().addingTimeInterval(6)
            #expect(try await queue.fail(#require(first.first), error: "boom", retryAt: retryAt) == .retryScheduled(retryAt))
            #expect(try await queue.lease(limit: 1, for: .seconds(30)).isEmpty, "not due before retryAt")
            try await Task.sleep(for: .milliseconds(6100))
            let second = try await queue.lease(limit: 1, for: .seconds(30))
            #expect(second.first?.attempt == 2)
            #expect(second.first?.isFinalAttempt == true)
            #expect(try await queue.fail(#require(second.first), error: "boom again", retryAt: Date()) == .dead)
            #expect(try await queue.lease(limit: 1, for: .seconds(30)).isEmpty)
            let status = try await queue.status(ofJob: #require(second.first).id)
            #expect(status?.status == "dead")
            #expect(status?.lastError == "boom again")
            // A dead job no longer holds its unique key.
            #expect(try await queue.enqueue(JobRequest(kind: "flaky", uniqueKey: "k")) != .duplicate)
            #expect(try await queue.statistics().first?.dead == 1)
        }
    }

    @Test("a lease that expires on the final attempt is reaped as dead", arguments: TestEngine.available)
    func reapFinalAttempt(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let queue = JobQueue(database: database)
            try await queue.enqueue(JobRequest(kind: "hang", maxAttempts: 1))
            let held = try await queue.lease(limit: 1, for: .milliseconds(100))
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await queue.lease(limit: 1, for: .seconds(30)).isEmpty)
            #expect(try await queue.reapExpiredFinalAttempts() == 1)
            #expect(try await queue.status(ofJob: #require(held.first).id)?.status == "dead")
        }
    }

    @Test("scheduled jobs wait for their time; priorities order the rest", arguments: TestEngine.available)
    func schedulingAndPriority(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let queue = JobQueue(database: database, configuration: .init(priorities: ["urgent": 10, "bulk": -5]))
            try await queue.enqueue([
                JobRequest(kind: "bulk"),
                JobRequest(kind: "normal"),
                JobRequest(kind: "urgent"),
                JobRequest(kind: "later", runAt: Date().addingTimeInterval(3)),
                JobRequest(kind: "normal", priority: 20),
            ])
            let leased = try await queue.lease(limit: 10, for: .seconds(30))
            #expect(leased.map(\.kind) == ["normal", "urgent", "normal", "bulk"])
            try await Task.sleep(for: .milliseconds(3100))
            #expect(try await queue.lease(limit: 10, for: .seconds(30)).map(\.kind) == ["later"])
        }
    }

    @Test("leases can be restricted to kinds", arguments: TestEngine.available)
    func kindFilter(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let queue = JobQueue(database: database)
            try await queue.enqueue([JobRequest(kind: "a"), JobRequest(kind: "b"), JobRequest(kind: "c")])
            #expect(Set(try await queue.lease(kinds: ["a", "c"], limit: 10, for: .seconds(30)).map(\.kind)) == ["a", "c"])
            #expect(try await queue.lease(kinds: [], limit: 10, for: .seconds(30)).isEmpty)
        }
    }

    @Test("concurrent worker services run every job exactly once", arguments: TestEngine.available)
    func workersExactlyOnce(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let queue = JobQueue(database: database)
            let jobCount = 600
            try await queue.enqueue((0..<jobCount).map { JobRequest(kind: "count", payload: ["n": .number(Double($0))]) })
            let runs = Mutex<[Int64: Int]>([:])
            let handler = ClosureJobHandler { job in
                runs.withLock { $0[job.id, default: 0] += 1 }
                // Every tenth job fails once, to exercise retries alongside completions.
                if job.attempt == 1, case .number(let n) = job.payload["n"], Int(n) % 10 == 0 {
                    throw JobError.retry(after: .zero, reason: "first attempt of a tenth job fails")
                }
            }
            var configuration = JobWorkerService.Configuration()
            configuration.concurrency = 4
            configuration.batchSize = 16
            configuration.pollInterval = .milliseconds(50)
            let workers = (0..<4).map { _ in
                JobWorkerService(queue: queue, handlers: ["count": handler], configuration: configuration, logger: TestDatabase.logger)
            }
            let watcher = QueueDrainedWatcher(queue: queue, deadline: .seconds(60))
            let group = ServiceGroup(
                configuration: .init(
                    services: workers.map { .init(service: $0) }
                        + [.init(service: watcher, successTerminationBehavior: .gracefullyShutdownGroup)],
                    logger: TestDatabase.logger
                )
            )
            try await group.run()
            let counts = runs.withLock { $0 }
            #expect(counts.count == jobCount)
            #expect(counts.values.filter { $0 == 1 }.count == jobCount - jobCount / 10)
            #expect(counts.values.filter { $0 == 2 }.count == jobCount / 10)
            #expect(try await queue.statistics().isEmpty)
        }
    }

    /// On SQLite the enqueue comes from the same queue object (one process); on PostgreSQL it comes through
    /// a second connection pool, as from another node, so only LISTEN/NOTIFY can wake the worker early.
    @Test("an idle worker wakes for a new job without waiting out its poll interval", arguments: TestEngine.available)
    func wakeUp(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, test in
            let queue = JobQueue(database: database)
            let ran = Mutex<ContinuousClock.Instant?>(nil)
            var configuration = JobWorkerService.Configuration()
            configuration.pollInterval = .seconds(30)
            let worker = JobWorkerService(
                queue: queue,
                handlers: ["ping": ClosureJobHandler { _ in ran.withLock { $0 = .now } }],
                configuration: configuration,
                logger: TestDatabase.logger
            )
            let group = ServiceGroup(configuration: .init(services: [.init(service: worker)], logger: TestDatabase.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await Task.sleep(for: .milliseconds(300))  // the worker is idle now
                if engine == .postgres {
                    // ... and, on PostgreSQL, listening: under load its LISTEN connection can take seconds to open, and
                    // a job enqueued before it listens is found by the wake-up it gets once listening, not by NOTIFY.
                    for _ in 0..<400 {
                        let listening = try await database.withSQL { sql in
                            try await sql.raw(
                                """
                                SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'
                                """
                            ).first()?.decode(column: "n", as: Int64.self) ?? 0
                        }
                        if listening > 0 { break }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                // Timed from the enqueue itself (the other node's pool opens first), against half the poll interval: a
                // worker that waited for its poll would take 30 s.
                let enqueuedAt: ContinuousClock.Instant
                if engine == .postgres {
                    let otherNode = try await Database.open(test.url, logger: TestDatabase.logger)
                    enqueuedAt = ContinuousClock.now
                    try await JobQueue(database: otherNode).enqueue(JobRequest(kind: "ping"))
                    await otherNode.close()
                } else {
                    enqueuedAt = ContinuousClock.now
                    try await queue.enqueue(JobRequest(kind: "ping"))
                }
                var waited = Duration.zero
                while ran.withLock({ $0 }) == nil, waited < .seconds(20) {
                    try await Task.sleep(for: .milliseconds(20))
                    waited += .milliseconds(20)
                }
                let ranAt = try #require(ran.withLock { $0 })
                #expect(ranAt - enqueuedAt < .seconds(15))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}

/// Ends a test's service group once the queue is empty.
struct QueueDrainedWatcher: Service {
    let queue: JobQueue
    let deadline: Duration

    func run() async throws {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < deadline {
            if try await queue.statistics().isEmpty { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSetupError("the queue did not drain within \(deadline)")
    }
}

@Suite("Job workers at shutdown")
struct JobWorkerShutdownTests {
    @Test("graceful shutdown lets the job in hand finish and complete", arguments: TestEngine.available)
    func drainsInFlight(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, _ in
            let queue = JobQueue(database: database)
            let started = Mutex(false)
            let finished = Mutex(false)
            let worker = JobWorkerService(
                queue: queue,
                handlers: [
                    "slow": ClosureJobHandler { _ in
                        started.withLock { $0 = true }
                        try await Task.sleep(for: .milliseconds(700))
                        finished.withLock { $0 = true }
                    }
                ],
                logger: TestDatabase.logger
            )
            let job = try await queue.enqueue(JobRequest(kind: "slow"))
            let group = ServiceGroup(configuration: .init(services: [.init(service: worker)], logger: TestDatabase.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(finished.withLock { $0 })
            guard case .enqueued(let id) = job else { throw TestSetupError("not enqueued") }
            #expect(try await queue.status(ofJob: id) == nil, "the job completed (and was deleted) before the worker stopped")
        }
    }
}
