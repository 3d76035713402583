import JunctionStore
import Synchronization
import Testing

/// Group commit: concurrent callers share flushes, each gets its own outcome, and a failed flush fails exactly the
/// callers whose items were in it.
@Suite("Group commit")
struct GroupCommitTests {
    @Test("concurrent submissions are flushed in shared batches and each caller gets its own outcome")
    func batching() async throws {
        let batches = Mutex<[Int]>([])
        let commits = GroupCommit<Int, Int>(maxBatch: 50) { items in
            batches.withLock { $0.append(items.count) }
            try await Task.sleep(for: .milliseconds(5))
            return items.map { $0 * 2 }
        }
        let results = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for value in 0..<200 { group.addTask { (value, try await commits.submit(value)) } }
            return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 200)
        #expect(results.allSatisfy { $0.value == $0.key * 2 })
        let sizes = batches.withLock { $0 }
        #expect(sizes.reduce(0, +) == 200)
        #expect(sizes.allSatisfy { $0 <= 50 })
        #expect(sizes.count < 200, "some flushes carried several items: \(sizes)")
    }

    @Test("with gathering, a flush that follows another waits for more items; one from idle does not wait")
    func gathering() async throws {
        // The first flush takes 300 ms; B and C arrive during it, D and E 200 ms after it ends. Without gathering,
        // B and C would be flushed as soon as the first flush ended, and D and E apart from them.
        let batches = Mutex<[[String]]>([])
        let commits = GroupCommit<String, String>(maxBatch: 50, gathering: FlushGathering(delay: .seconds(1), target: 10)) { items in
            let first = batches.withLock { batches in
                batches.append(items)
                return batches.count == 1
            }
            if first { try await Task.sleep(for: .milliseconds(300)) }
            return items
        }
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                _ = try await commits.submit("A")
                // Flushed at once: only the writer's 300 ms, not the gathering's second.
                #expect(ContinuousClock.now - started < .milliseconds(900))
            }
            try await Task.sleep(for: .milliseconds(100))
            for item in ["B", "C"] { group.addTask { _ = try await commits.submit(item) } }
            try await Task.sleep(for: .milliseconds(400))
            for item in ["D", "E"] { group.addTask { _ = try await commits.submit(item) } }
            try await group.waitForAll()
        }
        let sizes = batches.withLock { $0.map { Set($0) } }
        #expect(sizes == [["A"], ["B", "C", "D", "E"]])

        // With the target already reached, a following flush does not wait.
        let quick = GroupCommit<Int, Int>(maxBatch: 50, gathering: FlushGathering(delay: .seconds(30), target: 2)) { items in
            if items == [0] { try await Task.sleep(for: .milliseconds(200)) }
            return items
        }
        let begun = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { _ = try await quick.submit(0) }
            try await Task.sleep(for: .milliseconds(50))
            for value in 1...2 { group.addTask { _ = try await quick.submit(value) } }
            try await group.waitForAll()
        }
        #expect(ContinuousClock.now - begun < .seconds(10))
    }

    @Test("a failing flush fails the callers in it, and the next flush works again")
    func failures() async throws {
        struct Refused: Error {}
        let failNext = Atomic<Bool>(true)
        let commits = GroupCommit<Int, Int>(maxBatch: 10) { items in
            if failNext.exchange(false, ordering: .relaxed) { throw Refused() }
            return items
        }
        await #expect(throws: Refused.self) { try await commits.submit(1) }
        #expect(try await commits.submit(2) == 2)
    }

    @Test("a writer returning the wrong number of outcomes is an error, not a hang")
    func contract() async throws {
        let commits = GroupCommit<Int, Int>(maxBatch: 10) { _ in [] }
        await #expect(throws: GroupCommitError.self) { try await commits.submit(1) }
    }
}
