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

    @Test("with gathering, a flush that follows another waits for company until the target; one from idle does not")
    func gathering() async throws {
        // A leads from idle and is held in the writer; B and C arrive meanwhile; D and E come 300 ms after A is
        // written. With a 60 s delay and a target of 4, the second flush waits for D and E. Without gathering it
        // would write B and C as soon as A was done, and D and E apart from them.
        let gate = Gate()
        let batches = Mutex<[Set<String>]>([])
        let commits = GroupCommit<String, String>(maxBatch: 50, gathering: FlushGathering(delay: .seconds(60), target: 4)) { items in
            let isFirst = batches.withLock { batches in
                batches.append(Set(items))
                return batches.count == 1
            }
            if isFirst { await gate.wait() }
            return items
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { _ = try await commits.submit("A") }
            // Written at once, not after the 60 s delay.
            try await waitUntil { batches.withLock { $0.count } == 1 }
            for item in ["B", "C"] { group.addTask { _ = try await commits.submit(item) } }
            try await waitUntil { commits.waiting == 2 }
            gate.open()
            try await Task.sleep(for: .milliseconds(300))
            let reached = ContinuousClock.now
            for item in ["D", "E"] { group.addTask { _ = try await commits.submit(item) } }
            try await group.waitForAll()
            #expect(ContinuousClock.now - reached < .seconds(30), "reaching the target ends the wait")
        }
        #expect(batches.withLock { $0 } == [["A"], ["B", "C", "D", "E"]])
    }

    @Test("a gathering flush waits no longer than its delay, and not at all once the target is waiting")
    func gatheringBounds() async throws {
        for (target, waitsForDelay) in [(100, true), (2, false)] {
            let gate = Gate()
            let writes = Atomic<Int>(0)
            let delay = waitsForDelay ? Duration.milliseconds(300) : .seconds(60)
            let commits = GroupCommit<Int, Int>(maxBatch: 50, gathering: FlushGathering(delay: delay, target: target)) { items in
                if writes.add(1, ordering: .relaxed).newValue == 1 { await gate.wait() }
                return items
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try await commits.submit(0) }
                try await waitUntil { writes.load(ordering: .relaxed) == 1 }
                for value in 1...2 { group.addTask { _ = try await commits.submit(value) } }
                try await waitUntil { commits.waiting == 2 }
                let opened = ContinuousClock.now
                gate.open()
                try await group.waitForAll()
                let waited = ContinuousClock.now - opened
                if waitsForDelay {
                    #expect(waited >= .milliseconds(300), "the flush after the first waited its delay for company")
                } else {
                    #expect(waited < .seconds(30), "two waiting reached the target of 2: no wait")
                }
            }
        }
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

/// Holds callers until opened.
private final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if isOpen { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Polls `condition` every 10 ms for up to 30 s; a condition that never holds fails the test instead of hanging it.
private func waitUntil(_ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within 30 s")
            return
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
