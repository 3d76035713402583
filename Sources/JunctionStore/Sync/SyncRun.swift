import Foundation
import JunctionCore

/// One run of a sync: what it read, what it changed, and where it stands.
public struct SyncRun: Sendable, Equatable {
    /// How the run reads.
    public enum Kind: String, Sendable {
        /// From the checkpoint on, with deletions from the connector's change source.
        case incremental
        /// Everything; unseen records are deleted when it completes.
        case full
    }

    /// Where a run stands.
    public enum Status: String, Sendable {
        /// Reading pages.
        case running
        /// Waiting out a rate limit or an open circuit; it goes on from its last committed page.
        case backingOff = "backing_off"
        /// Completed: every page read, deletions applied, the checkpoint moved.
        case succeeded
        /// Stopped by an error; its committed pages stay, nothing was deleted and the checkpoint did not move.
        case failed
        /// Replaced by a reset, or its sync was paused or deleted while it waited.
        case cancelled
    }

    /// Why a run started.
    public enum Trigger: String, Sendable {
        /// Its schedule came due.
        case schedule
        /// Someone asked for it (`POST /api/v1/syncs/{id}/run`).
        case manual
        /// The sync was reset and starts over.
        case reset
        /// A provider notification without a record (a Google watch channel) asked for one.
        case notification
    }

    /// Counts of what a run did to the store.
    public struct Counts: Sendable, Equatable {
        /// Records new to the store (or back after a deletion).
        public var added: Int64 = 0
        /// Records whose content changed.
        public var updated: Int64 = 0
        /// Records marked deleted.
        public var deleted: Int64 = 0
        /// Records read again with the same content (not changes).
        public var unchanged: Int64 = 0

        /// No counts.
        public init() {}

        /// Whether anything in the store changed.
        public var hasChanges: Bool { added + updated + deleted > 0 }

        /// Both counts added up.
        public static func + (left: Counts, right: Counts) -> Counts {
            var sum = left
            sum.added += right.added
            sum.updated += right.updated
            sum.deleted += right.deleted
            sum.unchanged += right.unchanged
            return sum
        }
    }

    /// `run_…`, time-ordered.
    public var id: String
    /// Its sync.
    public var syncID: String
    /// How it reads.
    public var kind: Kind
    /// Why it started.
    public var trigger: Trigger
    /// Where it stands.
    public var status: Status
    /// The generation a full run marks records with.
    public var generation: Int64
    /// Where the next page starts (the connector's cursor); `nil` before the first page.
    public var pageCursor: String?
    /// Pages committed.
    public var pages: Int64
    /// What it did to the store.
    public var counts: Counts
    /// The highest cursor-field value among the records read.
    public var highestCursorValue: String?
    /// Why it failed or waits.
    public var error: String?
    /// The sync's checkpoint when the run started.
    public var checkpointBefore: SyncCheckpoint?
    /// The checkpoint the run left, once it completed.
    public var checkpointAfter: SyncCheckpoint?
    /// When it started.
    public var startedAt: Date
    /// When it completed, failed or was cancelled.
    public var finishedAt: Date?

    /// The prefix of run ids.
    public static let idPrefix = "run"

    /// A run starting now.
    public init(
        id: String = ResourceID.make(prefix: SyncRun.idPrefix), syncID: String, kind: Kind, trigger: Trigger, generation: Int64,
        checkpointBefore: SyncCheckpoint?, startedAt: Date = Date()
    ) {
        self.id = id
        self.syncID = syncID
        self.kind = kind
        self.trigger = trigger
        self.status = .running
        self.generation = generation
        self.pageCursor = nil
        self.pages = 0
        self.counts = Counts()
        self.highestCursorValue = nil
        self.error = nil
        self.checkpointBefore = checkpointBefore
        self.checkpointAfter = nil
        self.startedAt = startedAt
        self.finishedAt = nil
    }
}
