import Foundation
import JunctionCore
import SQLKit

/// The application's changes to synced records and the conflicts they meet: committed before anything is pushed,
/// pushed record by record, and settled in the same transactions as the records they touch.
///
/// A record with pending changes keeps a frozen base (`base_data`): what both sides last agreed when the first of them
/// was made. Pulls go on updating the record meanwhile, so the push compares the provider's version with that base;
/// the base thaws (NULL: the same as the record) once no change of the record is pending.
public struct SyncChangeStore: Sendable {
    /// Why a change or a resolution was refused; nothing was written.
    public enum ChangeError: Error, Sendable, Equatable {
        /// The sync does not exist.
        case syncNotFound(String)
        /// No record with this id is held (or it was deleted).
        case unknownRecord(String)
        /// The record changed since the version the application named.
        case versionMismatch(externalID: String, expected: Int64, actual: Int64)
        /// The conflict does not exist.
        case conflictNotFound(String)
        /// The conflict was already resolved.
        case conflictResolved(String)
    }

    /// A record as stored, with what a change or a push needs of it.
    public struct StoredRecord: Sendable, Equatable {
        /// The provider's id.
        public var externalID: String
        /// The provider's version as last stored.
        public var raw: JSONObject
        /// What both sides last agreed (`nil`: nothing, as when a person resolved a conflict against the provider's
        /// deletion).
        public var base: JSONObject?
        /// Whether the base is frozen for pending changes.
        public var baseFrozen: Bool
        /// The record's change version.
        public var version: Int64
        /// Whether the provider deleted it.
        public var deleted: Bool
        /// Its open conflict.
        public var conflictID: String?
        /// When the provider last changed it, when known.
        public var remoteModifiedAt: Date?
        /// The application's key, for a record it created.
        public var localKey: String?
    }

    let database: Database

    /// A store over `database`.
    public init(database: Database) {
        self.database = database
    }

    // MARK: Submitting

    /// What submitting did.
    public struct Submission: Sendable, Equatable {
        /// The change as committed (or the earlier create with the same key, for a repeated create).
        public var change: SyncLocalChange
        /// Whether it was a repeat of a create already submitted under its key.
        public var repeated: Bool
    }

    /// Commits `change` and makes its sync's push due. A create under a key already used returns that earlier change
    /// (a retried request creates nothing twice); any other change needs a live record, at `expectedVersion` when
    /// given, whose base it freezes. A change to a record with an open conflict joins the conflict. `enqueue` may queue
    /// the push in the same transaction; when it reports a queued job the push is no longer marked due.
    public func submit(
        _ change: SyncLocalChange, expectedVersion: Int64? = nil, allowUnknownRecord: Bool = false,
        enqueue: @Sendable (any SQLDatabase) async throws -> Bool
    ) async throws -> Submission {
        try await database.transaction { sql in
            var change = change
            let now = change.createdAt.epochMilliseconds
            guard
                try await sql.raw(
                    """
                    UPDATE syncs SET push_due_at = CASE WHEN push_due_at IS NULL OR push_due_at > \(bind: now) THEN \(bind: now) \
                    ELSE push_due_at END WHERE id = \(bind: change.syncID) RETURNING id
                    """
                ).first() != nil
            else { throw ChangeError.syncNotFound(change.syncID) }
            if change.operation == .create, let key = change.localKey {
                if let earlier = try await Self.changes(where: "sync_id = \(bind: change.syncID) AND local_key = \(bind: key)", using: sql).first {
                    return Submission(change: earlier, repeated: true)
                }
            } else if let id = change.externalID {
                if let record = try await Self.record(syncID: change.syncID, externalID: id, using: sql), !record.deleted {
                    if let expectedVersion, expectedVersion != record.version {
                        throw ChangeError.versionMismatch(externalID: id, expected: expectedVersion, actual: record.version)
                    }
                    change.baseVersion = record.version
                    if let conflictID = record.conflictID {
                        change.status = .conflict
                        change.conflictID = conflictID
                        change.reason = "joined the open conflict \(conflictID)"
                        try await sql.raw("UPDATE sync_conflicts SET updated_at = \(bind: now) WHERE id = \(bind: conflictID)").run()
                    }
                    try await sql.raw(
                        """
                        UPDATE sync_records SET base_data = raw, base_version = change_sequence \
                        WHERE sync_id = \(bind: change.syncID) AND external_id = \(bind: id) AND base_data IS NULL
                        """
                    ).run()
                } else if !allowUnknownRecord {
                    throw ChangeError.unknownRecord(id)
                }
            }
            guard try await Self.insert(change, using: sql) else {
                // The same create arrived twice at once: the other request's insert won the key.
                guard let key = change.localKey,
                    let earlier = try await Self.changes(where: "sync_id = \(bind: change.syncID) AND local_key = \(bind: key)", using: sql).first
                else { throw ChangeError.syncNotFound(change.syncID) }
                return Submission(change: earlier, repeated: true)
            }
            if change.status == .pending, try await enqueue(sql) {
                try await sql.raw("UPDATE syncs SET push_due_at = NULL WHERE id = \(bind: change.syncID)").run()
            }
            return Submission(change: change, repeated: false)
        }
    }

    /// Takes the syncs whose push is due (at most `limit`) and queues their pushes through `enqueue` in the same
    /// transaction; a sync whose push could not be queued (one is running) stays due a few seconds later.
    public func claimPushDue(
        at now: Date = Date(), limit: Int, enqueue: @Sendable ([String], any SQLDatabase) async throws -> [String: Bool]
    ) async throws -> [String] {
        try await SyncRepository.claim(
            dueColumn: "push_due_at", unlessPaused: false, retryAfter: 2, at: now, limit: limit, database: database, enqueue: enqueue)
    }

    /// Makes the sync's push due now (a run was asked for).
    public func requestPush(syncID: String, at now: Date = Date()) async throws {
        try await database.withSQL { sql in
            try await sql.raw("UPDATE syncs SET push_due_at = \(bind: now.epochMilliseconds) WHERE id = \(bind: syncID)").run()
        }
    }

    // MARK: Pushing

    /// The records of `syncID` with pending changes whose first change may be tried at `now` (at most `limit`), each
    /// with its pending changes in order (of the oldest `limit` changes: a record's later ones follow in the next
    /// round, laid over what its earlier ones pushed); a create not yet named by the provider is its own group.
    /// The changes of the records in `excluding` (``SyncLocalChange/recordKey``, records a push has in hand) are left
    /// out.
    public func pendingGroups(
        syncID: String, at now: Date = Date(), limit: Int, excluding: Set<String> = []
    ) async throws -> [[SyncLocalChange]] {
        var condition: SQLQueryString = "sync_id = \(bind: syncID) AND status = 'pending'"
        let namedRecords = excluding.filter { !$0.hasPrefix("local:") }
        if !namedRecords.isEmpty {
            condition = condition + " AND (external_id IS NULL OR external_id NOT IN (\(binds: Array(namedRecords))))"
        }
        let pending = condition
        let changes = try await database.withSQL { sql in
            try await Self.changes(where: pending, limit: limit + excluding.count - namedRecords.count, using: sql)
        }.filter { !excluding.contains($0.recordKey) }
        var groups: [String: [SyncLocalChange]] = [:]
        var order: [String] = []
        for change in changes {
            let key = change.recordKey
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(change)
        }
        return order.compactMap { groups[$0] }.filter { ($0.first?.availableAt ?? now) <= now }.prefix(limit).map { $0 }
    }

    /// When the earliest pending change of `syncID` may be tried, `nil` when none is pending.
    public func nextAvailable(syncID: String) async throws -> Date? {
        try await database.withSQL { sql in
            try await sql.raw("SELECT MIN(available_at) AS next FROM sync_changes WHERE sync_id = \(bind: syncID) AND status = 'pending'")
                .first()?.decode(column: "next", as: Int64?.self).map(Date.init(epochMilliseconds:))
        }
    }

    /// The record `externalID` of `syncID` as stored, deleted or not.
    public func record(syncID: String, externalID: String) async throws -> StoredRecord? {
        try await database.withSQL { sql in try await Self.record(syncID: syncID, externalID: externalID, using: sql) }
    }

    /// A round of pushes noted before its provider calls start (``beginRound(syncID:changeIDs:at:)``): settling it
    /// forgets the note, and a note left behind by a stopped process counts an attempt for each of its changes.
    public struct PushRound: Sendable, Equatable {
        /// The note's id.
        public var id: String
        /// The changes the round pushes.
        public var changeIDs: [String]
        /// When its calls may have started.
        public var startedAt: Date
    }

    /// Notes, before a round's provider calls, that they start: a retry after a crash then knows each may have
    /// arrived. One row for the round, however many changes it holds.
    public func beginRound(syncID: String, changeIDs: [String], at now: Date = Date()) async throws -> PushRound {
        let round = PushRound(id: ResourceID.make(prefix: "round"), changeIDs: changeIDs, startedAt: now)
        try await database.withSQL { sql in
            try await sql.raw(
                """
                INSERT INTO sync_push_rounds (id, sync_id, change_ids, started_at) VALUES (\(bind: round.id), \(bind: syncID), \
                \(bind: try JSONValue.array(changeIDs.map(JSONValue.string)).serialized()), \(bind: now.epochMilliseconds))
                """
            ).run()
        }
        return round
    }

    /// Turns the rounds of `syncID` a stopped push left unsettled into attempts of their changes still pending (their
    /// calls may have reached the provider), and forgets them. Run before a push reads its changes; usually there are
    /// none, and a plain read finds that without opening a write transaction.
    public func recoverRounds(syncID: String) async throws {
        let query: SQLQueryString = "SELECT id, change_ids, started_at FROM sync_push_rounds WHERE sync_id = \(bind: syncID)"
        guard try await database.withSQL({ sql in try await sql.raw(query).first() }) != nil else { return }
        try await database.transaction { sql in
            let rows = try await sql.raw(query).all()
            for row in rows {
                let text = try row.decode(column: "change_ids", as: String.self)
                let ids = (try? JSONValue.parse(text))?.arrayValue?.compactMap(\.stringValue) ?? []
                let startedAt = Date(epochMilliseconds: try row.decode(column: "started_at", as: Int64.self))
                for chunk in ids.chunked(into: 500) {
                    try await sql.raw(
                        "UPDATE sync_changes SET \(Self.attemptCounted(startedAt)) WHERE id IN (\(binds: Array(chunk))) AND status = 'pending'"
                    ).run()
                }
                try await sql.raw("DELETE FROM sync_push_rounds WHERE id = \(bind: try row.decode(column: "id", as: String.self))").run()
            }
        }
    }

    /// Forgets round notes whose changes are otherwise accounted for (a round prepared but never started, or one whose
    /// changes were postponed with their attempts counted).
    public func forget(_ rounds: [PushRound]) async throws {
        guard !rounds.isEmpty else { return }
        try await database.withSQL { sql in
            try await sql.raw("DELETE FROM sync_push_rounds WHERE id IN (\(binds: rounds.map(\.id)))").run()
        }
    }

    /// The assignments that count one attempt started at `startedAt`.
    private static func attemptCounted(_ startedAt: Date) -> SQLQueryString {
        "attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, \(bind: startedAt.epochMilliseconds))"
    }

    /// What a push left the record as.
    public enum PushedRecord: Sendable, Equatable {
        /// The provider's copy after the push (or as it already was, when nothing needed pushing).
        case stored(IncomingRecord, localKey: String?)
        /// Deleted at the provider.
        case deleted(externalID: String)

        /// The provider's id of the record.
        public var externalID: String {
            switch self {
            case .stored(let record, _): record.externalID
            case .deleted(let id): id
            }
        }

        /// The record change that stores it.
        func change(at now: Date) -> SyncRecordChange {
            switch self {
            case .stored(let record, _): .upsert(record)
            case .deleted(let id): .delete(externalID: id, at: now)
            }
        }
    }

    /// How a record's pushed changes came out.
    public struct Settlement: Sendable, Equatable {
        /// What happened.
        public enum Outcome: Sendable, Equatable {
            /// On the provider (or settled without a call): the record as the provider now has it, the id it replaced
            /// (an edit that won over the provider's deletion made it again), and how it was settled when not plainly.
            case pushed(PushedRecord, replacing: String?, reason: String?)
            /// A conflict opens over the record.
            case conflict(SyncConflict)
            /// The changes join the record's open conflict (made while it was being opened).
            case joined(conflictID: String)
        }

        /// The changes settled.
        public var changeIDs: [String]
        /// How.
        public var outcome: Outcome

        /// A settlement.
        public init(changeIDs: [String], outcome: Outcome) {
            self.changeIDs = changeIDs
            self.outcome = outcome
        }
    }

    /// Settles rounds of pushes in one transaction: stores the records as the provider now has them, under one change
    /// version (a change in the feed where one differs from what was stored, so the next pull's or webhook's echo of it
    /// is no change), marks their changes pushed with their attempt counted, opens conflicts, thaws each record's base
    /// unless other changes of it are pending, and forgets the `rounds` the settlements came from. Changes made under a
    /// create's key meanwhile learn the provider's id.
    public func settle(_ settlements: [Settlement], rounds: [PushRound], syncID: String, at now: Date = Date()) async throws {
        guard !settlements.isEmpty || !rounds.isEmpty else { return }
        let started = rounds.map(\.startedAt).min() ?? now
        try await database.transaction { sql in
            var records: [SyncRecordChange] = []
            for settlement in settlements {
                guard case .pushed(let result, let replacing, _) = settlement.outcome else { continue }
                records.append(result.change(at: now))
                if let replacing, replacing != result.externalID { records.append(.delete(externalID: replacing, at: now)) }
            }
            let written = try await SyncRecordStore.write(
                records, syncID: syncID, marksSeen: true, announceAfter: .seconds(1), at: now, pushing: true, using: sql
            ).upserted
            var plain: [String] = []
            var settled: [String] = []
            var inConflict: [String] = []
            for settlement in settlements {
                switch settlement.outcome {
                case .pushed(let result, let replacing, let reason):
                    let externalID = result.externalID
                    settled.append(externalID)
                    if case .stored(_, let localKey?) = result {
                        try await sql.raw(
                            """
                            UPDATE sync_records SET local_key = \(bind: localKey) WHERE sync_id = \(bind: syncID) \
                            AND external_id = \(bind: externalID)
                            """
                        ).run()
                        try await sql.raw(
                            """
                            UPDATE sync_changes SET external_id = \(bind: externalID) WHERE sync_id = \(bind: syncID) \
                            AND local_key = \(bind: localKey) AND external_id IS NULL
                            """
                        ).run()
                    }
                    if let replacing, replacing != externalID {
                        try await sql.raw(
                            """
                            UPDATE sync_changes SET external_id = \(bind: externalID) WHERE sync_id = \(bind: syncID) \
                            AND external_id = \(bind: replacing) AND status = 'pending' AND id NOT IN (\(binds: settlement.changeIDs))
                            """
                        ).run()
                    }
                    guard reason != nil || replacing != nil else {
                        plain += settlement.changeIDs
                        continue
                    }
                    try await sql.raw(
                        """
                        UPDATE sync_changes SET status = 'pushed', external_id = \(bind: externalID), reason = \(bind: reason), \
                        pushed_at = \(bind: now.epochMilliseconds), updated_at = \(bind: now.epochMilliseconds), \
                        \(Self.attemptCounted(started)) WHERE id IN (\(binds: settlement.changeIDs))
                        """
                    ).run()
                case .conflict(let conflict):
                    try await Self.open(conflict, changeIDs: settlement.changeIDs, using: sql)
                    inConflict += settlement.changeIDs
                case .joined(let conflictID):
                    try await Self.join(settlement.changeIDs, conflictID: conflictID, at: now, using: sql)
                    inConflict += settlement.changeIDs
                }
            }
            // Plain pushes keep the provider's id they had (a create's was set above, with its key).
            for chunk in plain.chunked(into: 500) {
                try await sql.raw(
                    """
                    UPDATE sync_changes SET status = 'pushed', reason = NULL, pushed_at = \(bind: now.epochMilliseconds), \
                    updated_at = \(bind: now.epochMilliseconds), \(Self.attemptCounted(started)) WHERE id IN (\(binds: Array(chunk)))
                    """
                ).run()
            }
            for chunk in inConflict.chunked(into: 500) {
                try await sql.raw("UPDATE sync_changes SET \(Self.attemptCounted(started)) WHERE id IN (\(binds: Array(chunk)))").run()
            }
            try await Self.settleBases(syncID: syncID, externalIDs: settled, written: written, using: sql)
            if !rounds.isEmpty { try await sql.raw("DELETE FROM sync_push_rounds WHERE id IN (\(binds: rounds.map(\.id)))").run() }
        }
    }

    /// Marks changes failed for `reason` (the provider refused them, or their outcome cannot be known safely), counting
    /// the attempt of the round that started at `startedAt`.
    public func fail(
        syncID: String, changeIDs: [String], externalID: String?, reason: String, startedAt: Date, at now: Date = Date()
    ) async throws {
        try await database.transaction { sql in
            try await sql.raw(
                """
                UPDATE sync_changes SET status = 'failed', reason = \(bind: reason), updated_at = \(bind: now.epochMilliseconds), \
                \(Self.attemptCounted(startedAt)) WHERE id IN (\(binds: changeIDs))
                """
            ).run()
            if let externalID { try await Self.settleBases(syncID: syncID, externalIDs: [externalID], written: [], using: sql) }
        }
    }

    /// Leaves changes pending until `until` (a rate limit, or a provider error worth retrying), noting why. An
    /// `attemptStartedAt` counts the attempt of the round that started then (its calls may have been made); a failure
    /// also counts toward giving the change up, a rate limit does not.
    public func postpone(
        _ ids: [String], until: Date, reason: String, attemptStartedAt: Date? = nil, countingFailure: Bool = false, at now: Date = Date()
    ) async throws {
        guard !ids.isEmpty else { return }
        try await database.withSQL { sql in
            for chunk in ids.chunked(into: 500) {
                var assignments: SQLQueryString = """
                    available_at = \(bind: until.epochMilliseconds), reason = \(bind: reason), \
                    failures = failures + \(bind: countingFailure ? 1 : 0)
                    """
                if let attemptStartedAt { assignments = assignments + ", " + Self.attemptCounted(attemptStartedAt) }
                try await sql.raw(
                    """
                    UPDATE sync_changes SET \(assignments), updated_at = \(bind: now.epochMilliseconds) \
                    WHERE id IN (\(binds: Array(chunk))) AND status = 'pending'
                    """
                ).run()
            }
        }
    }

    /// Opens `conflict` over the record and its pending changes `changeIDs`.
    private static func open(_ conflict: SyncConflict, changeIDs: [String], using sql: any SQLDatabase) async throws {
        try await sql.raw(
            """
            INSERT INTO sync_conflicts (id, sync_id, external_id, status, base, remote, remote_changed_at, opened_at, updated_at) \
            VALUES (\(bind: conflict.id), \(bind: conflict.syncID), \(bind: conflict.externalID), \(bind: conflict.status.rawValue), \
            \(bind: try conflict.base.map { try JSONValue.object($0).serialized() }), \
            \(bind: try conflict.remote.map { try JSONValue.object($0).serialized() }), \
            \(bind: conflict.remoteChangedAt?.epochMilliseconds), \(bind: conflict.openedAt.epochMilliseconds), \
            \(bind: conflict.updatedAt.epochMilliseconds))
            """
        ).run()
        try await sql.raw(
            """
            UPDATE sync_records SET conflict_id = \(bind: conflict.id) WHERE sync_id = \(bind: conflict.syncID) \
            AND external_id = \(bind: conflict.externalID)
            """
        ).run()
        try await sql.raw(
            """
            UPDATE sync_changes SET status = 'conflict', conflict_id = \(bind: conflict.id), \
            reason = \(bind: "the provider changed the same record: conflict \(conflict.id)"), \
            updated_at = \(bind: conflict.openedAt.epochMilliseconds) WHERE id IN (\(binds: changeIDs))
            """
        ).run()
    }

    /// Adds pending changes to the record's open conflict `conflictID` (they were made while it was being opened).
    private static func join(_ ids: [String], conflictID: String, at now: Date, using sql: any SQLDatabase) async throws {
        try await sql.raw(
            """
            UPDATE sync_changes SET status = 'conflict', conflict_id = \(bind: conflictID), \
            reason = \(bind: "joined the open conflict \(conflictID)"), updated_at = \(bind: now.epochMilliseconds) \
            WHERE id IN (\(binds: ids)) AND status = 'pending'
            """
        ).run()
    }

    /// Resolves an open conflict in one transaction: records who resolved it and how, settles its changes, and commits
    /// `resolutionChange` (the resolved record, over the provider's version the person saw as base) for the push.
    public func resolve(
        conflictID: String, by person: String?, resolution: JSONValue, resolutionChange: SyncLocalChange,
        enqueue: @Sendable (any SQLDatabase) async throws -> Bool
    ) async throws -> SyncConflict {
        try await database.transaction { sql in
            let now = resolutionChange.createdAt.epochMilliseconds
            guard
                let row = try await sql.raw(
                    """
                    UPDATE sync_conflicts SET status = 'resolved', resolved_at = \(bind: now), resolved_by = \(bind: person), \
                    resolution = \(bind: try resolution.serialized()), resolution_change_id = \(bind: resolutionChange.id), \
                    updated_at = \(bind: now) WHERE id = \(bind: conflictID) AND status = 'open' RETURNING *
                    """
                ).first()
            else {
                let exists = try await sql.raw("SELECT id FROM sync_conflicts WHERE id = \(bind: conflictID)").first() != nil
                throw exists ? ChangeError.conflictResolved(conflictID) : ChangeError.conflictNotFound(conflictID)
            }
            let conflict = try Self.conflict(from: row)
            try await sql.raw(
                """
                UPDATE sync_changes SET status = 'resolved', reason = \(bind: "settled by the resolution of \(conflictID)"), \
                updated_at = \(bind: now) WHERE conflict_id = \(bind: conflictID) AND status = 'conflict'
                """
            ).run()
            // The person decided against the provider's version they saw: that is the resolution's base, and the record as
            // the provider holds it as far as is known. The hash stays that of the version the feed last showed, so the
            // pushed outcome is a change in the feed even when it is this version (the provider's side was taken).
            if let remote = conflict.remote.map(JSONValue.object) {
                try await sql.raw(
                    """
                    UPDATE sync_records SET raw = \(bind: try remote.serialized()), \
                    remote_modified_at = COALESCE(\(bind: conflict.remoteChangedAt?.epochMilliseconds), remote_modified_at) \
                    WHERE sync_id = \(bind: conflict.syncID) AND external_id = \(bind: conflict.externalID)
                    """
                ).run()
            }
            try await sql.raw(
                """
                UPDATE sync_records SET conflict_id = NULL, \
                base_data = \(bind: try conflict.remote.map { try JSONValue.object($0).serialized() } ?? "null"), \
                base_version = change_sequence WHERE sync_id = \(bind: conflict.syncID) AND external_id = \(bind: conflict.externalID)
                """
            ).run()
            var change = resolutionChange
            change.baseVersion = try await sql.raw(
                "SELECT change_sequence FROM sync_records WHERE sync_id = \(bind: conflict.syncID) AND external_id = \(bind: conflict.externalID)"
            ).first()?.decode(column: "change_sequence", as: Int64.self)
            try await Self.insert(change, using: sql)
            try await sql.raw("UPDATE syncs SET push_due_at = \(bind: now) WHERE id = \(bind: conflict.syncID)").run()
            if try await enqueue(sql) {
                try await sql.raw("UPDATE syncs SET push_due_at = NULL WHERE id = \(bind: conflict.syncID)").run()
            }
            return conflict
        }
    }

    // MARK: Reading

    /// The change `id` of `syncID`.
    public func change(syncID: String, id: String) async throws -> SyncLocalChange? {
        try await database.withSQL { sql in
            try await Self.changes(where: "sync_id = \(bind: syncID) AND id = \(bind: id)", using: sql).first
        }
    }

    /// The changes that are part of conflict `conflictID`, in order.
    public func changes(conflictID: String) async throws -> [SyncLocalChange] {
        try await database.withSQL { sql in
            try await Self.changes(where: "conflict_id = \(bind: conflictID)", using: sql)
        }
    }

    /// What a list of conflicts is narrowed to.
    public struct ConflictFilter: Sendable, Equatable {
        /// Only this sync's.
        public var syncID: String?
        /// Only in this status.
        public var status: SyncConflict.Status?

        /// A filter.
        public init(syncID: String? = nil, status: SyncConflict.Status? = nil) {
            self.syncID = syncID
            self.status = status
        }
    }

    /// A page of conflicts in id (opening) order after `cursor`.
    public func conflicts(_ filter: ConflictFilter, after cursor: String?, limit: Int) async throws -> [SyncConflict] {
        let query = PageQuery.sql(
            from: "sync_conflicts", after: cursor, filters: [("sync_id", filter.syncID), ("status", filter.status?.rawValue)], limit: limit)
        let rows = try await database.withSQL { sql in try await sql.raw(query).all() }
        return try rows.map(Self.conflict(from:))
    }

    /// The conflict `id`.
    public func conflict(id: String) async throws -> SyncConflict? {
        try await database.withSQL { sql in
            try await sql.raw("SELECT * FROM sync_conflicts WHERE id = \(bind: id)").first().map(Self.conflict(from:))
        }
    }

    /// Conflicts whose last status change has no message yet (at most `limit`).
    public func unannouncedConflicts(limit: Int) async throws -> [SyncConflict] {
        try await database.withSQL { sql in
            try await sql.raw(
                "SELECT * FROM sync_conflicts WHERE announced IS NULL OR announced <> status ORDER BY id LIMIT \(bind: limit)"
            ).all().map(Self.conflict(from:))
        }
    }

    /// Notes that the message for `conflict`'s status went out.
    public func markAnnounced(_ conflict: SyncConflict) async throws {
        try await database.withSQL { sql in
            try await sql.raw(
                "UPDATE sync_conflicts SET announced = \(bind: conflict.status.rawValue) WHERE id = \(bind: conflict.id)"
            ).run()
        }
    }

    // MARK: Rows

    /// Settles the bases of records whose changes were settled: a record with changes still pending has its base
    /// frozen at the record as now stored (the later changes apply over what was just agreed); any other thaws. A
    /// push's write (`written`) already thawed the records it stored, so only the rest are looked at.
    private static func settleBases(syncID: String, externalIDs: [String], written: Set<String>, using sql: any SQLDatabase) async throws {
        for chunk in externalIDs.chunked(into: 500) {
            let pending = try await sql.raw(
                """
                SELECT DISTINCT external_id FROM sync_changes WHERE sync_id = \(bind: syncID) AND status = 'pending' \
                AND external_id IN (\(binds: Array(chunk)))
                """
            ).all().map { try $0.decode(column: "external_id", as: String.self) }
            if !pending.isEmpty {
                try await sql.raw(
                    """
                    UPDATE sync_records SET base_data = raw, base_version = change_sequence \
                    WHERE sync_id = \(bind: syncID) AND external_id IN (\(binds: pending))
                    """
                ).run()
            }
            let stillFrozen = Set(pending)
            let thawing = chunk.filter { !written.contains($0) && !stillFrozen.contains($0) }
            if !thawing.isEmpty {
                try await sql.raw(
                    """
                    UPDATE sync_records SET base_data = NULL, base_version = change_sequence \
                    WHERE sync_id = \(bind: syncID) AND external_id IN (\(binds: thawing)) AND base_data IS NOT NULL
                    """
                ).run()
            }
        }
    }

    /// The records `externalIDs` of `syncID` as stored, by id (deleted ones included).
    public func records(syncID: String, externalIDs: [String]) async throws -> [String: StoredRecord] {
        let found = try await database.withSQL { sql in try await Self.records(syncID: syncID, externalIDs: externalIDs, using: sql) }
        return Dictionary(found.map { ($0.externalID, $0) }, uniquingKeysWith: { first, _ in first })
    }

    static func record(syncID: String, externalID: String, using sql: any SQLDatabase) async throws -> StoredRecord? {
        try await records(syncID: syncID, externalIDs: [externalID], using: sql).first
    }

    /// The stored records among `externalIDs`, in no particular order.
    static func records(syncID: String, externalIDs: [String], using sql: any SQLDatabase) async throws -> [StoredRecord] {
        var found: [StoredRecord] = []
        for chunk in externalIDs.chunked(into: 500) {
            let rows = try await sql.raw(
                """
                SELECT external_id, raw, base_data, change_sequence, deleted, conflict_id, remote_modified_at, local_key \
                FROM sync_records WHERE sync_id = \(bind: syncID) AND external_id IN (\(binds: Array(chunk)))
                """
            ).all()
            found += try rows.map(storedRecord(from:))
        }
        return found
    }

    private static func storedRecord(from row: any SQLRow) throws -> StoredRecord {
        let externalID = try row.decode(column: "external_id", as: String.self)
        let rawText = try row.decode(column: "raw", as: String.self)
        let raw = (try? JSONValue.parse(rawText))?.objectValue ?? [:]
        // A base frozen while the record stood still is the same text: parsed once.
        let frozen = try row.decode(column: "base_data", as: String?.self).flatMap { $0 == rawText ? .object(raw) : try? JSONValue.parse($0) }
        return StoredRecord(
            externalID: externalID, raw: raw, base: frozen.map(\.objectValue) ?? raw, baseFrozen: frozen != nil,
            version: try row.decode(column: "change_sequence", as: Int64.self),
            deleted: try row.decode(column: "deleted", as: Int64.self) != 0,
            conflictID: try row.decode(column: "conflict_id", as: String?.self),
            remoteModifiedAt: try row.decode(column: "remote_modified_at", as: Int64?.self).map(Date.init(epochMilliseconds:)),
            localKey: try row.decode(column: "local_key", as: String?.self))
    }

    /// Inserts `change`; `false` when a change with its local key already exists (nothing was inserted).
    @discardableResult
    private static func insert(_ change: SyncLocalChange, using sql: any SQLDatabase) async throws -> Bool {
        try await !sql.raw(
            """
            INSERT INTO sync_changes (id, sync_id, external_id, local_key, operation, fields, base_version, status, reason, attempts, \
            failures, first_attempt_at, available_at, conflict_id, created_at, updated_at, pushed_at) VALUES (\(bind: change.id), \
            \(bind: change.syncID), \(bind: change.externalID), \(bind: change.localKey), \(bind: change.operation.rawValue), \
            \(bind: try change.fields.map { try JSONValue.object($0).serialized() }), \(bind: change.baseVersion), \
            \(bind: change.status.rawValue), \(bind: change.reason), \(bind: change.attempts), \(bind: change.failures), \
            \(bind: change.firstAttemptAt?.epochMilliseconds), \(bind: change.availableAt.epochMilliseconds), \(bind: change.conflictID), \
            \(bind: change.createdAt.epochMilliseconds), \(bind: change.updatedAt.epochMilliseconds), \(bind: change.pushedAt?.epochMilliseconds)) \
            ON CONFLICT (sync_id, local_key) WHERE local_key IS NOT NULL DO NOTHING RETURNING id
            """
        ).all().isEmpty
    }

    private static func changes(where condition: SQLQueryString, limit: Int? = nil, using sql: any SQLDatabase) async throws
        -> [SyncLocalChange]
    {
        var query: SQLQueryString = "SELECT * FROM sync_changes WHERE " + condition + " ORDER BY id"
        if let limit { query = query + " LIMIT \(bind: limit)" }
        let rows = try await sql.raw(query).all()
        return try rows.map { row in
            var change = SyncLocalChange(
                id: try row.decode(column: "id", as: String.self), syncID: try row.decode(column: "sync_id", as: String.self),
                externalID: try row.decode(column: "external_id", as: String?.self), localKey: try row.decode(column: "local_key", as: String?.self),
                operation: SyncLocalChange.Operation(rawValue: try row.decode(column: "operation", as: String.self)) ?? .update,
                fields: try row.decode(column: "fields", as: String?.self).flatMap { try? JSONValue.parse($0) }?.objectValue,
                baseVersion: try row.decode(column: "base_version", as: Int64?.self),
                now: Date(epochMilliseconds: try row.decode(column: "created_at", as: Int64.self)))
            change.status = SyncLocalChange.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending
            change.reason = try row.decode(column: "reason", as: String?.self)
            change.attempts = Int(try row.decode(column: "attempts", as: Int64.self))
            change.failures = Int(try row.decode(column: "failures", as: Int64.self))
            change.firstAttemptAt = try row.decode(column: "first_attempt_at", as: Int64?.self).map(Date.init(epochMilliseconds:))
            change.availableAt = Date(epochMilliseconds: try row.decode(column: "available_at", as: Int64.self))
            change.conflictID = try row.decode(column: "conflict_id", as: String?.self)
            change.updatedAt = Date(epochMilliseconds: try row.decode(column: "updated_at", as: Int64.self))
            change.pushedAt = try row.decode(column: "pushed_at", as: Int64?.self).map(Date.init(epochMilliseconds:))
            return change
        }
    }

    static func conflict(from row: any SQLRow) throws -> SyncConflict {
        func object(_ column: String) throws -> JSONObject? {
            try row.decode(column: column, as: String?.self).flatMap { try? JSONValue.parse($0) }?.objectValue
        }
        var conflict = SyncConflict(
            id: try row.decode(column: "id", as: String.self), syncID: try row.decode(column: "sync_id", as: String.self),
            externalID: try row.decode(column: "external_id", as: String.self), base: try object("base"), remote: try object("remote"),
            remoteChangedAt: try row.decode(column: "remote_changed_at", as: Int64?.self).map(Date.init(epochMilliseconds:)),
            now: Date(epochMilliseconds: try row.decode(column: "opened_at", as: Int64.self)))
        conflict.status = SyncConflict.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .open
        conflict.updatedAt = Date(epochMilliseconds: try row.decode(column: "updated_at", as: Int64.self))
        conflict.resolvedAt = try row.decode(column: "resolved_at", as: Int64?.self).map(Date.init(epochMilliseconds:))
        conflict.resolvedBy = try row.decode(column: "resolved_by", as: String?.self)
        conflict.resolution = try row.decode(column: "resolution", as: String?.self).flatMap { try? JSONValue.parse($0) }
        conflict.resolutionChangeID = try row.decode(column: "resolution_change_id", as: String?.self)
        conflict.announced = try row.decode(column: "announced", as: String?.self).flatMap(SyncConflict.Status.init(rawValue:))
        return conflict
    }
}
