import Foundation
import JunctionStore
import Logging
import ServiceLifecycle

/// Starts syncs when they are due and announces their changes, on every node: each tick takes the due syncs (a
/// sync is taken by one node only) and queues their runs in the same transaction, queues the pushes of local changes
/// not yet queued, sends the announcements that are due (changes and conflicts), and lets syncs paused for their connection's authorization run again once it is authorized; about once a
/// minute it renews the watch channels that expire within a day.
public struct SyncScheduler: Service {
    let database: Database
    let queue: JobQueue
    let announcer: SyncAnnouncer
    let subscriptions: RealtimeSubscriptions?
    let interval: Duration
    let renewalInterval: Duration
    let logger: Logger

    /// A scheduler ticking every `interval`, and renewing expiring watch channels through `subscriptions` every
    /// `renewalInterval`.
    public init(
        database: Database, queue: JobQueue, announcer: SyncAnnouncer, subscriptions: RealtimeSubscriptions? = nil,
        interval: Duration = .seconds(1), renewalInterval: Duration = .seconds(60), logger: Logger
    ) {
        self.database = database
        self.queue = queue
        self.announcer = announcer
        self.subscriptions = subscriptions
        self.interval = interval
        self.renewalInterval = renewalInterval
        self.logger = logger
    }

    public func run() async throws {
        var nextRenewal = ContinuousClock.now
        while !Task.isCancelledOrShuttingDown {
            do {
                try await tick()
                if let subscriptions, ContinuousClock.now >= nextRenewal {
                    nextRenewal = ContinuousClock.now + renewalInterval
                    let renewed = try await subscriptions.renewExpiring()
                    if renewed > 0 { logger.info("watch channels renewed", metadata: ["count": "\(renewed)"]) }
                }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("sync scheduler tick failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// One round: queue due runs, send due announcements, resume syncs whose connection is authorized again.
    public func tick(now: Date = Date()) async throws {
        let repository = SyncRepository(database: database)
        let queue = queue
        let queued = try await repository.claimDue(at: now, limit: 100) { ids, sql in
            let outcomes = try await queue.enqueue(ids.map { SyncRunner.job(syncID: $0, trigger: .schedule) }, using: sql)
            return Dictionary(zip(ids, outcomes.map { $0 != .duplicate }), uniquingKeysWith: { $0 || $1 })
        }
        let pushes = try await SyncChangeStore(database: database).claimPushDue(at: now, limit: 100) { ids, sql in
            let outcomes = try await queue.enqueue(ids.map { SyncPusher.job(syncID: $0) }, using: sql)
            return Dictionary(zip(ids, outcomes.map { $0 != .duplicate }), uniquingKeysWith: { $0 || $1 })
        }
        if !queued.isEmpty || !pushes.isEmpty { queue.wakeLocalWorkers() }
        try await announcer.announceDue()
        try await announcer.announceConflicts()
        for id in try await repository.pausedForAuthorization(reason: SyncRunner.awaitingAuthorization) {
            logger.info("sync resumes: its connection is authorized again", metadata: ["sync": "\(id)"])
            _ = try await repository.resume(id: id, nextRunAt: now)
        }
    }
}

extension Task where Success == Never, Failure == Never {
    /// Whether the task was cancelled or its service group is shutting down gracefully.
    static var isCancelledOrShuttingDown: Bool {
        isCancelled || isShuttingDownGracefully
    }
}
