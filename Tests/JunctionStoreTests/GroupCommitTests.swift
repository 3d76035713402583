@testable import JunctionStore
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
        // The writer holds its first two batches until the test opens their gates. The delay is 60 s, so a wait that
        // should not happen, or should end early and does not, shows as a step taking 30 s or more (a bound this far
        // from both ends holds on a machine busy with the rest of the suite).
        let batches = GatedBatches(gates: 2)
        let commits = batches.commits(gathering: FlushGathering(delay: .seconds(60), target: 4))
        try await withThrowingTaskGroup(of: Void.self) { group in
            func submit(_ items: [String]) {
                for item in items { group.addTask { _ = try await commits.submit(item) } }
            }
            var started = ContinuousClock.now
            submit(["A"])
            try await waitUntil { batches.count == 1 }
            #expect(ContinuousClock.now - started < .seconds(30), "from idle: written at once")
            submit(["B", "C", "D", "E"])
            try await waitUntil { commits.waiting == 4 }
            batches.gates[0].open()
            // Four waiting, the target: written without waiting.
            try await waitUntil { batches.count == 2 }
            submit(["F", "G"])
            try await waitUntil { commits.waiting == 2 }
            batches.gates[1].open()
            // Two waiting where four were lately: the flush waits for company, and the fourth item ends the wait.
            try await waitUntil { commits.isGathering }
            started = ContinuousClock.now
            submit(["H", "I"])
            try await group.waitForAll()
            #expect(ContinuousClock.now - started < .seconds(30), "reaching the target ends the wait")
        }
        // Idle again, though four waited lately: a lone item is written at once.
        let lone = ContinuousClock.now
        _ = try await commits.submit("J")
        #expect(ContinuousClock.now - lone < .seconds(30), "from idle: written at once")
        #expect(batches.all == [["A"], ["B", "C", "D", "E"], ["F", "G", "H", "I"], ["J"]])
    }

    @Test("a gathering flush waits no longer than its delay, and only when many callers were active")
    func gatheringBounds() async throws {
        // Three seen waiting at once, half a target of 6: a lone item after them is waited with for 300 ms.
        let waited = try await loneItemAfterBatch(of: 3, gathering: FlushGathering(delay: .milliseconds(300), target: 6))
        #expect(waited >= .milliseconds(300), "the flush waited its delay for company")
        // Four seen waiting at once, under half a target of 10: too few to wait for, even with a 20 s delay.
        let notWaited = try await loneItemAfterBatch(of: 4, gathering: FlushGathering(delay: .seconds(20), target: 10))
        #expect(notWaited < .seconds(10), "no wait when few callers were active")
    }

    @Test("a wait that runs out halves the aim: the next flush waits only for half as many as were seen")
    func gatheringAimHalves() async throws {
        // Eight seen waiting at once, the target; then a lone item is waited with until the 15 s delay runs out. The
        // aim halves to four, so the next flush stops waiting when four have gathered, long before another 15 s.
        let batches = GatedBatches(gates: 3)
        let commits = batches.commits(gathering: FlushGathering(delay: .seconds(15), target: 8))
        try await withThrowingTaskGroup(of: Void.self) { group in
            func submit(_ items: [String]) {
                for item in items { group.addTask { _ = try await commits.submit(item) } }
            }
            submit(["A"])
            try await waitUntil { batches.count == 1 }
            submit(["B", "C", "D", "E", "F", "G", "H", "I"])
            try await waitUntil { commits.waiting == 8 }
            batches.gates[0].open()
            try await waitUntil { batches.count == 2 }
            submit(["J"])
            try await waitUntil { commits.waiting == 1 }
            batches.gates[1].open()
            // One waiting where eight were: the flush waits its whole delay, alone, then writes J.
            try await waitUntil { batches.count == 3 }
            submit(["K", "L"])
            try await waitUntil { commits.waiting == 2 }
            batches.gates[2].open()
            try await waitUntil { commits.isGathering }
            let started = ContinuousClock.now
            submit(["M", "N"])
            try await group.waitForAll()
            #expect(ContinuousClock.now - started < .seconds(10), "four, half the aim before, ended the wait")
        }
        #expect(batches.all == [["A"], ["B", "C", "D", "E", "F", "G", "H", "I"], ["J"], ["K", "L", "M", "N"]])
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

/// A flush from idle, held while `count` items gather; then one item alone after they are written: how long that
/// one took from the moment the second flush was let go.
private func loneItemAfterBatch(of count: Int, gathering: FlushGathering) async throws -> Duration {
    let gates = [Gate(), Gate()]
    let writes = Atomic<Int>(0)
    let commits = GroupCommit<Int, Int>(maxBatch: 50, gathering: gathering) { items in
        let call = writes.add(1, ordering: .relaxed).newValue
        if call <= gates.count { await gates[call - 1].wait() }
        return items
    }
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { _ = try await commits.submit(0) }
        try await waitUntil { writes.load(ordering: .relaxed) == 1 }
        for value in 1...count { group.addTask { _ = try await commits.submit(value) } }
        try await waitUntil { commits.waiting == count }
        gates[0].open()
        try await waitUntil { writes.load(ordering: .relaxed) == 2 }
        group.addTask { _ = try await commits.submit(count + 1) }
        try await waitUntil { commits.waiting == 1 }
        let opened = ContinuousClock.now
        gates[1].open()
        try await group.waitForAll()
        return ContinuousClock.now - opened
    }
}

/// The batches a group commit's writer was given, the first few held until their gates open.
private final class GatedBatches: Sendable {
    let gates: [Gate]
    private let batches = Mutex<[Set<String>]>([])

    init(gates: Int) {
        self.gates = (0..<gates).map { _ in Gate() }
    }

    var count: Int { batches.withLock { $0.count } }
    var all: [Set<String>] { batches.withLock { $0 } }

    /// A group commit whose writer records each batch, holds it while its gate is shut, and stores every item.
    func commits(gathering: FlushGathering) -> GroupCommit<String, String> {
        GroupCommit(maxBatch: 50, gathering: gathering) { items in
            let call = self.batches.withLock { batches in
                batches.append(Set(items))
                return batches.count
            }
            if call <= self.gates.count { await self.gates[call - 1].wait() }
            return items
        }
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
