import Foundation
import JunctionCore
import SQLKit

/// Every synced record, keyed by sync and provider id, and the change feed over them.
///
/// Each write takes the sync's next change version by updating its row first: on PostgreSQL that row's lock orders
/// the sync's writers (a run's page and a webhook's change never interleave), so versions commit in the order they
/// were taken and a feed reader that saw version N has seen every change before it. A record whose content hash did
/// not change is not a change: it keeps its version and only notes that the run saw it.
public struct SyncRecordStore: Sendable {
    /// Why a write was refused.
    public enum WriteError: Error, Sendable, Equatable {
        /// The run is no longer held by this worker (another took it over, or it was cancelled).
        case runNotHeld(runID: String)
        /// The sync was deleted.
        case syncDeleted(String)
    }

    let database: Database

    /// A store over `database`.
    public init(database: Database) {
        self.database = database
    }

    // MARK: Writes

    /// Commits one page of a run: its changes, the run's counts, and where its next page starts, in one transaction;
    /// refused with ``WriteError/runNotHeld(runID:)`` unless `holder` still holds the run. A full run `marksSeen`: its
    /// unchanged records are marked as seen, so its completion does not delete them.
    public func commitPage(
        _ changes: [SyncRecordChange], runID: String, syncID: String, holder: String, nextCursor: String?, highestCursorValue: String?,
        marksSeen: Bool, at now: Date = Date()
    ) async throws -> SyncRun.Counts {
        try await database.transaction { sql in
            try await Self.requireHeld(runID: runID, holder: holder, using: sql)
            let counts = try await Self.write(
                changes, syncID: syncID, marksSeen: marksSeen, announceAfter: .seconds(1), at: now, using: sql
            ).counts
            try await sql.raw(
                """
                UPDATE sync_runs SET pages = pages + 1, page_cursor = \(bind: nextCursor), \
                highest_cursor_value = \(bind: highestCursorValue), added = added + \(bind: counts.added), \
                updated = updated + \(bind: counts.updated), deleted = deleted + \(bind: counts.deleted), \
                unchanged = unchanged + \(bind: counts.unchanged) WHERE id = \(bind: runID)
                """
            ).run()
            return counts
        }
    }

    /// What completing a run did.
    public struct Completion: Sendable, Equatable {
        /// What the last page, the deletions and the sweep changed.
        public var counts: SyncRun.Counts
        /// How many runs had failed in a row before this one (a recovery when more than zero).
        public var previousFailures: Int
    }

    /// Completes a run in one transaction: commits its last page and `deletions`, and for a full run marks deleted
    /// every record it did not see (`sweepGeneration`); moves the sync's checkpoint and schedules its next run (sooner
    /// when a run was requested while this one ran).
    public func complete(
        runID: String, syncID: String, holder: String, lastPage: [SyncRecordChange], deletions: [SyncRecordChange],
        sweepGeneration: Int64?, checkpoint: SyncCheckpoint, nextRunAt: Date?, at now: Date = Date()
    ) async throws -> Completion {
        try await database.transaction { sql in
            try await Self.requireHeld(runID: runID, holder: holder, using: sql)
            var counts = try await Self.write(
                lastPage + deletions, syncID: syncID, marksSeen: sweepGeneration != nil, announceAfter: .zero, at: now, using: sql
            ).counts
            if let generation = sweepGeneration {
                counts.deleted += try await Self.sweep(syncID: syncID, olderThan: generation, at: now, using: sql)
            }
            let checkpointText = try checkpoint.json.serialized()
            try await sql.raw(
                """
                UPDATE sync_runs SET status = \(bind: SyncRun.Status.succeeded.rawValue), holder = NULL, error = NULL, \
                pages = pages + \(bind: lastPage.isEmpty ? 0 : 1), page_cursor = NULL, added = added + \(bind: counts.added), \
                updated = updated + \(bind: counts.updated), deleted = deleted + \(bind: counts.deleted), \
                unchanged = unchanged + \(bind: counts.unchanged), checkpoint_after = \(bind: checkpointText), \
                finished_at = \(bind: now.epochMilliseconds) WHERE id = \(bind: runID)
                """
            ).run()
            let failures = try await sql.raw("SELECT consecutive_failures FROM syncs WHERE id = \(bind: syncID)").first()?
                .decode(column: "consecutive_failures", as: Int64.self) ?? 0
            try await sql.raw(
                """
                UPDATE syncs SET checkpoint = \(bind: checkpointText), consecutive_failures = 0, \
                status = CASE WHEN paused = 1 THEN status ELSE \(bind: SyncDefinition.Status.idle.rawValue) END, \
                status_reason = CASE WHEN paused = 1 THEN status_reason ELSE NULL END, \
                last_run_at = \(bind: now.epochMilliseconds), \
                next_run_at = CASE WHEN paused = 1 THEN NULL WHEN next_run_at IS NOT NULL AND next_run_at < \
                \(bind: nextRunAt?.epochMilliseconds) THEN next_run_at ELSE \(bind: nextRunAt?.epochMilliseconds) END, \
                updated_at = \(bind: now.epochMilliseconds) WHERE id = \(bind: syncID)
                """
            ).run()
            return Completion(counts: counts, previousFailures: Int(failures))
        }
    }

    /// Applies changes that arrived outside a run (webhooks); the records they name count as seen by a full run in
    /// progress.
    public func apply(_ changes: [SyncRecordChange], syncID: String, at now: Date = Date()) async throws -> SyncRun.Counts {
        try await database.transaction { sql in
            try await Self.write(changes, syncID: syncID, marksSeen: true, announceAfter: .seconds(1), at: now, using: sql).counts
        }
    }

    /// Checks that `holder` still holds the run, and keeps it so until the transaction ends: the no-op update locks
    /// the run's row on PostgreSQL, so a pause, reset or takeover waits for this page (and then finds the run moved
    /// on), or this page waits for them (and then finds the run no longer held).
    private static func requireHeld(runID: String, holder: String, using sql: any SQLDatabase) async throws {
        let rows = try await sql.raw(
            """
            UPDATE sync_runs SET holder = holder WHERE id = \(bind: runID) AND holder = \(bind: holder) \
            AND status = \(bind: SyncRun.Status.running.rawValue) RETURNING id
            """
        ).all()
        guard !rows.isEmpty else { throw WriteError.runNotHeld(runID: runID) }
    }

    /// What is stored of a record, to compare a change with.
    private struct Stored {
        var hash: String
        var deleted: Bool
        var remoteModifiedAt: Int64?
        var conflictID: String?
    }

    /// Writes `changes` under the sync's next change version and, when anything changed, makes the sync's
    /// `sync.records.changed` announcement due within `announceAfter` (changes within that time share one). A change
    /// older than the stored record's provider time is not applied (events and pages arrive out of order); with
    /// `marksSeen`, unchanged records are marked with the sync's generation, for a full run's sweep.
    ///
    /// A record with an open conflict keeps its content: the provider's version goes to the conflict instead. A write
    /// that is `pushing` stores the provider's answer to Junction's own push, which is newer than anything stored.
    static func write(
        _ changes: [SyncRecordChange], syncID: String, marksSeen: Bool, announceAfter: Duration, at now: Date, pushing: Bool = false,
        using sql: any SQLDatabase
    ) async throws -> Written {
        guard !changes.isEmpty else { return Written() }
        // First the version (and with it, on PostgreSQL, the sync's row lock), then what is stored: no other writer of
        // this sync can change the records between the read and the write.
        guard
            let versionRow = try await sql.raw(
                """
                UPDATE syncs SET change_sequence = change_sequence + 1 WHERE id = \(bind: syncID) \
                RETURNING change_sequence, generation
                """
            ).first()
        else { throw WriteError.syncDeleted(syncID) }
        let version = try versionRow.decode(column: "change_sequence", as: Int64.self)
        let generation = try versionRow.decode(column: "generation", as: Int64.self)

        // The last change per record wins (a page may list a record twice when it moved while being read).
        var latest: [String: SyncRecordChange] = [:]
        var order: [String] = []
        for change in changes {
            if latest.updateValue(change, forKey: change.externalID) == nil { order.append(change.externalID) }
        }
        let stored = try await self.stored(syncID: syncID, ids: order, using: sql)

        var counts = SyncRun.Counts()
        var upserts: [(record: IncomingRecord, hash: String, text: String)] = []
        var seen: [String] = []
        var deletions: [(id: String, at: Int64?)] = []
        for id in order {
            guard let change = latest[id] else { continue }
            let existing = stored[id]
            if !pushing, let conflictID = existing?.conflictID {
                try await updateConflict(conflictID, with: change, at: now, using: sql)
                counts.unchanged += 1
                if existing?.deleted == false { seen.append(id) }
                continue
            }
            switch change {
            case .upsert(let record):
                // Serialized once: the text is both stored and hashed.
                guard let text = try? record.raw.serialized() else { continue }
                let hash = JSONValue.contentHash(ofSerialized: text)
                if let existing, !pushing, Self.isOlder(record.remoteModifiedAt, than: existing.remoteModifiedAt) {
                    // Older than what is stored: the stored record stands (and was seen, for a full run's sweep).
                    counts.unchanged += 1
                    if !existing.deleted { seen.append(id) }
                    continue
                }
                if let existing, !existing.deleted, existing.hash == hash {
                    counts.unchanged += 1
                    seen.append(id)
                    continue
                }
                if let existing, !existing.deleted { counts.updated += 1 } else { counts.added += 1 }
                upserts.append((record, hash, text))
            case .delete(_, let deletedAt):
                guard let existing, !existing.deleted else { continue }
                if !pushing, Self.isOlder(deletedAt, than: existing.remoteModifiedAt) { continue }
                counts.deleted += 1
                deletions.append((id, deletedAt?.epochMilliseconds))
            }
        }

        let changedAt = now.epochMilliseconds
        for chunk in upserts.chunked(into: 200) {
            var insert = sql.insert(into: "sync_records").columns(
                "sync_id", "external_id", "raw", "data", "hash", "remote_modified_at", "change_sequence", "first_sequence", "changed_at",
                "deleted", "generation", "base_version", "base_data")
            for (record, hash, text) in chunk {
                insert = insert.values([
                    SQLBind(syncID), SQLBind(record.externalID), SQLBind(text),
                    SQLBind(try record.data.map { try $0.serialized() }), SQLBind(hash), SQLBind(record.remoteModifiedAt?.epochMilliseconds),
                    SQLBind(version), SQLBind(version), SQLBind(changedAt), SQLBind(0), SQLBind(generation), SQLBind(version),
                    SQLBind(String?.none),
                ])
            }
            try await insert.onConflict(with: ["sync_id", "external_id"]) { update in
                // A push's answer is what both sides now agree: the base thaws with it (the settlement freezes it
                // again where more changes are pending). A pull leaves a frozen base as it is.
                if pushing { update.set("base_data", to: SQLLiteral.null).set(excludedValueOf: "base_version") }
                return update.set(excludedValueOf: "raw").set(excludedValueOf: "data").set(excludedValueOf: "hash")
                    .set(excludedValueOf: "remote_modified_at").set(excludedValueOf: "change_sequence").set(excludedValueOf: "changed_at")
                    .set(excludedValueOf: "deleted").set(excludedValueOf: "generation")
                    // A record back after a deletion is new to readers again.
                    .set("first_sequence", to: SQLRaw("CASE WHEN sync_records.deleted = 1 THEN excluded.first_sequence ELSE sync_records.first_sequence END"))
            }.run()
        }
        for chunk in (marksSeen ? seen : []).chunked(into: 500) {
            try await sql.raw(
                """
                UPDATE sync_records SET generation = \(bind: generation) WHERE sync_id = \(bind: syncID) \
                AND generation <> \(bind: generation) AND external_id IN (\(binds: Array(chunk)))
                """
            ).run()
        }
        for (id, deletedAt) in deletions {
            try await sql.raw(
                """
                UPDATE sync_records SET deleted = 1, change_sequence = \(bind: version), changed_at = \(bind: changedAt), \
                remote_modified_at = COALESCE(\(bind: deletedAt), remote_modified_at) \
                WHERE sync_id = \(bind: syncID) AND external_id = \(bind: id)
                """
            ).run()
        }
        if counts.hasChanges {
            try await announce(syncID: syncID, at: now.addingTimeInterval(Double(announceAfter.milliseconds) / 1000), using: sql)
            try await sql.raw(
                "UPDATE syncs SET record_count = record_count + \(bind: counts.added - counts.deleted) WHERE id = \(bind: syncID)"
            ).run()
        }
        return Written(counts: counts, upserted: Set(upserts.map(\.record.externalID)))
    }

    /// What ``write(_:syncID:marksSeen:announceAfter:at:pushing:using:)`` did.
    struct Written {
        /// Records added, updated, deleted and left unchanged.
        var counts = SyncRun.Counts()
        /// The records it stored content for (a push's write thawed their bases with it).
        var upserted: Set<String> = []
    }

    /// Brings an open conflict's provider side up to date with `change` (a deletion clears it), unless it is older.
    private static func updateConflict(_ id: String, with change: SyncRecordChange, at now: Date, using sql: any SQLDatabase) async throws {
        let remote: String?
        let time: Date?
        switch change {
        case .upsert(let record): (remote, time) = (try record.raw.serialized(), record.remoteModifiedAt)
        case .delete(_, let at): (remote, time) = (nil, at)
        }
        let stamp = time?.epochMilliseconds
        try await sql.raw(
            """
            UPDATE sync_conflicts SET remote = \(bind: remote), remote_changed_at = COALESCE(\(bind: stamp), remote_changed_at), \
            updated_at = \(bind: now.epochMilliseconds) WHERE id = \(bind: id) AND status = 'open' \
            AND (remote_changed_at IS NULL OR \(bind: stamp) IS NULL OR \(bind: stamp) + 1000 > remote_changed_at)
            """
        ).run()
    }

    /// Makes the sync's next announcement due by `due` (sooner if it already was).
    static func announce(syncID: String, at due: Date, using sql: any SQLDatabase) async throws {
        let due = due.epochMilliseconds
        try await sql.raw(
            """
            UPDATE syncs SET notify_due_at = CASE WHEN notify_due_at IS NULL OR notify_due_at > \(bind: due) THEN \(bind: due) \
            ELSE notify_due_at END WHERE id = \(bind: syncID)
            """
        ).run()
    }

    /// Whether a change dated `incoming` is older than the stored one dated `stored`. Providers date events to the
    /// second (Stripe's `created`) while a page is dated to the millisecond when it was asked for, so only a stored time
    /// a whole second newer outranks a change; within one second the later write wins, and the next run or event
    /// corrects it if that was the older state. Undated changes always apply.
    static func isOlder(_ incoming: Date?, than stored: EpochMilliseconds?) -> Bool {
        guard let incoming = incoming?.epochMilliseconds, let stored else { return false }
        return incoming + 1000 <= stored
    }

    private static func stored(syncID: String, ids: [String], using sql: any SQLDatabase) async throws -> [String: Stored] {
        var stored: [String: Stored] = [:]
        for chunk in ids.chunked(into: 500) {
            let rows = try await sql.raw(
                """
                SELECT external_id, hash, deleted, remote_modified_at, conflict_id FROM sync_records \
                WHERE sync_id = \(bind: syncID) AND external_id IN (\(binds: Array(chunk)))
                """
            ).all()
            for row in rows {
                stored[try row.decode(column: "external_id", as: String.self)] = Stored(
                    hash: try row.decode(column: "hash", as: String.self),
                    deleted: try row.decode(column: "deleted", as: Int64.self) != 0,
                    remoteModifiedAt: try row.decode(column: "remote_modified_at", as: Int64?.self),
                    conflictID: try row.decode(column: "conflict_id", as: String?.self))
            }
        }
        return stored
    }

    /// Marks deleted, under one new version, every live record a full run of `generation` did not see.
    private static func sweep(syncID: String, olderThan generation: Int64, at now: Date, using sql: any SQLDatabase) async throws -> Int64 {
        guard
            let row = try await sql.raw(
                "UPDATE syncs SET change_sequence = change_sequence + 1 WHERE id = \(bind: syncID) RETURNING change_sequence"
            ).first()
        else { throw WriteError.syncDeleted(syncID) }
        let version = try row.decode(column: "change_sequence", as: Int64.self)
        let swept = try await sql.raw(
            """
            UPDATE sync_records SET deleted = 1, change_sequence = \(bind: version), changed_at = \(bind: now.epochMilliseconds) \
            WHERE sync_id = \(bind: syncID) AND deleted = 0 AND generation < \(bind: generation) RETURNING external_id
            """
        ).all().count
        if swept > 0 {
            try await announce(syncID: syncID, at: now, using: sql)
            try await sql.raw("UPDATE syncs SET record_count = record_count - \(bind: swept) WHERE id = \(bind: syncID)").run()
        }
        return Int64(swept)
    }

    // MARK: Reads

    /// What a feed read is narrowed to.
    public struct FeedFilter: Sendable, Equatable {
        /// Whether deleted records are included (they are by default: a reader needs them to stay in step).
        public var includeDeleted: Bool
        /// Only records the provider changed after this time.
        public var modifiedAfter: Date?

        /// A filter.
        public init(includeDeleted: Bool = true, modifiedAfter: Date? = nil) {
            self.includeDeleted = includeDeleted
            self.modifiedAfter = modifiedAfter
        }
    }

    /// What is stored of the records `ids` of `syncID` (content hash and whether deleted), for a dry run's comparison.
    public func hashes(syncID: String, ids: [String]) async throws -> [String: (hash: String, deleted: Bool)] {
        let stored = try await database.withSQL { sql in try await Self.stored(syncID: syncID, ids: ids, using: sql) }
        return stored.mapValues { ($0.hash, $0.deleted) }
    }

    /// Up to `limit` records changed after `position`, in change order.
    public func feed(syncID: String, after position: FeedPosition, filter: FeedFilter, limit: Int) async throws -> [FeedEntry] {
        let rows = try await database.withSQL { sql in
            var query = SQLQueryString(
                """
                SELECT external_id, raw, data, deleted, change_sequence, first_sequence, changed_at, remote_modified_at, local_key \
                FROM sync_records WHERE sync_id = \(bind: syncID) AND (change_sequence > \(bind: position.sequence) \
                OR (change_sequence = \(bind: position.sequence) AND external_id > \(bind: position.externalID)))
                """)
            if !filter.includeDeleted { query.appendInterpolation(unsafeRaw: " AND deleted = 0") }
            if let after = filter.modifiedAfter {
                query.appendInterpolation(unsafeRaw: " AND remote_modified_at > ")
                query.appendInterpolation(bind: after.epochMilliseconds)
            }
            query.appendInterpolation(unsafeRaw: " ORDER BY change_sequence, external_id LIMIT ")
            query.appendInterpolation(bind: limit)
            return try await sql.raw(query).all()
        }
        return try rows.map { row in
            let id = try row.decode(column: "external_id", as: String.self)
            let entryPosition = FeedPosition(sequence: try row.decode(column: "change_sequence", as: Int64.self), externalID: id)
            let added = FeedPosition(sequence: try row.decode(column: "first_sequence", as: Int64.self), externalID: id) > position
            let operation: FeedEntry.Operation =
                try row.decode(column: "deleted", as: Int64.self) != 0 ? .deleted : added ? .added : .updated
            return FeedEntry(
                externalID: id, operation: operation,
                raw: (try? JSONValue.parse(try row.decode(column: "raw", as: String.self))) ?? .null,
                data: try row.decode(column: "data", as: String?.self).flatMap { try? JSONValue.parse($0) },
                changedAt: Date(epochMilliseconds: try row.decode(column: "changed_at", as: Int64.self)),
                remoteModifiedAt: try row.decode(column: "remote_modified_at", as: Int64?.self).map(Date.init(epochMilliseconds:)),
                position: entryPosition, localKey: try row.decode(column: "local_key", as: String?.self))
        }
    }

    /// What changed after version `sequence`, counted as a reader at that version would see it, and the last version
    /// among those changes (`nil` when nothing changed).
    public func summary(syncID: String, after sequence: Int64) async throws -> (counts: SyncRun.Counts, through: Int64?) {
        let row = try await database.withSQL { sql in
            try await sql.raw(
                """
                SELECT SUM(CASE WHEN deleted = 1 THEN 1 ELSE 0 END) AS deleted_count, \
                SUM(CASE WHEN deleted = 0 AND first_sequence > \(bind: sequence) THEN 1 ELSE 0 END) AS added_count, \
                SUM(CASE WHEN deleted = 0 AND first_sequence <= \(bind: sequence) THEN 1 ELSE 0 END) AS updated_count, \
                MAX(change_sequence) AS through FROM sync_records \
                WHERE sync_id = \(bind: syncID) AND change_sequence > \(bind: sequence)
                """
            ).first()
        }
        var counts = SyncRun.Counts()
        counts.added = try row?.decode(column: "added_count", as: Int64?.self) ?? 0
        counts.updated = try row?.decode(column: "updated_count", as: Int64?.self) ?? 0
        counts.deleted = try row?.decode(column: "deleted_count", as: Int64?.self) ?? 0
        return (counts, try row?.decode(column: "through", as: Int64?.self))
    }

    /// Takes the syncs whose announcement is due (at most `limit`), holding each for `lease` so no other node announces
    /// it meanwhile (and so one whose announcer died is announced after it). Returns each id with its hold, for
    /// ``finishAnnouncement(syncID:through:previous:hold:)``.
    public func claimAnnouncements(at now: Date = Date(), lease: Duration, limit: Int) async throws -> [(syncID: String, hold: Int64)] {
        let hold = now.epochMilliseconds + lease.milliseconds
        return try await database.transaction { sql in
            let due = now.epochMilliseconds
            let rows = try await sql.raw(
                """
                UPDATE syncs SET notify_due_at = \(bind: hold) WHERE notify_due_at IS NOT NULL AND notify_due_at <= \(bind: due) \
                AND id IN (SELECT id FROM syncs WHERE notify_due_at IS NOT NULL AND notify_due_at <= \(bind: due) \
                ORDER BY notify_due_at LIMIT \(bind: limit)) RETURNING id
                """
            ).all()
            return try rows.map { (try $0.decode(column: "id", as: String.self), hold) }
        }
    }

    /// Notes that an announcement covered the sync's changes through version `sequence` (moved on from `previous`),
    /// and releases its hold unless a change made it due again meanwhile.
    public func finishAnnouncement(syncID: String, through sequence: Int64?, previous: Int64, hold: Int64) async throws {
        try await database.transaction { sql in
            if let sequence {
                try await sql.raw(
                    """
                    UPDATE syncs SET notified_sequence = \(bind: sequence) WHERE id = \(bind: syncID) \
                    AND notified_sequence = \(bind: previous)
                    """
                ).run()
            }
            try await sql.raw("UPDATE syncs SET notify_due_at = NULL WHERE id = \(bind: syncID) AND notify_due_at = \(bind: hold)").run()
        }
    }
}
