import Foundation
import JunctionCore
import SQLKit

/// A job that used every attempt, kept for a person to look at and run again.
public struct DeadJob: Sendable, Equatable {
    /// The job's id.
    public var id: Int64
    /// Its handler's name.
    public var kind: String
    /// Its input, as stored.
    public var payload: String
    /// The attempts it made.
    public var attempts: Int
    /// What its last attempt failed with.
    public var lastError: String?
    /// When it died.
    public var diedAt: Date
}

extension JobQueue {
    /// Dead jobs, newest first, `limit` at a time after `cursor` (the last id of the previous page); `kind` filters.
    public func deadJobs(kind: String? = nil, before cursor: Int64? = nil, limit: Int = 50) async throws -> [DeadJob] {
        let kindFilter: SQLQueryString = kind.map { "AND kind = \(bind: $0)" } ?? ""
        let cursorFilter: SQLQueryString = cursor.map { "AND id < \(bind: $0)" } ?? ""
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                """
                SELECT id, kind, payload, attempts, last_error, updated_at FROM jobs WHERE status = 'dead' \(kindFilter) \(cursorFilter) \
                ORDER BY id DESC LIMIT \(bind: max(1, min(limit, 500)))
                """
            ).all()
        }
        return try rows.map { row in
            DeadJob(
                id: try row.decode(column: "id", as: Int64.self), kind: try row.decode(column: "kind", as: String.self),
                payload: try row.decode(column: "payload", as: String.self), attempts: try row.decode(column: "attempts", as: Int.self),
                lastError: try row.decode(column: "last_error", as: String?.self),
                diedAt: Date(epochMilliseconds: try row.decode(column: "updated_at", as: Int64.self)))
        }
    }

    /// What asking a dead job to run again did.
    public enum RetryOutcome: Sendable, Equatable {
        /// It is queued with a fresh set of attempts.
        case queued
        /// No dead job has this id.
        case notDead
        /// A job of the same kind and key is already waiting or running; that one will do the work.
        case duplicate
    }

    /// Runs a dead job again with a fresh set of attempts, due now. A keyed job is left dead when another with its
    /// key waits or runs (the dedup index allows one).
    public func retryDead(id: Int64) async throws -> RetryOutcome {
        let timestamp = now().epochMilliseconds
        let outcome = try await database.withSQL { sql -> RetryOutcome in
            do {
                let revived = try await sql.raw(
                    """
                    UPDATE jobs SET status = 'queued', attempts = 0, lease_token = NULL, available_at = \(bind: timestamp), \
                    updated_at = \(bind: timestamp) \
                    WHERE id = \(bind: id) AND status = 'dead' AND (unique_key IS NULL OR NOT EXISTS (\
                    SELECT 1 FROM jobs other WHERE other.kind = jobs.kind AND other.unique_key = jobs.unique_key AND other.status <> 'dead')) \
                    RETURNING id
                    """
                ).all()
                if !revived.isEmpty { return .queued }
            } catch {
                // A job with the key was enqueued or revived between the check and the write (the dedup index refused
                // this one); anything else is a real failure.
                guard try await Self.keyTaken(ofDeadJob: id, using: sql) else { throw error }
                return .duplicate
            }
            let dead = try await sql.raw("SELECT id FROM jobs WHERE id = \(bind: id) AND status = 'dead'").first()
            return dead == nil ? .notDead : .duplicate
        }
        if outcome == .queued { try await notifyAvailable() }
        return outcome
    }

    /// Whether dead job `id` still is, and another job of its kind holds its key.
    private static func keyTaken(ofDeadJob id: Int64, using sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw(
            """
            SELECT dead.id FROM jobs dead JOIN jobs other ON other.kind = dead.kind AND other.unique_key = dead.unique_key \
            AND other.status <> 'dead' WHERE dead.id = \(bind: id) AND dead.status = 'dead'
            """
        ).first() != nil
    }
}
