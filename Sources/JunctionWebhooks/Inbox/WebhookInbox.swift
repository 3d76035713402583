import Foundation
import JunctionCore
import JunctionStore
import Logging
import SQLKit

/// The durable inbox of verified webhooks, written with group commit.
///
/// A sender's 2xx must wait until its event is committed, but one transaction per request would cap ingest at the
/// disk's fsync rate and the store's statement rate. So requests share transactions (``GroupCommit``): each flush
/// writes every entry waiting with one multi-row `INSERT … ON CONFLICT DO NOTHING` into the inbox (a ``BulkInsert``,
/// which SQLite binds without SQLKit's generic encoder) and one processing job for all of them, then resumes the
/// requests.
public final class WebhookInbox: Sendable {
    /// What became of one entry.
    public enum CommitOutcome: Sendable, Equatable {
        /// Stored under this id; the flush's processing job is enqueued in the same transaction.
        case stored(id: String)
        /// The connection already has an event with this provider event id: acknowledged, stored once.
        case duplicate
    }

    /// The job kind that processes inbox events.
    public static let processJobKind = "webhook.process"

    private let commits: GroupCommit<InboxEntry, CommitOutcome>

    /// How the inbox's flushes gather under load: up to 1 ms more, unless 32 events are already waiting, and only once
    /// 16 were seen waiting at once. With 64 concurrent senders this took batches from about 10 events to 17–25 and cut
    /// the store's CPU per event by about a fifth to a third; a webhook arriving at an idle server is committed at
    /// once.
    public static let defaultGathering = FlushGathering(delay: .milliseconds(1), target: 32)

    /// An inbox over `database` whose events are processed through `queue`, in batches of at most `maxBatch`,
    /// gathered under load as `gathering` says (`nil`: never wait). `committed` learns how many entries each
    /// transaction held (a metric of how well group commit is batching).
    public init(
        database: Database, queue: JobQueue, maxBatch: Int = 256, gathering: FlushGathering? = WebhookInbox.defaultGathering,
        logger: Logger, committed: @escaping @Sendable (_ entries: Int) -> Void = { _ in }
    ) {
        self.commits = GroupCommit(maxBatch: maxBatch, executor: database.executor, gathering: gathering) { entries in
            do {
                let outcomes = try await Self.write(entries, database: database, queue: queue)
                committed(entries.count)
                return outcomes
            } catch {
                logger.error("inbox write failed", metadata: ["events": "\(entries.count)", "error": "\(error)"])
                throw error
            }
        }
    }

    /// Commits `entry` (or finds it a duplicate) and returns once that is durable.
    public func commit(_ entry: InboxEntry) async throws -> CommitOutcome {
        try await commits.submit(entry)
    }

    /// The inbox's insert, its statement text made once.
    private static let insertTemplate = BulkInsert(
        table: "webhook_events",
        columns: [
            "id", "connection_id", "provider", "external_id", "type", "occurred_at", "received_at", "headers", "body", "status",
            "attempts", "replays", "trace_context",
        ],
        conflictColumns: ["connection_id", "external_id"],
        returning: "id"
    )

    /// Writes a batch in one transaction; the outcome of each entry is at its index.
    static func write(_ entries: [InboxEntry], database: Database, queue: JobQueue) async throws -> [CommitOutcome] {
        var insert = Self.insertTemplate
        insert.reserveCapacity(rows: entries.count)
        for entry in entries {
            insert.append([
                .text(entry.id), .text(entry.connectionID), .text(entry.provider), .text(entry.identity.eventID),
                .text(entry.identity.type), entry.identity.occurredAt.map { .integer($0.epochMilliseconds) } ?? .null,
                .integer(entry.receivedAt.epochMilliseconds), .text(entry.headersJSON), .text(entry.body), .text("received"),
                .integer(0), .integer(0), entry.trace.map { .text($0.serialized) } ?? .null,
            ])
        }
        let rows = insert
        let stored = try await database.transaction { sql in
            let ids = Set(try await database.run(rows, on: sql).compactMap(\.text))
            // One processing job for the whole flush: the processor loads and records its events in batches too. The
            // job belongs to no one request's trace; each event's processing continues its own.
            let stored = entries.filter { ids.contains($0.id) }.map(\.id)
            if !stored.isEmpty { _ = try await queue.enqueue([WebhookEventProcessor.job(for: stored)], using: sql) }
            return ids
        }
        queue.wakeLocalWorkers()
        return entries.map { stored.contains($0.id) ? .stored(id: $0.id) : .duplicate }
    }
}
