import Foundation
import JunctionCore
import SQLKit

/// Reads and writes syncs and their runs. Records and the change feed are ``SyncRecordStore``'s.
public struct SyncRepository: Sendable {
    let database: Database

    /// A repository over `database`.
    public init(database: Database) {
        self.database = database
    }

    // MARK: Syncs

    /// Stores a new sync.
    public func insert(_ sync: SyncDefinition) async throws {
        try await database.withSQL { sql in
            try await sql.raw(
                """
                INSERT INTO syncs (id, connection_id, resource, mode, every_seconds, realtime, status, status_reason, paused, \
                checkpoint, change_sequence, notified_sequence, generation, record_count, consecutive_failures, last_run_id, \
                last_run_at, next_run_at, subscription, created_at, updated_at, direction, merge_policy, local_key_field)
                VALUES (\(bind: sync.id), \(bind: sync.connectionID), \(bind: sync.resource), \(bind: sync.mode.rawValue), \
                \(bind: sync.everySeconds), \(bind: sync.realtime ? 1 : 0), \(bind: sync.status.rawValue), \(bind: sync.statusReason), \
                \(bind: sync.paused ? 1 : 0), \(bind: try sync.checkpoint.map { try $0.json.serialized() }), \
                \(bind: sync.changeSequence), \(bind: sync.notifiedSequence), \(bind: sync.generation), \(bind: sync.recordCount), \
                \(bind: sync.consecutiveFailures), \(bind: sync.lastRunID), \(bind: sync.lastRunAt?.epochMilliseconds), \
                \(bind: sync.nextRunAt?.epochMilliseconds), \(bind: try sync.subscription.map { try $0.serialized() }), \
                \(bind: sync.createdAt.epochMilliseconds), \(bind: sync.updatedAt.epochMilliseconds), \(bind: sync.direction.rawValue), \
                \(bind: try sync.mergePolicy.json.serialized()), \(bind: sync.localKeyField))
                """
            ).run()
        }
    }

    /// The sync with `id`, if it exists.
    public func find(id: String) async throws -> SyncDefinition? {
        let row = try await database.withSQL { sql in
            try await sql.raw("SELECT * FROM syncs WHERE id = \(bind: id)").first()
        }
        return try row.map(Self.sync(from:))
    }

    /// What a list of syncs is narrowed to; `nil` fields do not narrow it.
    public struct Filter: Sendable, Equatable {
        /// Only this connection's syncs.
        public var connectionID: String?
        /// Only syncs of this resource.
        public var resource: String?
        /// Only syncs in this status.
        public var status: SyncDefinition.Status?

        /// A filter.
        public init(connectionID: String? = nil, resource: String? = nil, status: SyncDefinition.Status? = nil) {
            self.connectionID = connectionID
            self.resource = resource
            self.status = status
        }
    }

    /// A page of syncs in id (creation) order after `cursor`.
    public func list(_ filter: Filter, after cursor: String?, limit: Int) async throws -> [SyncDefinition] {
        let query = PageQuery.sql(
            from: "syncs", after: cursor,
            filters: [("connection_id", filter.connectionID), ("resource", filter.resource), ("status", filter.status?.rawValue)], limit: limit)
        let rows = try await database.withSQL { sql in try await sql.raw(query).all() }
        return try rows.map(Self.sync(from:))
    }

    /// The syncs of `connectionID` for `resource` that take webhooks (real-time), paused ones left out.
    public func realtime(connectionID: String, resource: String) async throws -> [SyncDefinition] {
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                """
                SELECT * FROM syncs WHERE connection_id = \(bind: connectionID) AND resource = \(bind: resource) \
                AND realtime = 1 AND paused = 0 ORDER BY id
                """
            ).all()
        }
        return try rows.map(Self.sync(from:))
    }

    /// The syncs with a provider-side subscription, for renewal.
    public func subscribed() async throws -> [SyncDefinition] {
        let rows = try await database.withSQL { sql in
            try await sql.raw("SELECT * FROM syncs WHERE subscription IS NOT NULL AND realtime = 1 ORDER BY id").all()
        }
        return try rows.map(Self.sync(from:))
    }

    /// Makes the sync's next run due now (a provider notification said something changed); a run in progress is
    /// followed by another as soon as it ends. Paused syncs are left alone.
    public func requestRun(id: String, at now: Date = Date()) async throws {
        try await database.withSQL { sql in
            try await sql.raw(
                "UPDATE syncs SET next_run_at = \(bind: now.epochMilliseconds) WHERE id = \(bind: id) AND paused = 0"
            ).run()
        }
    }

    /// Saves what a person may change (mode, schedule, real-time, and the subscription that goes with real-time);
    /// `false` when the sync no longer exists. The next run's time is left to the runs and the scheduler, except that
    /// a shorter schedule brings it forward (`nextRunAt`, applied only when it is sooner).
    public func updateSettings(_ sync: SyncDefinition, nextRunAt: Date? = nil) async throws -> Bool {
        try await database.withSQL { sql in
            let sooner = nextRunAt?.epochMilliseconds
            return try await !sql.raw(
                """
                UPDATE syncs SET mode = \(bind: sync.mode.rawValue), every_seconds = \(bind: sync.everySeconds), \
                realtime = \(bind: sync.realtime ? 1 : 0), direction = \(bind: sync.direction.rawValue), \
                merge_policy = \(bind: try sync.mergePolicy.json.serialized()), local_key_field = \(bind: sync.localKeyField), subscription = \(bind: try sync.subscription.map { try $0.serialized() }), \
                next_run_at = CASE WHEN \(bind: sooner) IS NOT NULL AND next_run_at IS NOT NULL AND next_run_at > \(bind: sooner) \
                THEN \(bind: sooner) ELSE next_run_at END, updated_at = \(bind: sync.updatedAt.epochMilliseconds) \
                WHERE id = \(bind: sync.id) RETURNING id
                """
            ).all().isEmpty
        }
    }

    /// Replaces the sync's provider-side subscription record (a renewed watch channel), and nothing else.
    public func setSubscription(id: String, _ subscription: JSONValue?, at now: Date = Date()) async throws {
        try await database.withSQL { sql in
            try await sql.raw(
                """
                UPDATE syncs SET subscription = \(bind: try subscription.map { try $0.serialized() }), \
                updated_at = \(bind: now.epochMilliseconds) WHERE id = \(bind: id)
                """
            ).run()
        }
    }

    /// Deletes the sync with its runs, records, local changes and conflicts; `false` when it did not exist.
    public func delete(id: String) async throws -> Bool {
        try await database.transaction { sql in
            // Runs, then the sync, then its records: the order a run's page takes them in.
            try await sql.raw("DELETE FROM sync_runs WHERE sync_id = \(bind: id)").run()
            let deleted = try await !sql.raw("DELETE FROM syncs WHERE id = \(bind: id) RETURNING id").all().isEmpty
            try await Self.deleteRecords(of: [id], using: sql)
            return deleted
        }
    }

    /// Deletes what the syncs `ids` hold: records, local changes, conflicts, push rounds.
    private static func deleteRecords(of ids: [String], using sql: any SQLDatabase) async throws {
        for table in ["sync_records", "sync_changes", "sync_conflicts", "sync_push_rounds"] {
            try await sql.raw("DELETE FROM \(unsafeRaw: table) WHERE sync_id IN (\(binds: ids))").run()
        }
    }

    /// Deletes every sync of the connection with their runs, records, changes and conflicts, in the transaction `sql` stands for.
    static func deleteSyncs(ofConnection connectionID: String, using sql: any SQLDatabase) async throws {
        // Runs, then the syncs, then their records: the order a run's page takes them in.
        try await sql.raw("DELETE FROM sync_runs WHERE sync_id IN (SELECT id FROM syncs WHERE connection_id = \(bind: connectionID))").run()
        let ids = try await sql.raw("DELETE FROM syncs WHERE connection_id = \(bind: connectionID) RETURNING id").all()
            .map { try $0.decode(column: "id", as: String.self) }
        if !ids.isEmpty { try await deleteRecords(of: ids, using: sql) }
    }

    /// Holds the sync's runs (`paused`) with a reason, cancelling the run in progress (its committed pages stay; it
    /// deletes nothing and does not move the checkpoint); `false` when the sync does not exist.
    public func pause(id: String, reason: String, at now: Date = Date()) async throws -> Bool {
        try await database.transaction { sql in
            // The run first, then the sync: the order a run's own writes take them in, so the two cannot deadlock.
            try await Self.cancelActiveRuns(syncID: id, reason: "the sync was paused", at: now, using: sql)
            let rows = try await sql.raw(
                """
                UPDATE syncs SET paused = 1, status = \(bind: SyncDefinition.Status.paused.rawValue), \
                status_reason = \(bind: reason), next_run_at = NULL, updated_at = \(bind: now.epochMilliseconds) \
                WHERE id = \(bind: id) RETURNING id
                """
            ).all()
            return !rows.isEmpty
        }
    }

    /// Lets a paused sync run again, due at `nextRunAt`; `false` when it does not exist.
    public func resume(id: String, nextRunAt: Date, at now: Date = Date()) async throws -> Bool {
        try await database.withSQL { sql in
            try await !sql.raw(
                """
                UPDATE syncs SET paused = 0, status = CASE WHEN consecutive_failures > 0 THEN \
                \(bind: SyncDefinition.Status.failing.rawValue) ELSE \(bind: SyncDefinition.Status.idle.rawValue) END, \
                status_reason = CASE WHEN consecutive_failures > 0 THEN status_reason ELSE NULL END, \
                next_run_at = \(bind: nextRunAt.epochMilliseconds), updated_at = \(bind: now.epochMilliseconds) \
                WHERE id = \(bind: id) RETURNING id
                """
            ).all().isEmpty
        }
    }

    /// Forgets the sync's checkpoint, so its next run reads everything (as a full run: records it does not see are
    /// deleted when it completes), and cancels a run in progress; records stay until then. `false` when it does not
    /// exist.
    public func reset(id: String, nextRunAt: Date, at now: Date = Date()) async throws -> Bool {
        try await database.transaction { sql in
            try await Self.cancelActiveRuns(syncID: id, reason: "the sync was reset", at: now, using: sql)
            let rows = try await sql.raw(
                """
                UPDATE syncs SET checkpoint = NULL, next_run_at = CASE WHEN paused = 1 THEN NULL ELSE \
                \(bind: nextRunAt.epochMilliseconds) END, status = CASE WHEN paused = 1 THEN status ELSE \
                \(bind: SyncDefinition.Status.idle.rawValue) END, updated_at = \(bind: now.epochMilliseconds) \
                WHERE id = \(bind: id) RETURNING id
                """
            ).all()
            return !rows.isEmpty
        }
    }

    /// Takes the syncs whose next run is due (at most `limit`), clearing their due time so no other node takes them
    /// too, and hands their ids to `enqueue` in the same transaction. Those whose job `enqueue` could not add (one
    /// still runs, about to end) stay due, a few seconds later: a run asked for while another ends is never lost.
    public func claimDue(
        at now: Date = Date(), limit: Int, enqueue: @Sendable ([String], any SQLDatabase) async throws -> [String: Bool]
    ) async throws -> [String] {
        try await Self.claim(dueColumn: "next_run_at", unlessPaused: true, retryAfter: 5, at: now, limit: limit, database: database, enqueue: enqueue)
    }

    /// Takes the syncs whose `dueColumn` time has come (at most `limit`; with `unlessPaused`, not paused ones), clears
    /// it so no other node takes them too, and hands their ids to `enqueue` in the same transaction; those whose job
    /// could not be added stay due `retryAfter` seconds later. Runs and pushes are claimed alike.
    static func claim(
        dueColumn: String, unlessPaused: Bool, retryAfter: TimeInterval, at now: Date, limit: Int, database: Database,
        enqueue: @Sendable ([String], any SQLDatabase) async throws -> [String: Bool]
    ) async throws -> [String] {
        try await database.transaction { sql in
            let due = now.epochMilliseconds
            let paused = unlessPaused ? " AND paused = 0" : ""
            // The outer condition is checked again against the row as it is once locked (PostgreSQL), so of two
            // nodes claiming at once only one gets each sync.
            let rows = try await sql.raw(
                """
                UPDATE syncs SET \(unsafeRaw: dueColumn) = NULL WHERE \(unsafeRaw: dueColumn) IS NOT NULL \
                AND \(unsafeRaw: dueColumn) <= \(bind: due)\(unsafeRaw: paused) AND id IN (SELECT id FROM syncs \
                WHERE \(unsafeRaw: dueColumn) IS NOT NULL AND \(unsafeRaw: dueColumn) <= \(bind: due)\(unsafeRaw: paused) \
                ORDER BY \(unsafeRaw: dueColumn) LIMIT \(bind: limit)) RETURNING id
                """
            ).all()
            let ids = try rows.map { try $0.decode(column: "id", as: String.self) }
            guard !ids.isEmpty else { return [] }
            let queued = try await enqueue(ids, sql)
            let waiting = ids.filter { queued[$0] != true }
            if !waiting.isEmpty {
                let later = now.addingTimeInterval(retryAfter).epochMilliseconds
                try await sql.raw("UPDATE syncs SET \(unsafeRaw: dueColumn) = \(bind: later) WHERE id IN (\(binds: waiting))").run()
            }
            return ids.filter { queued[$0] == true }
        }
    }

    /// Locks the sync's row until the transaction `sql` stands for ends (PostgreSQL; SQLite has one writer anyway).
    public func lock(id: String, using sql: any SQLDatabase) async throws {
        try await sql.raw("UPDATE syncs SET updated_at = updated_at WHERE id = \(bind: id)").run()
    }

    /// Clears the due time of a sync whose run is being queued now (run now, reset), so the scheduler does not queue
    /// it again meanwhile.
    public func markQueued(id: String, using sql: any SQLDatabase) async throws {
        try await sql.raw("UPDATE syncs SET next_run_at = NULL WHERE id = \(bind: id)").run()
    }

    /// The syncs whose connection's health disagrees with them: running while it is `down` or `needs_reauth`
    /// (`pause`), or paused for `reason` while it is not (`resume`). Two queries, whatever the number of connections.
    public func healthMismatches(pausedFor reason: String) async throws -> (pause: [(sync: String, state: String)], resume: [String]) {
        try await database.withSQL { sql in
            let pause = try await sql.raw(
                """
                SELECT syncs.id AS id, connection_health.state AS state FROM syncs \
                JOIN connection_health ON connection_health.connection_id = syncs.connection_id \
                WHERE syncs.paused = 0 AND connection_health.state IN ('down', 'needs_reauth')
                """
            ).all().map { (try $0.decode(column: "id", as: String.self), try $0.decode(column: "state", as: String.self)) }
            let resume = try await sql.raw(
                """
                SELECT syncs.id AS id FROM syncs JOIN connection_health ON connection_health.connection_id = syncs.connection_id \
                WHERE syncs.paused = 1 AND syncs.status_reason = \(bind: reason) AND connection_health.state NOT IN ('down', 'needs_reauth')
                """
            ).all().map { try $0.decode(column: "id", as: String.self) }
            return (pause, resume)
        }
    }

    /// The syncs of `connectionID` that are not paused.
    public func running(connectionID: String) async throws -> [String] {
        try await database.withSQL { sql in
            try await sql.raw("SELECT id FROM syncs WHERE connection_id = \(bind: connectionID) AND paused = 0").all()
        }.map { try $0.decode(column: "id", as: String.self) }
    }

    /// The syncs of `connectionID` paused for `reason`.
    public func paused(connectionID: String, reason: String) async throws -> [String] {
        try await database.withSQL { sql in
            try await sql.raw(
                "SELECT id FROM syncs WHERE connection_id = \(bind: connectionID) AND paused = 1 AND status_reason = \(bind: reason)"
            ).all()
        }.map { try $0.decode(column: "id", as: String.self) }
    }

    /// The syncs paused until their connection is authorized again whose connection is `active` now.
    public func pausedForAuthorization(reason: String) async throws -> [String] {
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                """
                SELECT syncs.id AS id FROM syncs JOIN connections ON connections.id = syncs.connection_id \
                WHERE syncs.paused = 1 AND syncs.status_reason = \(bind: reason) AND connections.status = 'active'
                """
            ).all()
        }
        return try rows.map { try $0.decode(column: "id", as: String.self) }
    }

    // MARK: Runs

    /// The run in progress or waiting to go on, if the sync has one.
    public func activeRun(syncID: String) async throws -> SyncRun? {
        let row = try await database.withSQL { sql in
            try await sql.raw(
                """
                SELECT * FROM sync_runs WHERE sync_id = \(bind: syncID) AND status IN \
                (\(bind: SyncRun.Status.running.rawValue), \(bind: SyncRun.Status.backingOff.rawValue)) ORDER BY id DESC LIMIT 1
                """
            ).first()
        }
        return try row.map(Self.run(from:))
    }

    /// Starts `run` under the job lease `holder`, and marks its sync `running`.
    public func start(_ run: SyncRun, holder: String) async throws {
        try await database.transaction { sql in
            try await sql.raw(
                """
                INSERT INTO sync_runs (id, sync_id, kind, trigger, status, holder, generation, page_cursor, pages, added, updated, \
                deleted, unchanged, highest_cursor_value, error, checkpoint_before, checkpoint_after, started_at, finished_at)
                VALUES (\(bind: run.id), \(bind: run.syncID), \(bind: run.kind.rawValue), \(bind: run.trigger.rawValue), \
                \(bind: run.status.rawValue), \(bind: holder), \(bind: run.generation), NULL, 0, 0, 0, 0, 0, NULL, NULL, \
                \(bind: try run.checkpointBefore.map { try $0.json.serialized() }), NULL, \(bind: run.startedAt.epochMilliseconds), NULL)
                """
            ).run()
            try await sql.raw(
                """
                UPDATE syncs SET status = \(bind: SyncDefinition.Status.running.rawValue), status_reason = NULL, \
                last_run_id = \(bind: run.id), generation = CASE WHEN \(bind: run.kind.rawValue) = 'full' THEN \
                \(bind: run.generation) ELSE generation END, updated_at = \(bind: run.startedAt.epochMilliseconds) \
                WHERE id = \(bind: run.syncID)
                """
            ).run()
        }
    }

    /// Hands a run in progress to the job lease `holder` (a run resumed after its worker died or waited), marking it
    /// and its sync `running`; `false` when the run is no longer active.
    public func takeOver(_ run: SyncRun, holder: String, at now: Date = Date()) async throws -> Bool {
        try await database.transaction { sql in
            let rows = try await sql.raw(
                """
                UPDATE sync_runs SET holder = \(bind: holder), status = \(bind: SyncRun.Status.running.rawValue), error = NULL \
                WHERE id = \(bind: run.id) AND status IN (\(bind: SyncRun.Status.running.rawValue), \
                \(bind: SyncRun.Status.backingOff.rawValue)) RETURNING id
                """
            ).all()
            guard !rows.isEmpty else { return false }
            try await sql.raw(
                """
                UPDATE syncs SET status = \(bind: SyncDefinition.Status.running.rawValue), status_reason = NULL, \
                updated_at = \(bind: now.epochMilliseconds) WHERE id = \(bind: run.syncID) AND paused = 0
                """
            ).run()
            return true
        }
    }

    /// Marks a run as waiting out a rate limit (its sync `backing_off`, with the reason); `false` when `holder` no
    /// longer holds it.
    public func backOff(runID: String, syncID: String, holder: String, reason: String, at now: Date = Date()) async throws -> Bool {
        try await database.transaction { sql in
            let rows = try await sql.raw(
                """
                UPDATE sync_runs SET status = \(bind: SyncRun.Status.backingOff.rawValue), error = \(bind: reason) \
                WHERE id = \(bind: runID) AND holder = \(bind: holder) AND status = \(bind: SyncRun.Status.running.rawValue) \
                RETURNING id
                """
            ).all()
            guard !rows.isEmpty else { return false }
            try await sql.raw(
                """
                UPDATE syncs SET status = \(bind: SyncDefinition.Status.backingOff.rawValue), status_reason = \(bind: reason), \
                updated_at = \(bind: now.epochMilliseconds) WHERE id = \(bind: syncID) AND paused = 0
                """
            ).run()
            return true
        }
    }

    /// Ends a run that failed: its committed pages stay, its checkpoint is not moved and nothing is deleted; the
    /// sync is `failing` and due again after `retryAt`. `false` when `holder` no longer holds the run.
    public func fail(
        runID: String, syncID: String, holder: String, error: String, retryAt: Date, at now: Date = Date()
    ) async throws -> Bool {
        try await database.transaction { sql in
            let rows = try await sql.raw(
                """
                UPDATE sync_runs SET status = \(bind: SyncRun.Status.failed.rawValue), error = \(bind: error), holder = NULL, \
                finished_at = \(bind: now.epochMilliseconds) WHERE id = \(bind: runID) AND holder = \(bind: holder) \
                AND status IN (\(bind: SyncRun.Status.running.rawValue), \(bind: SyncRun.Status.backingOff.rawValue)) RETURNING id
                """
            ).all()
            guard !rows.isEmpty else { return false }
            try await sql.raw(
                """
                UPDATE syncs SET status = CASE WHEN paused = 1 THEN status ELSE \(bind: SyncDefinition.Status.failing.rawValue) END, \
                status_reason = CASE WHEN paused = 1 THEN status_reason ELSE \(bind: error) END, \
                consecutive_failures = consecutive_failures + 1, last_run_at = \(bind: now.epochMilliseconds), \
                next_run_at = CASE WHEN paused = 1 THEN NULL ELSE \(bind: retryAt.epochMilliseconds) END, \
                updated_at = \(bind: now.epochMilliseconds) WHERE id = \(bind: syncID)
                """
            ).run()
            return true
        }
    }

    /// The run with `id` of the sync `syncID`, if it exists.
    public func run(id: String, syncID: String) async throws -> SyncRun? {
        let row = try await database.withSQL { sql in
            try await sql.raw("SELECT * FROM sync_runs WHERE id = \(bind: id) AND sync_id = \(bind: syncID)").first()
        }
        return try row.map(Self.run(from:))
    }

    /// A page of the sync's runs, newest first, before `cursor`.
    public func runs(syncID: String, before cursor: String?, limit: Int) async throws -> [SyncRun] {
        let rows = try await database.withSQL { sql in
            if let cursor {
                return try await sql.raw(
                    """
                    SELECT * FROM sync_runs WHERE sync_id = \(bind: syncID) AND id < \(bind: cursor) ORDER BY id DESC LIMIT \(bind: limit)
                    """
                ).all()
            }
            return try await sql.raw("SELECT * FROM sync_runs WHERE sync_id = \(bind: syncID) ORDER BY id DESC LIMIT \(bind: limit)")
                .all()
        }
        return try rows.map(Self.run(from:))
    }

    /// Cancels the sync's run in progress or waiting, in the transaction `sql` stands for.
    static func cancelActiveRuns(syncID: String, reason: String, at now: Date, using sql: any SQLDatabase) async throws {
        try await sql.raw(
            """
            UPDATE sync_runs SET status = \(bind: SyncRun.Status.cancelled.rawValue), error = \(bind: reason), holder = NULL, \
            finished_at = \(bind: now.epochMilliseconds) WHERE sync_id = \(bind: syncID) AND status IN \
            (\(bind: SyncRun.Status.running.rawValue), \(bind: SyncRun.Status.backingOff.rawValue))
            """
        ).run()
    }

    // MARK: Rows

    static func sync(from row: any SQLRow) throws -> SyncDefinition {
        let checkpointText = try row.decode(column: "checkpoint", as: String?.self)
        var sync = SyncDefinition(
            id: try row.decode(column: "id", as: String.self),
            connectionID: try row.decode(column: "connection_id", as: String.self),
            resource: try row.decode(column: "resource", as: String.self),
            mode: SyncDefinition.Mode(rawValue: try row.decode(column: "mode", as: String.self)) ?? .incremental,
            everySeconds: try row.decode(column: "every_seconds", as: Int64.self),
            realtime: try row.decode(column: "realtime", as: Int64.self) != 0,
            firstRunAt: Date(),
            now: Date(epochMilliseconds: try row.decode(column: "created_at", as: Int64.self))
        )
        sync.status = SyncDefinition.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .idle
        sync.statusReason = try row.decode(column: "status_reason", as: String?.self)
        sync.paused = try row.decode(column: "paused", as: Int64.self) != 0
        sync.checkpoint = SyncCheckpoint(json: checkpointText.flatMap { try? JSONValue.parse($0) })
        sync.changeSequence = try row.decode(column: "change_sequence", as: Int64.self)
        sync.notifiedSequence = try row.decode(column: "notified_sequence", as: Int64.self)
        sync.generation = try row.decode(column: "generation", as: Int64.self)
        sync.recordCount = try row.decode(column: "record_count", as: Int64.self)
        sync.consecutiveFailures = Int(try row.decode(column: "consecutive_failures", as: Int64.self))
        sync.lastRunID = try row.decode(column: "last_run_id", as: String?.self)
        sync.lastRunAt = try row.decode(column: "last_run_at", as: Int64?.self).map(Date.init(epochMilliseconds:))
        sync.nextRunAt = try row.decode(column: "next_run_at", as: Int64?.self).map(Date.init(epochMilliseconds:))
        sync.subscription = try row.decode(column: "subscription", as: String?.self).flatMap { try? JSONValue.parse($0) }
        sync.updatedAt = Date(epochMilliseconds: try row.decode(column: "updated_at", as: Int64.self))
        sync.direction = SyncDefinition.Direction(rawValue: try row.decode(column: "direction", as: String.self)) ?? .pull
        sync.mergePolicy = MergePolicy(json: try row.decode(column: "merge_policy", as: String?.self).flatMap { try? JSONValue.parse($0) })
        sync.localKeyField = try row.decode(column: "local_key_field", as: String?.self)
        return sync
    }

    static func run(from row: any SQLRow) throws -> SyncRun {
        func checkpoint(_ column: String) throws -> SyncCheckpoint? {
            SyncCheckpoint(json: try row.decode(column: column, as: String?.self).flatMap { try? JSONValue.parse($0) })
        }
        var run = SyncRun(
            id: try row.decode(column: "id", as: String.self),
            syncID: try row.decode(column: "sync_id", as: String.self),
            kind: SyncRun.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .incremental,
            trigger: SyncRun.Trigger(rawValue: try row.decode(column: "trigger", as: String.self)) ?? .schedule,
            generation: try row.decode(column: "generation", as: Int64.self),
            checkpointBefore: try checkpoint("checkpoint_before"),
            startedAt: Date(epochMilliseconds: try row.decode(column: "started_at", as: Int64.self))
        )
        run.status = SyncRun.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .failed
        run.pageCursor = try row.decode(column: "page_cursor", as: String?.self)
        run.pages = try row.decode(column: "pages", as: Int64.self)
        run.counts.added = try row.decode(column: "added", as: Int64.self)
        run.counts.updated = try row.decode(column: "updated", as: Int64.self)
        run.counts.deleted = try row.decode(column: "deleted", as: Int64.self)
        run.counts.unchanged = try row.decode(column: "unchanged", as: Int64.self)
        run.highestCursorValue = try row.decode(column: "highest_cursor_value", as: String?.self)
        run.error = try row.decode(column: "error", as: String?.self)
        run.checkpointAfter = try checkpoint("checkpoint_after")
        run.finishedAt = try row.decode(column: "finished_at", as: Int64?.self).map(Date.init(epochMilliseconds:))
        return run
    }
}
