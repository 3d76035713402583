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
