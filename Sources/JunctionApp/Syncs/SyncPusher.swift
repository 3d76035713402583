import Foundation
import JunctionConnectors
import JunctionCore
import JunctionHTTP
import JunctionStore
import JunctionWebhooks
import Logging

/// Pushes the application's changes of a two-way sync to the provider (the `sync.push` job), record by record, each
/// merged against what the provider holds now.
///
/// For each record with pending changes: the provider's version is read again (one listing of what changed since the
/// records were last stored, else the record itself), the changes are laid over the base both sides last agreed,
/// and ``ThreeWayMerge`` settles the two sides under the sync's policy. What the merge leaves to a person opens a
/// conflict and touches nothing; otherwise only the fields where the merged record differs from the provider's are
/// sent, and the provider's answer is stored as the new base (so its echo, by webhook or pull, is no change).
///
/// Every provider call is noted before it is made. A create whose earlier call a crash may have completed is looked
/// up by the application's key (``SyncDefinition/localKeyField``) before it is made again, and sent with the same
/// idempotency key; where neither protects it, it fails rather than risk a duplicate. An update or a deletion
/// repeated after a crash finds the provider already agreeing and sends nothing.
public struct SyncPusher: JobHandler {
    /// The job kind pushes are queued as.
    public static let jobKind = "sync.push"

    /// How pushes run and retry.
    public struct Configuration: Sendable {
        /// Records pushed at once per sync.
        public var concurrency: Int = 8
        /// Records per round (their changes are loaded, read again and pushed together).
        public var batchSize: Int = 500
        /// The delay after a change's first failure; it doubles with each further one.
        public var failureBackoff: Duration = .seconds(5)
        /// The longest delay between attempts.
        public var maximumFailureBackoff: Duration = .seconds(3600)
        /// Failures (the provider or the network erring; rate limits do not count) before a change is given up.
        public var maximumAttempts: Int = 12
        /// Pages of recently changed records read to refresh a round's records at once; past that, each is read alone.
        public var refreshPages: Int = 3

        /// The defaults.
        public init() {}
    }

    let database: Database
    let runtime: ConnectionRuntime
    let announcer: SyncAnnouncer
    let configuration: Configuration
    let logger: Logger

    /// A pusher calling providers through `runtime`.
    public init(database: Database, runtime: ConnectionRuntime, announcer: SyncAnnouncer, configuration: Configuration = .init(), logger: Logger) {
        self.database = database
        self.runtime = runtime
        self.announcer = announcer
        self.configuration = configuration
        self.logger = logger
    }

    /// The job that pushes `syncID`'s pending changes.
    public static func job(syncID: String) -> JobRequest {
        JobRequest(kind: jobKind, payload: ["syncId": .string(syncID)], uniqueKey: "push:" + syncID, maxAttempts: 1000)
    }

    public func handle(_ job: LeasedJob) async throws {
        guard let syncID = job.payload["syncId"]?.stringValue else { throw JobError.permanent(reason: "sync.push job without a syncId") }
        do {
            // Changes waiting out a failure are pushed when they are due.
            if let next = try await pushPending(syncID: syncID) {
                throw JobError.postpone(
                    after: .milliseconds(max(next.epochMilliseconds - Date().epochMilliseconds, 100)), reason: "changes wait to be retried")
            }
        } catch let pause as ProviderPause {
            throw JobError.postpone(after: pause.delay, reason: pause.reason)
        }
    }

    /// Pushes every pending change of `syncID` that is due, round after round, until none is left; returns when the
    /// earliest change still waiting out a failure is due (`nil`: none waits). A paused or deleted sync pushes nothing.
    /// A rate limit or open circuit leaves the round's changes waiting and is thrown as a ``ProviderPause``.
    ///
    /// Rounds overlap: while a round's provider calls are made, the round before it is settled and the round after it
    /// is prepared (its changes and stored records read, the round noted), so the store's work waits for no call and
    /// no call for the store. A round leaves alone the records of the round in flight.
    @discardableResult
    public func pushPending(syncID: String) async throws -> Date? {
        guard let sync = try await SyncRepository(database: database).find(id: syncID), !sync.paused else { return nil }
        let store = SyncChangeStore(database: database)
        // Rounds a stopped push left unsettled count as attempts before anything is read.
        try await store.recoverRounds(syncID: syncID)
        let target = try await SyncTarget.open(sync, runtime: runtime)
        // A push's first round is small, so its first calls start after a few records are read, not a full round's.
        let firstRound = max(configuration.batchSize / 5, 1)
        var queue = try await prepareRounds(sync, excluding: [], limit: firstRound)
        var unsettled = Outcomes()
        do {
            while true {
                try Task.checkCancellation()
                guard let round = queue.first else {
                    // The last round is settled; changes made meanwhile to its records are pushed next.
                    guard !unsettled.isEmpty else { break }
                    try await settle(unsettled, sync: sync)
                    unsettled = Outcomes()
                    queue = try await prepareRounds(sync, excluding: [], limit: firstRound)
                    continue
                }
                let upcoming = Array(queue.dropFirst())
                // Outcomes not yet committed stay in `unsettled` until their commit succeeds.
                let earlier = unsettled
                async let following = settleThenPrepare(earlier, sync: sync, excluding: round.records, upcoming: upcoming)
                let settlements: [SyncChangeStore.Settlement]
                do {
                    settlements = try await pushRound(round, sync: sync, target: target)
                } catch let interruption as PushInterruption {
                    // What reached the provider is kept; the rest, with the rounds prepared meanwhile, waits.
                    let prepared: [PreparedRound]
                    do {
                        prepared = try await following
                    } catch {
                        prepared = upcoming
                        try? await settle(earlier, sync: sync)
                    }
                    unsettled = Outcomes()
                    // The rounds prepared meanwhile made no call. The waiting changes of this one may have: a pause
                    // counts their attempt now; anything else leaves the round's note for the next push to count.
                    try await store.forget(prepared.map(\.note))
                    var settledRounds: [SyncChangeStore.PushRound] = []
                    if let pause = interruption.pause {
                        let until = Date().addingTimeInterval(Double(pause.delay.milliseconds) / 1000)
                        try await store.postpone(
                            interruption.waiting, until: until, reason: pause.reason, attemptStartedAt: round.note.startedAt)
                        try await store.postpone(prepared.flatMap(\.changeIDs), until: until, reason: pause.reason)
                        settledRounds = [round.note]
                    }
                    try await settle(Outcomes(settlements: interruption.settled, rounds: settledRounds), sync: sync)
                    throw interruption.pause ?? interruption.underlying
                }
                do {
                    queue = try await following
                } catch {
                    unsettled = earlier + Outcomes(settlements: settlements, rounds: [round.note])
                    throw error
                }
                unsettled = Outcomes(settlements: settlements, rounds: [round.note])
            }
        } catch {
            // Outcomes already had from the provider are committed whatever stopped the push (a store error, shutdown).
            if !unsettled.isEmpty { try? await settle(unsettled, sync: sync) }
            throw error
        }
        return try await store.nextAvailable(syncID: syncID)
    }

    /// A round of records read and noted, ready for its provider calls.
    struct PreparedRound: Sendable {
        /// Each record's pending changes, in order.
        var groups: [[SyncLocalChange]]
        /// What is stored of the records, by provider id.
        var stored: [String: SyncChangeStore.StoredRecord]
        /// The round's note, made before its calls.
        var note: SyncChangeStore.PushRound
        /// Its records (``SyncLocalChange/recordKey``), left alone by the round after it until it is settled.
        var records: Set<String> { Set(groups.compactMap { $0.first?.recordKey }) }
        /// Its changes.
        var changeIDs: [String] { groups.flatMap { $0.map(\.id) } }
    }

    /// Rounds' outcomes waiting to be committed, with the rounds' notes, forgotten in the same commit.
    struct Outcomes: Sendable {
        var settlements: [SyncChangeStore.Settlement] = []
        var rounds: [SyncChangeStore.PushRound] = []

        var isEmpty: Bool { settlements.isEmpty && rounds.isEmpty }

        static func + (lhs: Outcomes, rhs: Outcomes) -> Outcomes {
            Outcomes(settlements: lhs.settlements + rhs.settlements, rounds: lhs.rounds + rhs.rounds)
        }
    }

    /// Why a round stopped before all its records were pushed: what it settled and what still waits.
    struct PushInterruption: Error {
        /// The outcomes of the records whose calls were made.
        var settled: [SyncChangeStore.Settlement]
        /// The changes of the records not pushed.
        var waiting: [String]
        /// The provider's pause, when that is what stopped it.
        var pause: ProviderPause?
        /// What stopped it otherwise.
        var underlying: any Error
    }

    /// Reads the next rounds (up to `limit` records in all, ``Configuration/batchSize`` by default, besides
    /// `excluding`) and notes each before any call is made: a retry after a crash then knows each call may have
    /// arrived. Empty when nothing is due.
    ///
    /// Usually one round. When the read finds fewer records than it asked for, the queue is drained, and these rounds
    /// are its last: they are cut into rounds half as large as the one before (down to a twentieth of a full round), so
    /// each round's commit goes on while the next makes its calls, and the commit left after the last call is a small
    /// one.
    func prepareRounds(_ sync: SyncDefinition, excluding: Set<String>, limit: Int? = nil) async throws -> [PreparedRound] {
        let store = SyncChangeStore(database: database)
        let limit = limit ?? configuration.batchSize
        let groups = try await store.pendingGroups(syncID: sync.id, limit: limit, excluding: excluding)
        guard !groups.isEmpty else { return [] }
        let stored = try await store.records(syncID: sync.id, externalIDs: groups.compactMap { $0.first?.externalID })
        var parts: [ArraySlice<[SyncLocalChange]>] = []
        var rest = groups[...]
        let smallest = max(configuration.batchSize / 20, 1)
        while groups.count < limit, rest.count > 2 * smallest {
            parts.append(rest.prefix(rest.count / 2))
            rest = rest.dropFirst(rest.count / 2)
        }
        parts.append(rest)
        var rounds: [PreparedRound] = []
        for part in parts {
            var groups = Array(part)
            let note = try await store.beginRound(syncID: sync.id, changeIDs: groups.flatMap { $0.map(\.id) })
            // A failure settled during the round counts its attempt from when the round started.
            for index in groups.indices {
                for change in groups[index].indices where groups[index][change].firstAttemptAt == nil {
                    groups[index][change].firstAttemptAt = note.startedAt
                }
            }
            rounds.append(PreparedRound(groups: groups, stored: stored, note: note))
        }
        return rounds
    }

    /// Commits `outcomes`, then returns the rounds after the one in flight: `upcoming`, when it has any, else the next
    /// rounds read.
    private func settleThenPrepare(
        _ outcomes: Outcomes, sync: SyncDefinition, excluding inFlight: Set<String>, upcoming: [PreparedRound]
    ) async throws -> [PreparedRound] {
        try await settle(outcomes, sync: sync)
        return upcoming.isEmpty ? try await prepareRounds(sync, excluding: inFlight) : upcoming
    }

    /// Commits rounds' settlements and forgets their notes, and announces the conflicts they opened.
    private func settle(_ outcomes: Outcomes, sync: SyncDefinition) async throws {
        try await SyncChangeStore(database: database).settle(outcomes.settlements, rounds: outcomes.rounds, syncID: sync.id)
        let opened = outcomes.settlements.filter { if case .conflict = $0.outcome { true } else { false } }.count
        if opened > 0 {
            logger.info("sync conflicts opened", metadata: ["sync": "\(sync.id)", "count": "\(opened)"])
            _ = try? await announcer.announceConflicts()
        }
    }

    /// Makes one round's provider calls, up to ``Configuration/concurrency`` records at once, and returns how each
    /// came out, for the next round to settle. A process that dies before that commit leaves the changes pending with
    /// their attempts noted: their retry finds the provider already agreeing (or the create made), and sends nothing
    /// twice. A pause or failure is thrown as a ``PushInterruption`` carrying what was pushed before it.
    func pushRound(_ round: PreparedRound, sync: SyncDefinition, target: SyncTarget) async throws -> [SyncChangeStore.Settlement] {
        var settlements: [SyncChangeStore.Settlement] = []
        do {
            // A provider that refuses a stale update (412) needs no reading first: its updates are conditional instead.
            let refreshed =
                target.connector.descriptor.conditionalUpdate != nil
                ? [:] : try await ProviderPause.catching(.seconds(30)) { try await refresh(Array(round.stored.values), target: target) }
            try await withThrowingTaskGroup(of: SyncChangeStore.Settlement?.self) { tasks in
                var running = 0
                for group in round.groups {
                    if running >= configuration.concurrency, let settled = try await tasks.next() {
                        running -= 1
                        if let settled { settlements.append(settled) }
                    }
                    let record = group.first?.externalID.flatMap { round.stored[$0] }
                    let remote = group.first?.externalID.flatMap { refreshed[$0] }
                    tasks.addTask { try await pushRecord(group, stored: record, remote: remote, sync: sync, target: target) }
                    running += 1
                }
                for try await settled in tasks { if let settled { settlements.append(settled) } }
            }
        } catch {
            let settledIDs = Set(settlements.flatMap(\.changeIDs))
            throw PushInterruption(
                settled: settlements, waiting: round.changeIDs.filter { !settledIDs.contains($0) }, pause: error as? ProviderPause,
                underlying: error)
        }
        return settlements
    }

    /// The provider's current versions of `records` that one listing of recently changed records can tell: a record
    /// changed since it was stored is in the listing; one not in it is as stored. Empty (each record is read alone)
    /// when the resource cannot be listed by change time or the listing is longer than a few pages.
    func refresh(_ records: [SyncChangeStore.StoredRecord], target: SyncTarget) async throws -> [String: Remote] {
        guard records.count > 1, target.resource.operations.contains(.list), target.resource.cursorField != nil, !target.resource.cursorIsCreationTime,
            let oldest = records.compactMap(\.remoteModifiedAt).min(), records.allSatisfy({ $0.remoteModifiedAt != nil && !$0.deleted })
        else { return [:] }
        var query = ListQuery(limit: 100, updatedSince: oldest.addingTimeInterval(-60))
        var listed: [String: JSONObject] = [:]
        for _ in 0..<configuration.refreshPages {
            let page = try await target.connector.list(target.resource, query: query, session: target.session)
            for record in page.records {
                if let id = target.resource.externalID(of: record), let object = record.objectValue { listed[id] = object }
            }
            guard let next = page.nextCursor else {
                let wanted = Set(records.map(\.externalID))
                var remote: [String: Remote] = [:]
                for record in records where wanted.contains(record.externalID) {
                    remote[record.externalID] = Remote(record: listed[record.externalID] ?? record.raw)
                }
                return remote
            }
            query.cursor = next
        }
        return [:]
    }

    /// The provider's version of a record, when known before its push.
    struct Remote: Sendable {
        /// Its fields; `nil`: deleted at the provider.
        var record: JSONObject?
    }

    /// Pushes one record's pending changes. Where the provider takes conditional updates, an update is merged with the
    /// record as stored and sent on condition that the provider still holds that; if it does not (412), the record is
    /// read and merged again (`conditional` false).
    ///
    /// Returns how the changes came out, for the round's settlement; `nil` when they failed (and were marked so) or wait
    /// to be retried.
    func pushRecord(
        _ group: [SyncLocalChange], stored: SyncChangeStore.StoredRecord?, remote known: Remote?, sync: SyncDefinition, target: SyncTarget,
        conditional: Bool = true
    ) async throws -> SyncChangeStore.Settlement? {
        guard let first = group.first else { return nil }
        let ids = group.map(\.id)
        do {
            guard let externalID = first.externalID else {
                return try await ProviderPause.catching(.seconds(30)) { try await create(first, sync: sync, target: target) }
            }
            if let conflictID = stored?.conflictID {
                // Made while the conflict was being opened: it joins it.
                return .init(changeIDs: ids, outcome: .joined(conflictID: conflictID))
            }
            // The stored copy stands in for the provider's when the write can be made conditional on it.
            let expected: JSONObject? =
                if conditional, known == nil, target.connector.descriptor.conditionalUpdate != nil, let stored, !stored.deleted,
                    !group.contains(where: { $0.operation == .delete })
                { stored.raw } else { nil }
            let plan = try await plan(group, stored: stored, remote: known ?? expected.map { Remote(record: $0) }, sync: sync, target: target)
            let outcome = plan.outcome
            let remote = plan.remote
            if outcome.needsPerson {
                let conflict = SyncConflict(
                    syncID: sync.id, externalID: externalID, base: plan.base, remote: remote,
                    remoteChangedAt: remote.flatMap { target.resource.changeTime(of: .object($0)) } ?? stored?.remoteModifiedAt)
                return .init(changeIDs: ids, outcome: .conflict(conflict))
            }
            do {
                return try await ProviderPause.catching(.seconds(30)) {
                    try await apply(
                        outcome.merged, over: remote, expected: expected, externalID: externalID, changes: group, sync: sync, target: target)
                }
            } catch APIError.conflict(let details) where expected != nil && details.status == 412 {
                // The provider changed the record since it was stored: read it, and merge again.
                return try await pushRecord(group, stored: stored, remote: nil, sync: sync, target: target, conditional: false)
            } catch APIError.notFound where (known != nil || expected != nil) && remote != nil {
                // The listing that stood in for reading the record could not show that the provider deleted it: the
                // merge is made again against the deletion.
                return try await pushRecord(group, stored: stored, remote: Remote(record: nil), sync: sync, target: target)
            }
        } catch let error as ProviderPause {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            try await settleFailure(error, changes: group, externalID: first.externalID, syncID: sync.id)
            return nil
        }
    }

    /// What pushing a record's changes comes to: the merge of the application's and the provider's versions.
    struct Plan: Sendable {
        /// What both sides last agreed.
        var base: JSONObject?
        /// The provider's version now (`nil`: deleted).
        var remote: JSONObject?
        /// The merge.
        var outcome: ThreeWayMerge.Outcome
        /// Whether the provider already holds the result (nothing to send).
        var nothingToSend: Bool
    }

    /// Reads the provider's version of the record (unless `known`) and merges the changes `group` with it.
    func plan(
        _ group: [SyncLocalChange], stored: SyncChangeStore.StoredRecord?, remote known: Remote?, sync: SyncDefinition, target: SyncTarget
    ) async throws -> Plan {
        let remote: JSONObject?
        if let known {
            remote = known.record
        } else if let id = group.first?.externalID {
            remote = try await read(id, target: target)
        } else {
            remote = nil
        }
        // A frozen base is what both sides agreed when the change was made, even if a pull has since marked the record
        // deleted: the deletion is the provider's side of the merge, not the base.
        let base: JSONObject? = if let stored { stored.baseFrozen || !stored.deleted ? stored.base : nil } else { remote }
        let local = group.reduce(base) { $1.applied(to: $0) }
        let outcome = ThreeWayMerge.merge(
            base: base, local: .init(local, changedAt: group.last?.createdAt),
            remote: .init(remote, changedAt: remote.flatMap { target.resource.changeTime(of: .object($0)) } ?? stored?.remoteModifiedAt),
            policy: target.mergePolicy)
        let nothingToSend: Bool =
            switch (outcome.merged, remote) {
            case (nil, nil): true
            case (let merged?, let remote?): Self.difference(from: remote, to: merged, excluding: target.providerManaged).isEmpty
            default: false
            }
        return Plan(base: base, remote: remote, outcome: outcome, nothingToSend: nothingToSend)
    }

    /// What pushing the sync's pending changes now would do, without doing it: records whose changes would be sent,
    /// that would open a conflict, and that the provider already agrees on (at most `limit` records).
    func dryRun(_ sync: SyncDefinition, limit: Int = 100) async throws -> (records: Int, push: [String], conflict: [String], agreed: [String]) {
        let store = SyncChangeStore(database: database)
        let groups = try await store.pendingGroups(syncID: sync.id, at: .distantFuture, limit: limit)
        guard !groups.isEmpty else { return (records: 0, push: [], conflict: [], agreed: []) }
        let target = try await SyncTarget.open(sync, runtime: runtime)
        var push: [String] = [], conflict: [String] = [], agreed: [String] = []
        for group in groups {
            guard let first = group.first else { continue }
            guard let id = first.externalID else {
                push.append("new:" + (first.localKey ?? first.id))
                continue
            }
            let stored = try await store.record(syncID: sync.id, externalID: id)
            if stored?.conflictID != nil {
                conflict.append(id)
                continue
            }
            let plan: Plan = try await ProviderPause.catching(.seconds(30)) {
                try await self.plan(group, stored: stored, remote: nil, sync: sync, target: target)
            }
            if plan.outcome.needsPerson { conflict.append(id) } else if plan.nothingToSend { agreed.append(id) } else { push.append(id) }
        }
        return (records: groups.count, push: push, conflict: conflict, agreed: agreed)
    }

    /// Makes the provider hold `merged` (deleting it when `nil`) where it holds `remote`, sending only what differs
    /// (on condition that it still holds `expected`, when given), and stores the outcome.
    private func apply(
        _ merged: JSONObject?, over remote: JSONObject?, expected: JSONObject? = nil, externalID: String, changes: [SyncLocalChange],
        sync: SyncDefinition, target: SyncTarget
    ) async throws -> SyncChangeStore.Settlement {
        let ids = changes.map(\.id)
        func pushed(_ record: SyncChangeStore.PushedRecord, replacing: String? = nil, reason: String? = nil) -> SyncChangeStore.Settlement {
            .init(changeIDs: ids, outcome: .pushed(record, replacing: replacing, reason: reason))
        }
        switch (merged, remote) {
        case (nil, nil):
            return pushed(.deleted(externalID: externalID), reason: "already deleted at the provider")
        case (nil, .some):
            do {
                _ = try await target.connector.delete(target.resource, id: externalID, session: target.session)
            } catch APIError.notFound {}
            return pushed(.deleted(externalID: externalID))
        case (let merged?, nil):
            // Deleted at the provider, edited here, and the edit wins: the record is made again (under a new id).
            let body = JSONValue.object(merged.filter { !target.providerManaged.contains($0.key) })
            let created = try await target.connector.create(
                target.resource, record: body, idempotencyKey: idempotencyKey(ids, body, target: target), session: target.session)
            guard let incoming = target.incoming(created, fallbackTime: Date()) else { throw PushError.noID }
            return pushed(.stored(incoming, localKey: nil), replacing: externalID, reason: "deleted at the provider and created again: the edit won")
        case (let merged?, let remote?):
            let difference = Self.difference(from: remote, to: merged, excluding: target.providerManaged)
            guard !difference.isEmpty else {
                let current = target.incoming(.object(remote), fallbackTime: Date())
                    ?? IncomingRecord(externalID: externalID, raw: .object(remote))
                let reason =
                    changes.last?.operation == .delete
                    ? "not deleted: the provider edited the record meanwhile, and edits win (deletePolicy edit-wins)"
                    : "nothing to send: the provider already held the result"
                return pushed(.stored(current, localKey: nil), reason: reason)
            }
            let body = JSONValue.object(difference)
            let key = idempotencyKey(ids, body, target: target)
            let answer =
                if let expected {
                    try await target.connector.update(
                        target.resource, id: externalID, changes: body, ifUnchangedFrom: .object(expected), idempotencyKey: key,
                        session: target.session)
                } else {
                    try await target.connector.update(target.resource, id: externalID, changes: body, idempotencyKey: key, session: target.session)
                }
            // Providers that answer an update with no record (Salesforce's 204) are read again.
            var result = answer
            if target.resource.externalID(of: answer) == nil {
                result = target.resource.operations.contains(.get)
                    ? try await target.connector.get(target.resource, id: externalID, session: target.session)
                    : .object(remote.merging(difference) { $1 })
            }
            guard let incoming = target.incoming(result, fallbackTime: Date()) else { throw PushError.noID }
            return pushed(.stored(incoming, localKey: nil))
        }
    }

    /// Creates the record of a create change, unless an earlier attempt already did (then it is found, not made again).
    private func create(_ change: SyncLocalChange, sync: SyncDefinition, target: SyncTarget) async throws -> SyncChangeStore.Settlement {
        let keyPath = sync.localKeyField.flatMap(JSONPath.init)
        if change.attempts > 0 {
            if let keyPath, let key = change.localKey,
                let found = try await lookUp(key, at: keyPath, since: change.firstAttemptAt ?? change.createdAt, target: target),
                let incoming = target.incoming(found, fallbackTime: Date())
            {
                return .init(
                    changeIDs: [change.id],
                    outcome: .pushed(
                        .stored(incoming, localKey: change.localKey), replacing: nil, reason: "found at the provider: an earlier attempt had created it"))
            }
            if keyPath == nil, target.connector.descriptor.idempotencyHeader == nil {
                throw PushError.outcomeUnknown
            }
        }
        var body = JSONValue.object(change.fields ?? [:])
        if let keyPath, let key = change.localKey { body = keyPath.setting(.string(key), in: body) }
        let created = try await target.connector.create(
            target.resource, record: body, idempotencyKey: "junction-" + change.id, session: target.session)
        guard let incoming = target.incoming(created, fallbackTime: Date()) else { throw PushError.noID }
        return .init(changeIDs: [change.id], outcome: .pushed(.stored(incoming, localKey: change.localKey), replacing: nil, reason: nil))
    }

    /// The record carrying `key` at `path` among those the provider changed since `since` (a few minutes' margin).
    private func lookUp(_ key: String, at path: JSONPath, since: Date, target: SyncTarget) async throws -> JSONValue? {
        var query = ListQuery(limit: 100)
        if target.resource.cursorField != nil { query.updatedSince = since.addingTimeInterval(-300) }
        for _ in 0..<50 {
            let page = try await target.connector.list(target.resource, query: query, session: target.session)
            if let found = page.records.first(where: { path.value(in: $0)?.scalarText == key }) { return found }
            guard let next = page.nextCursor else { return nil }
            query.cursor = next
        }
        return nil
    }

    /// The provider's record `id` now; `nil` when it was deleted.
    private func read(_ id: String, target: SyncTarget) async throws -> JSONObject? {
        do {
            return try await ProviderPause.catching(.seconds(30)) {
                try await target.connector.get(target.resource, id: id, session: target.session).objectValue
            }
        } catch APIError.notFound {
            return nil
        }
    }

    /// Records a failed push: a provider's refusal fails the changes for good; anything else (the provider or the
    /// network failing) is retried with backoff, and fails after ``Configuration/maximumAttempts``.
    private func settleFailure(_ error: any Error, changes: [SyncLocalChange], externalID: String?, syncID: String) async throws {
        let store = SyncChangeStore(database: database)
        let ids = changes.map(\.id)
        let reason = (error as? any JunctionError)?.detail ?? "\(error)"
        let failures = (changes.map(\.failures).max() ?? 0) + 1
        let startedAt = changes.compactMap(\.firstAttemptAt).min() ?? Date()
        let permanent: Bool
        switch error {
        case let error as APIError:
            switch error {
            case .validation, .client, .conflict, .forbidden, .notFound, .invalidRequest, .hostNotAllowed: permanent = true
            default: permanent = false
            }
        case is PushError, is ConnectorError, is MappingError: permanent = true
        default: permanent = false
        }
        if permanent || failures >= configuration.maximumAttempts {
            try await store.fail(syncID: syncID, changeIDs: ids, externalID: externalID, reason: reason, startedAt: startedAt)
            logger.warning("sync change failed", metadata: ["sync": "\(syncID)", "changes": "\(ids)", "error": "\(reason)"])
        } else {
            let delay = min(
                Double(configuration.failureBackoff.milliseconds) * pow(2, Double(min(failures - 1, 20))),
                Double(configuration.maximumFailureBackoff.milliseconds)) * Double.random(in: 0.5...1)
            try await store.postpone(
                ids, until: Date().addingTimeInterval(delay / 1000), reason: reason, attemptStartedAt: startedAt, countingFailure: true)
        }
    }

    /// The fields to send to turn `remote` into `merged`: those that differ, and `null` for those `merged` dropped.
    /// Nested objects send only their fields that differ (`{"properties": {"email": …}}`).
    static func difference(from remote: JSONObject, to merged: JSONObject, excluding managed: Set<String> = []) -> JSONObject {
        var difference: JSONObject = [:]
        for (field, value) in merged where !managed.contains(field) && remote[field] != value {
            if case .object(let mergedObject) = value, case .object(let remoteObject)? = remote[field] {
                difference[field] = .object(Self.difference(from: remoteObject, to: mergedObject))
            } else {
                difference[field] = value
            }
        }
        for field in remote.keys where merged[field] == nil && !managed.contains(field) { difference[field] = .null }
        return difference
    }

    /// The idempotency key of a push: the same changes sending the same fields, so a retry the provider already
    /// applied is applied once, and a retry that sends something else (the provider changed meanwhile) is new. `nil`
    /// when the provider takes no keys: nothing would send it.
    private func idempotencyKey(_ ids: [String], _ body: JSONValue, target: SyncTarget) -> String? {
        guard target.connector.descriptor.idempotencyHeader != nil else { return nil }
        let text = ids.joined(separator: ",") + "|" + ((try? body.serialized()) ?? "")
        return "junction-" + HMACSignature.hex(of: Array(text.utf8)).prefix(32)
    }
}

/// Why a push could not be made.
enum PushError: Error, JunctionError {
    /// The provider's answer named no record.
    case noID
    /// A create's earlier attempt may have reached the provider, and nothing can tell.
    case outcomeUnknown

    var title: String { "Push failed" }

    var detail: String {
        switch self {
        case .noID: "the provider's answer carried no record id"
        case .outcomeUnknown:
            "an earlier attempt to create this record may have reached the provider before the process stopped, and the sync has "
                + "no localKeyField to look it up by (nor does the provider take idempotency keys): check the provider, and "
                + "if the record is not there, create it again under a new localKey"
        }
    }
}
