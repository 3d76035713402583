import Foundation
import JunctionCore
import JunctionStore
import JunctionWebhooks

/// Tells the application about its syncs through the outbound webhooks: `sync.records.changed` (what changed since the
/// last announcement, at most once a second per sync), `sync.run.failed`, `sync.run.recovered`, and
/// `sync.conflict.opened` / `sync.conflict.resolved`.
///
/// An announcement is due in the same transaction as the changes it covers, and is marked sent only after its message
/// is committed, so none is lost when a process dies; one may then be sent twice (under the same idempotency key when
/// nothing changed in between), which receivers of webhooks must tolerate anyway.
public struct SyncAnnouncer: Sendable {
    /// The message type for changes.
    public static let recordsChanged = "sync.records.changed"
    /// The message type for a failed run.
    public static let runFailed = "sync.run.failed"
    /// The message type for the first run that succeeds after failures.
    public static let runRecovered = "sync.run.recovered"
    /// The message type for a conflict a person must resolve.
    public static let conflictOpened = "sync.conflict.opened"
    /// The message type for a resolved conflict.
    public static let conflictResolved = "sync.conflict.resolved"

    let database: Database
    let dispatcher: MessageDispatcher

    /// An announcer publishing through `dispatcher`.
    public init(database: Database, dispatcher: MessageDispatcher) {
        self.database = database
        self.dispatcher = dispatcher
    }

    /// Announces every sync whose announcement is due (at most `limit`); how many messages went out.
    @discardableResult
    public func announceDue(limit: Int = 100) async throws -> Int {
        let store = SyncRecordStore(database: database)
        let repository = SyncRepository(database: database)
        var sent = 0
        for (syncID, hold) in try await store.claimAnnouncements(lease: .seconds(60), limit: limit) {
            guard let sync = try await repository.find(id: syncID) else { continue }
            let previous = sync.notifiedSequence
            let summary = try await store.summary(syncID: syncID, after: previous)
            if let through = summary.through, summary.counts.hasChanges {
                let payload: JSONValue = [
                    "syncId": .string(sync.id), "connectionId": .string(sync.connectionID), "resource": .string(sync.resource),
                    "added": .integer(exactly: summary.counts.added), "updated": .integer(exactly: summary.counts.updated),
                    "deleted": .integer(exactly: summary.counts.deleted),
                    // Reading the feed from here returns exactly these changes (and any made since).
                    "cursor": .string(FeedCursor.encode(FeedPosition(sequence: previous, externalID: ""), syncID: sync.id)),
                ]
                _ = try await dispatcher.publish(
                    eventType: Self.recordsChanged, payload: payload, idempotencyKey: "\(sync.id):changed:\(previous):\(through)")
                sent += 1
            }
            try await store.finishAnnouncement(syncID: syncID, through: summary.through, previous: previous, hold: hold)
        }
        return sent
    }

    /// Announces that a run of `sync` failed, and why.
    public func runFailed(_ sync: SyncDefinition, runID: String, error: String) async throws {
        let payload: JSONValue = [
            "syncId": .string(sync.id), "connectionId": .string(sync.connectionID), "resource": .string(sync.resource),
            "runId": .string(runID), "error": .string(error), "consecutiveFailures": .integer(exactly: Int64(sync.consecutiveFailures + 1)),
        ]
        _ = try await dispatcher.publish(eventType: Self.runFailed, payload: payload, idempotencyKey: "\(runID):failed")
    }

    /// Announces that a run of `sync` succeeded after `failures` failed ones.
    public func runRecovered(_ sync: SyncDefinition, runID: String, failures: Int) async throws {
        let payload: JSONValue = [
            "syncId": .string(sync.id), "connectionId": .string(sync.connectionID), "resource": .string(sync.resource),
            "runId": .string(runID), "failedRuns": .integer(exactly: Int64(failures)),
        ]
        _ = try await dispatcher.publish(eventType: Self.runRecovered, payload: payload, idempotencyKey: "\(runID):recovered")
    }

    /// What a conflict message says: which record of which sync, and how it was resolved (the whole record stays in the
    /// API, at `GET /api/v1/conflicts/{id}`).
    static func payload(_ conflict: SyncConflict, sync: SyncDefinition?) -> JSONObject {
        var payload: JSONObject = [
            "conflictId": .string(conflict.id), "syncId": .string(conflict.syncID), "externalId": .string(conflict.externalID),
            "status": .string(conflict.status.rawValue), "openedAt": .string(conflict.openedAt.formatted(.iso8601)),
        ]
        if let sync {
            payload["connectionId"] = .string(sync.connectionID)
            payload["resource"] = .string(sync.resource)
        }
        if let resolvedAt = conflict.resolvedAt { payload["resolvedAt"] = .string(resolvedAt.formatted(.iso8601)) }
        if let person = conflict.resolvedBy { payload["resolvedBy"] = .string(person) }
        if let take = conflict.resolution?["take"] { payload["resolution"] = take } else if conflict.resolution != nil { payload["resolution"] = "record" }
        if let change = conflict.resolutionChangeID { payload["resolutionChangeId"] = .string(change) }
        return payload
    }

    /// Sends the messages of conflicts opened or resolved since the last call (at most `limit`); a conflict is marked
    /// announced only after its message is committed, so a process dying in between sends it on the next tick.
    @discardableResult
    public func announceConflicts(limit: Int = 100) async throws -> Int {
        let store = SyncChangeStore(database: database)
        let repository = SyncRepository(database: database)
        var sent = 0
        for conflict in try await store.unannouncedConflicts(limit: limit) {
            let sync = try await repository.find(id: conflict.syncID)
            // A conflict resolved before its opening went out is announced as opened first, so receivers see both.
            let statuses: [SyncConflict.Status] = conflict.status == .resolved && conflict.announced == nil ? [.open, .resolved] : [conflict.status]
            for status in statuses {
                _ = try await dispatcher.publish(
                    eventType: status == .open ? Self.conflictOpened : Self.conflictResolved, payload: .object(Self.payload(conflict, sync: sync)),
                    idempotencyKey: "\(conflict.id):\(status.rawValue)")
                sent += 1
            }
            try await store.markAnnounced(conflict)
        }
        return sent
    }
}
