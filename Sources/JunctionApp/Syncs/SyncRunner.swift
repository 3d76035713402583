import Foundation
import JunctionConnectors
import JunctionCore
import JunctionHTTP
import JunctionStore
import JunctionWebhooks
import Logging

/// Runs a sync (the `sync.run` job): reads the provider page by page into the record store, each page committed with
/// the run's place in one transaction, so a run whose process dies goes on from its last committed page.
///
/// One run per sync at a time, on every node: the job is queued under the sync's id (a second enqueue is a no-op
/// while one waits or runs), and a page is committed only by the worker whose job lease holds the run, so a worker
/// whose lease was taken over can no longer write. A rate limit or an open circuit parks the run (`backing_off`) and
/// it goes on from its checkpoint once the provider allows; any other failure ends the run without deleting anything
/// or moving the checkpoint, and the sync backs off exponentially.
public struct SyncRunner: JobHandler {
    /// The job kind runs are queued as.
    public static let jobKind = "sync.run"
    /// The reason a sync paused by its connection's authorization shows; it resumes when the connection is active.
    public static let awaitingAuthorization = "the connection needs to be authorized again; the sync resumes once it is"

    /// How runs read and recover.
    public struct Configuration: Sendable {
        /// How far before the checkpoint an incremental run starts reading again, so records whose change time ties
        /// the checkpoint (or that the provider wrote late) are never skipped; what is read again unchanged is dropped.
        public var overlap: Duration = .seconds(60)
        /// Records asked for per page (the connector caps it at what the provider allows).
        public var pageSize: Int = 100
        /// The delay after a run's first failure; it doubles with each further failure.
        public var failureBackoff: Duration = .seconds(30)
        /// The longest delay between failing runs.
        public var maximumFailureBackoff: Duration = .seconds(6 * 3600)
        /// How long a run parks on a rate limit that did not say when to come back.
        public var rateLimitPause: Duration = .seconds(30)

        /// The defaults: 60 s overlap, pages of 100, failures retried after 30 s doubling up to 6 h.
        public init() {}
    }

    let database: Database
    let runtime: ConnectionRuntime
    let announcer: SyncAnnouncer
    let configuration: Configuration
    let logger: Logger

    /// A runner making provider calls through `runtime` and announcing through `announcer`.
    public init(database: Database, runtime: ConnectionRuntime, announcer: SyncAnnouncer, configuration: Configuration = .init(), logger: Logger) {
        self.database = database
        self.runtime = runtime
        self.announcer = announcer
        self.configuration = configuration
        self.logger = logger
    }

    /// The job that runs `syncID` now.
    public static func job(syncID: String, trigger: SyncRun.Trigger) -> JobRequest {
        JobRequest(
            kind: jobKind, payload: ["syncId": .string(syncID), "trigger": .string(trigger.rawValue)], uniqueKey: syncID, maxAttempts: 100)
    }

    public func handle(_ job: LeasedJob) async throws {
        guard let syncID = job.payload["syncId"]?.stringValue else { throw JobError.permanent(reason: "sync.run job without a syncId") }
        let trigger = job.payload["trigger"]?.stringValue.flatMap(SyncRun.Trigger.init(rawValue:)) ?? .schedule
        let repository = SyncRepository(database: database)
        guard let sync = try await repository.find(id: syncID), !sync.paused else { return }
        guard sync.direction.pulls else {
            // A push sync reads nothing: its scheduled run pushes what is pending (changes waiting out a failure too).
            try await SyncChangeStore(database: database).requestPush(syncID: syncID)
            try await repository.requestRun(id: syncID, at: Date().addingTimeInterval(Double(sync.everySeconds)))
            return
        }
        let run: SyncRun
        if let active = try await repository.activeRun(syncID: syncID) {
            guard try await repository.takeOver(active, holder: job.leaseToken) else { return }
            run = active
        } else {
            // A checkpoint with neither a cursor value nor the provider's sync state comes from a resource that has
            // neither: every run of it reads everything, and so is a full run.
            let checkpoint = sync.checkpoint
            let full = sync.mode == .full || checkpoint == nil || checkpoint?.cursorValue == nil && checkpoint?.providerCheckpoint == nil
            run = SyncRun(
                syncID: syncID, kind: full ? .full : .incremental, trigger: trigger, generation: full ? sync.generation + 1 : sync.generation,
                checkpointBefore: sync.checkpoint)
            try await repository.start(run, holder: job.leaseToken)
        }
        var logger = logger
        logger[metadataKey: "sync"] = "\(syncID)"
        logger[metadataKey: "run"] = "\(run.id)"
        do {
            try await execute(run, of: sync, holder: job.leaseToken, logger: logger)
        } catch SyncRecordStore.WriteError.runNotHeld, SyncRecordStore.WriteError.syncDeleted {
            logger.info("sync run stopped: it was cancelled, taken over, or its sync deleted")
        } catch let pause as ProviderPause {
            guard try await repository.backOff(runID: run.id, syncID: syncID, holder: job.leaseToken, reason: pause.reason) else { return }
            logger.notice("sync run backs off", metadata: ["reason": "\(pause.reason)"])
            throw JobError.postpone(after: pause.delay, reason: pause.reason)
        } catch is CancellationError {
            throw CancellationError()
        } catch ConnectorError.checkpointExpired {
            // The provider forgot the sync state it handed out (Google's 410): start over with a full run.
            logger.notice("the provider's sync checkpoint expired; the sync starts over")
            _ = try await repository.reset(id: syncID, nextRunAt: Date())
        } catch let error as ConnectionCallError where error.needsAuthorization {
            _ = try await repository.pause(id: syncID, reason: Self.awaitingAuthorization)
            try await announcer.runFailed(sync, runID: run.id, error: error.detail)
        } catch {
            let reason = (error as? any JunctionError)?.detail ?? "\(error)"
            let failures = sync.consecutiveFailures + 1
            let retryAt = Date().addingTimeInterval(Double(failureDelay(afterFailures: failures).milliseconds) / 1000)
            guard try await repository.fail(runID: run.id, syncID: syncID, holder: job.leaseToken, error: reason, retryAt: retryAt) else { return }
            logger.warning("sync run failed", metadata: ["error": "\(reason)", "failures": "\(failures)"])
            try await announcer.runFailed(sync, runID: run.id, error: reason)
        }
    }

    /// The delay before the run after `failures` failures in a row: doubling from the base, capped, then between
    /// half and all of that at random, so failing syncs do not retry in step.
    func failureDelay(afterFailures failures: Int) -> Duration {
        let doubled = Double(configuration.failureBackoff.milliseconds) * pow(2, Double(min(max(failures - 1, 0), 30)))
        let ceiling = min(doubled, Double(configuration.maximumFailureBackoff.milliseconds))
        return .milliseconds(Int64(ceiling * Double.random(in: 0.5...1)))
    }

    private func execute(_ run: SyncRun, of sync: SyncDefinition, holder: String, logger: Logger) async throws {
        let target = try await SyncTarget.open(sync, runtime: runtime)
        let store = SyncRecordStore(database: database)
        var query = ListQuery(cursor: run.pageCursor, limit: configuration.pageSize)
        if run.kind == .incremental, let checkpoint = run.checkpointBefore {
            // The provider's own sync state (Google's sync token) is exact and replaces the time with its overlap.
            if let providerCheckpoint = checkpoint.providerCheckpoint {
                query.checkpoint = providerCheckpoint
            } else if let value = checkpoint.cursorValue, let since = ProviderTime.parse(value) {
                query.updatedSince = since.addingTimeInterval(-Double(configuration.overlap.milliseconds) / 1000)
            }
        }
        var highest = run.highestCursorValue.flatMap(ProviderTime.parse)
        // One page is read ahead while the one before is committed: the provider's latency and the store's writes
        // overlap, and at most two pages are held at once.
        var fetched = try await fetch(query, target: target)
        while true {
            try Task.checkCancellation()
            let (page, fetchedAt) = fetched
            let changes = page.records.compactMap { changeFromListing($0, target: target, fetchedAt: fetchedAt) }
            for record in page.records {
                if let time = target.resource.cursorTime(of: record), time > highest ?? .distantPast { highest = time }
            }
            let highestText = highest.map { $0.formatted(Self.checkpointFormat) }
            guard let next = page.nextCursor else {
                // The last page is committed with the run's completion, so the two happen together or not at all.
                let (deletions, coveredUntil) = try await ProviderPause.catching(configuration.rateLimitPause) {
                    try await self.deletions(since: run.checkpointBefore?.changesSince, kind: run.kind, target: target)
                }
                // A cursor that is a creation time finds no changed records, so such a resource keeps no cursor value
                // and every run of it reads everything (a full run). Deletions are read next from where the change
                // source's answer was complete, not from where this run started, when it stopped short.
                let checkpoint = SyncCheckpoint(
                    cursorValue: target.resource.cursorIsCreationTime ? nil : highestText ?? run.checkpointBefore?.cursorValue,
                    changesSince: coveredUntil.map { min($0, run.startedAt) } ?? run.checkpointBefore?.changesSince ?? run.startedAt,
                    providerCheckpoint: page.checkpoint ?? run.checkpointBefore?.providerCheckpoint)
                let completion = try await store.complete(
                    runID: run.id, syncID: sync.id, holder: holder, lastPage: changes, deletions: deletions,
                    sweepGeneration: run.kind == .full ? run.generation : nil, checkpoint: checkpoint, nextRunAt: nextRunAt(sync))
                logger.info("sync run completed", metadata: ["pages": "\(run.pages + 1)"])
                if completion.previousFailures > 0 { try await announcer.runRecovered(sync, runID: run.id, failures: completion.previousFailures) }
                return
            }
            query.cursor = next
            let nextQuery = query
            async let ahead = fetch(nextQuery, target: target)
            _ = try await store.commitPage(
                changes, runID: run.id, syncID: sync.id, holder: holder, nextCursor: next, highestCursorValue: highestText,
                marksSeen: run.kind == .full)
            fetched = try await ahead
        }
    }

    /// What a run of `sync` would pull now, read but not stored: at most `maximumPages` pages from the checkpoint
    /// (everything, for a full run), each record compared with what is stored.
    func dryRun(_ sync: SyncDefinition, maximumPages: Int = 50) async throws -> (counts: SyncRun.Counts, pages: Int, complete: Bool) {
        guard sync.direction.pulls else { return (SyncRun.Counts(), 0, true) }
        let target = try await SyncTarget.open(sync, runtime: runtime)
        let store = SyncRecordStore(database: database)
        var query = ListQuery(limit: configuration.pageSize)
        let checkpoint = sync.checkpoint
        if sync.mode == .incremental, let checkpoint {
            if let providerCheckpoint = checkpoint.providerCheckpoint {
                query.checkpoint = providerCheckpoint
            } else if let value = checkpoint.cursorValue, let since = ProviderTime.parse(value) {
                query.updatedSince = since.addingTimeInterval(-Double(configuration.overlap.milliseconds) / 1000)
            }
        }
        var counts = SyncRun.Counts()
        for page in 1...maximumPages {
            let (listed, fetchedAt) = try await fetch(query, target: target)
            let changes = listed.records.compactMap { changeFromListing($0, target: target, fetchedAt: fetchedAt) }
            let stored = try await store.hashes(syncID: sync.id, ids: changes.map(\.externalID))
            for change in changes {
                let existing = stored[change.externalID]
                switch change {
                case .upsert(let record):
                    if let existing, !existing.deleted {
                        if existing.hash == record.raw.contentHash { counts.unchanged += 1 } else { counts.updated += 1 }
                    } else {
                        counts.added += 1
                    }
                case .delete:
                    if let existing, !existing.deleted { counts.deleted += 1 }
                }
            }
            guard let next = listed.nextCursor else { return (counts, page, true) }
            query.cursor = next
        }
        return (counts, maximumPages, false)
    }

    /// One page of the target's resource, and when it was asked for; a rate limit or open circuit is a ``ProviderPause``.
    private func fetch(_ query: ListQuery, target: SyncTarget) async throws -> (RecordPage, Date) {
        let fetchedAt = Date()
        let page = try await ProviderPause.catching(configuration.rateLimitPause) {
            try await target.connector.list(target.resource, query: query, session: target.session)
        }
        return (page, fetchedAt)
    }

    /// A listed record as a change: an upsert, or a deletion where the provider lists deleted records with a flag.
    /// Its time is the provider's modification time, else when the page was asked for (the record was as listed then):
    /// a webhook about a later change is never overwritten by a page read before it.
    private func changeFromListing(_ record: JSONValue, target: SyncTarget, fetchedAt: Date) -> SyncRecordChange? {
        guard let incoming = target.incoming(record, fallbackTime: fetchedAt) else { return nil }
        if case .flag(let field, let value) = target.resource.deleteSource,
            let flag = JSONPath(field)?.value(in: record), (flag.scalarText ?? "") == value
        {
            return .delete(externalID: incoming.externalID, at: incoming.remoteModifiedAt)
        }
        return .upsert(incoming)
    }

    /// Deletions a list cannot show, for an incremental run: from the connector's change source (Stripe `*.deleted`
    /// events, Salesforce `getDeleted`, HubSpot's archived records), read again with the overlap, and up to when the
    /// source's answer is complete (`nil` when it stopped short). None for a full run, whose completion deletes what
    /// it did not see.
    private func deletions(since: Date?, kind: SyncRun.Kind, target: SyncTarget) async throws -> ([SyncRecordChange], Date?) {
        let now = Date()
        guard kind == .incremental, let since, target.resource.deleteSource != .none else { return ([], now) }
        let from = since.addingTimeInterval(-Double(configuration.overlap.milliseconds) / 1000)
        do {
            let changes = try await target.connector.changes(target.resource, since: from, until: now, session: target.session)
            return (changes.deleted.map { .delete(externalID: $0.id, at: $0.deletedAt) }, changes.coveredUntil)
        } catch ConnectorError.unsupportedOperation {
            return ([], now)
        }
    }

    /// When the sync's next scheduled run is due: its interval from now, give or take a tenth (at most a minute), so
    /// syncs created together drift apart.
    private func nextRunAt(_ sync: SyncDefinition) -> Date {
        let every = Double(sync.everySeconds)
        let spread = min(every / 10, 60)
        return Date().addingTimeInterval(every + Double.random(in: -spread...spread))
    }

    /// Checkpoint times: RFC 3339 with milliseconds, in UTC.
    static let checkpointFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}

/// A provider that asked to be left alone for a while: a rate limit (429) or an open circuit breaker. A run that
/// meets one parks and goes on later; it never fails for it.
public struct ProviderPause: Error, Sendable {
    /// How long to leave the provider alone.
    public let delay: Duration
    /// What the provider said, for logs and for the changes it postponed.
    public let reason: String

    /// Runs `body`, turning a rate limit or an open circuit into a pause (`fallback` when the provider named no delay).
    static func catching<Value>(_ fallback: Duration, _ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch let error as APIError {
            switch error {
            case .rateLimited(let retryAfter, _):
                throw ProviderPause(delay: max(retryAfter ?? fallback, .seconds(1)), reason: "the provider's rate limit: \(error.detail)")
            case .circuitOpen(_, let retryAfter):
                throw ProviderPause(delay: max(retryAfter, .seconds(1)), reason: "the provider is failing (circuit open): \(error.detail)")
            default:
                throw error
            }
        }
    }
}
