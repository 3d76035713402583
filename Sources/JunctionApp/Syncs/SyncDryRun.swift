import JunctionStore

/// What a run of a sync would do now, computed without changing anything: what it would pull, and what pushing its
/// pending local changes would send, flag as conflict, or find already agreed.
public struct SyncDryRun: Sendable, Equatable {
    /// Records a pull would add, update and delete, and leave unchanged.
    public var pull: SyncRun.Counts
    /// Pages a pull would read (of at most 50 read).
    public var pages: Int
    /// Whether the listing ended within the pages read.
    public var complete: Bool
    /// Records with pending changes.
    public var pendingRecords: Int
    /// Records whose changes would be sent (`new:<key>` for creates).
    public var wouldPush: [String]
    /// Records that would open (or are in) a conflict.
    public var wouldConflict: [String]
    /// Records the provider already agrees on.
    public var nothingToSend: [String]

    /// Computes the dry run of `syncID` with `runner` and `pusher`.
    public static func compute(syncID: String, database: Database, runner: SyncRunner, pusher: SyncPusher) async throws -> SyncDryRun {
        let sync = try await SyncChangeService.sync(syncID, database: database)
        let pulled = try await runner.dryRun(sync)
        let pushed = sync.direction.acceptsLocalChanges ? try await pusher.dryRun(sync) : (records: 0, push: [], conflict: [], agreed: [])
        return SyncDryRun(
            pull: pulled.counts, pages: pulled.pages, complete: pulled.complete, pendingRecords: pushed.records, wouldPush: pushed.push,
            wouldConflict: pushed.conflict, nothingToSend: pushed.agreed)
    }
}
