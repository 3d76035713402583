import Foundation
import JunctionCore

/// A sync: one resource of one connection kept current in the record store, on a schedule and, where the provider
/// sends webhooks, in real time.
public struct SyncDefinition: Sendable, Equatable {
    /// How a scheduled run reads the provider.
    public enum Mode: String, Sendable, CaseIterable {
        /// From the last checkpoint on (the first run, and the first after a reset, read everything).
        case incremental
        /// Everything, every run; records a completed run did not see are marked deleted.
        case full
    }

    /// Which way records travel.
    public enum Direction: String, Sendable, CaseIterable {
        /// From the provider to the store (the application reads the feed).
        case pull
        /// From the application to the provider; runs do not read the provider.
        case push
        /// Both: the provider's changes are pulled and the application's pushed, conflicts settled by the policy.
        case bidirectional

        /// Whether the application may change records through the sync.
        public var acceptsLocalChanges: Bool { self != .pull }
        /// Whether runs read the provider.
        public var pulls: Bool { self != .push }
    }

    /// What a sync is doing, as operators see it.
    public enum Status: String, Sendable, CaseIterable {
        /// Waiting for its next run.
        case idle
        /// A run is in progress.
        case running
        /// Paused by a person, or until its connection is authorized again (``statusReason`` says which).
        case paused
        /// Its last runs failed; the next one is scheduled with exponential backoff.
        case failing
        /// A run waits out a rate limit or an open circuit, and resumes from its checkpoint.
        case backingOff = "backing_off"
    }

    /// `sync_…`, time-ordered.
    public var id: String
    /// The connection whose provider is read.
    public var connectionID: String
    /// The connector resource kept (`customers`).
    public var resource: String
    /// How scheduled runs read.
    public var mode: Mode
    /// Which way records travel.
    public var direction: Direction = .pull
    /// How changes made on both sides are settled (two-way syncs).
    public var mergePolicy = MergePolicy()
    /// The provider field (a path, `metadata.junction_key`) a created record carries the application's key in, so a
    /// create whose outcome a crash hid is found again instead of made twice; `nil` when the provider has none.
    public var localKeyField: String?
    /// Seconds between the end of a run and the start of the next.
    public var everySeconds: Int64
    /// Whether verified webhooks about the resource update the store between runs.
    public var realtime: Bool
    /// What it is doing.
    public var status: Status
    /// Why, when it needs attention (never a secret).
    public var statusReason: String?
    /// Whether runs are held (by a person or by the connection's authorization).
    public var paused: Bool
    /// Where the next incremental run starts; `nil` before the first completed run and after a reset.
    public var checkpoint: SyncCheckpoint?
    /// The last change version handed out.
    public var changeSequence: Int64
    /// The version the last `sync.records.changed` message covered.
    public var notifiedSequence: Int64
    /// How many full runs have started.
    public var generation: Int64
    /// Records held, deleted ones not counted.
    public var recordCount: Int64
    /// Runs failed since the last success.
    public var consecutiveFailures: Int
    /// The latest run.
    public var lastRunID: String?
    /// When the latest run finished.
    public var lastRunAt: Date?
    /// When the next scheduled run is due; `nil` while one is queued or running, or while paused.
    public var nextRunAt: Date?
    /// The provider-side webhook subscription made for a real-time sync (its kind and id), to remove with it.
    public var subscription: JSONValue?
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// The prefix of sync ids.
    public static let idPrefix = "sync"

    /// A new sync, due to run at `firstRunAt`.
    public init(
        id: String = ResourceID.make(prefix: SyncDefinition.idPrefix), connectionID: String, resource: String, mode: Mode,
        everySeconds: Int64, realtime: Bool, firstRunAt: Date, now: Date = Date()
    ) {
        self.id = id
        self.connectionID = connectionID
        self.resource = resource
        self.mode = mode
        self.everySeconds = everySeconds
        self.realtime = realtime
        self.status = .idle
        self.statusReason = nil
        self.paused = false
        self.checkpoint = nil
        self.changeSequence = 0
        self.notifiedSequence = 0
        self.generation = 0
        self.recordCount = 0
        self.consecutiveFailures = 0
        self.lastRunID = nil
        self.lastRunAt = nil
        self.nextRunAt = firstRunAt
        self.subscription = nil
        self.createdAt = now
        self.updatedAt = now
    }
}

/// Where an incremental run starts reading: the highest change time seen (read again with an overlap, so records that
/// share it are never skipped) and the provider's own sync state where it has one (Google's `syncToken`).
public struct SyncCheckpoint: Sendable, Equatable {
    /// The highest value of the resource's cursor field among the records read, as the provider wrote it.
    public var cursorValue: String?
    /// When the last completed run started, for deletions learned from a change source.
    public var changesSince: Date?
    /// The provider's sync state from the last page.
    public var providerCheckpoint: String?

    /// A checkpoint.
    public init(cursorValue: String?, changesSince: Date?, providerCheckpoint: String?) {
        self.cursorValue = cursorValue
        self.changesSince = changesSince
        self.providerCheckpoint = providerCheckpoint
    }

    /// The checkpoint as stored and as the API shows it.
    public var json: JSONValue {
        var members: [String: JSONValue] = [:]
        if let cursorValue { members["cursorValue"] = .string(cursorValue) }
        if let changesSince { members["changesSince"] = .integer(exactly: changesSince.epochMilliseconds) }
        if let providerCheckpoint { members["providerCheckpoint"] = .string(providerCheckpoint) }
        return .object(members)
    }

    /// A checkpoint from its stored form; `nil` for anything else.
    public init?(json: JSONValue?) {
        guard let members = json?.objectValue else { return nil }
        cursorValue = members["cursorValue"]?.stringValue
        changesSince = members["changesSince"]?.doubleValue.map { Date(epochMilliseconds: Int64($0)) }
        providerCheckpoint = members["providerCheckpoint"]?.stringValue
    }
}
