import Foundation
import JunctionCore
import JunctionStore
import Logging
import SQLKit
import Synchronization

/// The durable inbox of verified webhooks, written with group commit.
///
/// A sender's 2xx must wait until its event is committed, but one transaction per request would cap ingest at the
/// disk's fsync rate. So requests queue their entries here; one flush at a time takes everything queued, writes it
/// in a single transaction (one multi-row `INSERT … ON CONFLICT DO NOTHING` into the inbox, one into the job queue)
/// and then resumes every waiting request. While a flush runs, new arrivals gather for the next one, so under load
/// batches grow and the cost of a commit is shared; when idle, a lone request is flushed at once.
public final class WebhookInbox: Sendable {
    /// What became of one entry.
    public enum CommitOutcome: Sendable, Equatable {
        /// Stored under this id, with a processing job enqueued in the same transaction.
        case stored(id: String)
        /// The connection already has an event with this provider event id: acknowledged, stored once.
        case duplicate
    }

    /// The job kind that processes inbox events.
    public static let processJobKind = "webhook.process"

    private struct Waiting {
        let entry: InboxEntry
        let continuation: CheckedContinuation<CommitOutcome, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var flushing = false
    }

    private let database: Database
    private let queue: JobQueue
    private let maxBatch: Int
    private let processingAttempts: Int
    private let logger: Logger
    private let state = Mutex(State())

    /// An inbox over `database` whose events are processed through `queue`, in batches of at most `maxBatch`.
    public init(database: Database, queue: JobQueue, maxBatch: Int = 256, processingAttempts: Int = 10, logger: Logger) {
        self.database = database
        self.queue = queue
        self.maxBatch = max(1, maxBatch)
        self.processingAttempts = processingAttempts
        self.logger = logger
    }

    /// Commits `entry` (or finds it a duplicate) and returns once that is durable.
    public func commit(_ entry: InboxEntry) async throws -> CommitOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let leads = state.withLock { state in
                state.waiting.append(Waiting(entry: entry, continuation: continuation))
                guard !state.flushing else { return false }
                state.flushing = true
                return true
            }
            // The flush runs in its own task: it serves every waiting request, so it must not be cancelled with
            // the one request (whose client may hang up) that happened to start it.
            if leads { Task { await self.flushUntilEmpty() } }
        }
    }

    private func flushUntilEmpty() async {
        while let batch = nextBatch() {
            do {
                let outcomes = try await write(batch.map(\.entry))
                for (waiting, outcome) in zip(batch, outcomes) { waiting.continuation.resume(returning: outcome) }
            } catch {
                logger.error("inbox write failed", metadata: ["events": "\(batch.count)", "error": "\(error)"])
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }

    private func nextBatch() -> [Waiting]? {
        state.withLock { state in
            guard !state.waiting.isEmpty else {
                state.flushing = false
                return nil
            }
            let batch = Array(state.waiting.prefix(maxBatch))
            state.waiting.removeFirst(batch.count)
            return batch
        }
    }

    /// Writes a batch in one transaction; the outcome of each entry is at its index.
    func write(_ entries: [InboxEntry]) async throws -> [CommitOutcome] {
        var rows: [SQLQueryString] = []
        rows.reserveCapacity(entries.count)
        for entry in entries {
            let headers = try JSONValue.object(entry.headers.mapValues(JSONValue.string)).serialized()
            rows.append(
                """
                (\(bind: entry.id), \(bind: entry.connectionID), \(bind: entry.provider), \(bind: entry.identity.eventID), \
                \(bind: entry.identity.type), \(bind: entry.identity.occurredAt?.epochMilliseconds), \
                \(bind: entry.receivedAt.epochMilliseconds), \(bind: headers), \(bind: entry.body), 'received', 0, 0)
                """
            )
        }
        let values = rows.joined(separator: ", ")
        let stored = try await database.transaction { sql in
            let inserted = try await sql.raw(
                """
                INSERT INTO webhook_events (id, connection_id, provider, external_id, type, occurred_at, received_at, \
                headers, body, status, attempts, replays) VALUES \(values) \
                ON CONFLICT (connection_id, external_id) DO NOTHING RETURNING id
                """
            ).all()
            let ids = Set(try inserted.map { try $0.decode(column: "id", as: String.self) })
            let jobs = entries.filter { ids.contains($0.id) }.map { entry in
                JobRequest(
                    kind: Self.processJobKind,
                    payload: ["eventId": .string(entry.id)],
                    uniqueKey: entry.id,
                    maxAttempts: self.processingAttempts
                )
            }
            if !jobs.isEmpty { _ = try await self.queue.enqueue(jobs, using: sql) }
            return ids
        }
        queue.wakeLocalWorkers()
        return entries.map { stored.contains($0.id) ? .stored(id: $0.id) : .duplicate }
    }
}
