import Foundation
import JunctionCore
import JunctionStore
import JunctionTestSupport
import Testing

/// Separate `junction jobs probe` processes work one queue, as separate nodes would.
@Suite("Job queue across processes")
struct MultiProcessQueueTests {
    @Test("two processes on PostgreSQL run every job exactly once between them")
    func twoProcessesExactlyOnce() async throws {
        guard TestEngine.available.contains(.postgres) else { return }
        try await TestDatabase.with(.postgres) { database, test in
            let queue = JobQueue(database: database)
            let jobCount = 400
            try await queue.enqueue((0..<jobCount).map { JobRequest(kind: "probe", payload: ["n": .number(Double($0))]) })
            let workers = try (0..<2).map { _ in
                try ChildProcess(
                    ChildProcess.junctionExecutable,
                    arguments: ["jobs", "probe", "--database", test.urlText, "--work-milliseconds", "5", "--log-level", "warning"]
                )
            }
            for worker in workers {
                let status = try await worker.wait(timeout: .seconds(120))
                #expect(status == 0, "probe failed: \(worker.standardError)")
            }
            let perProcess = workers.map { worker in
                worker.standardOutput.split(separator: "\n").compactMap { line -> Int64? in
                    let parts = line.split(separator: " ")
                    return parts.count >= 2 && parts[0] == "ran" ? Int64(parts[1]) : nil
                }
            }
            let all = perProcess.flatMap { $0 }
            #expect(all.count == jobCount, "every job ran once: \(all.count) runs for \(jobCount) jobs")
            #expect(Set(all).count == jobCount, "no job ran twice")
            #expect(perProcess.allSatisfy { !$0.isEmpty }, "both processes took work: \(perProcess.map(\.count))")
            #expect(try await queue.statistics().isEmpty)
        }
    }

    @Test("a worker process killed mid-job has its job re-run by another after the lease expires", arguments: TestEngine.available)
    func killedWorker(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, test in
            let queue = JobQueue(database: database)
            try await queue.enqueue(JobRequest(kind: "probe"))
            // The first worker takes the job, which runs for a minute; it is killed with SIGKILL mid-job.
            let doomed = try ChildProcess(
                ChildProcess.junctionExecutable,
                arguments: [
                    "jobs", "probe", "--database", test.urlText, "--work-milliseconds", "60000", "--lease-seconds", "2",
                    "--log-level", "warning",
                ]
            )
            var running = 0
            for _ in 0..<200 where running == 0 {
                try await Task.sleep(for: .milliseconds(50))
                running = try await queue.statistics().first?.running ?? 0
            }
            #expect(running == 1, "the first worker leased the job")
            doomed.send(SIGKILL)
            _ = try await doomed.wait(timeout: .seconds(10))
            #expect(!doomed.standardOutput.contains("ran "))

            let rescuer = try ChildProcess(
                ChildProcess.junctionExecutable,
                arguments: ["jobs", "probe", "--database", test.urlText, "--idle-exit-seconds", "1", "--log-level", "warning"]
            )
            #expect(try await rescuer.wait(timeout: .seconds(60)) == 0, "rescuer failed: \(rescuer.standardError)")
            #expect(rescuer.standardOutput.contains("attempt 2"), "the job ran again as its second attempt: \(rescuer.standardOutput)")
            #expect(try await queue.statistics().isEmpty)
        }
    }
}
