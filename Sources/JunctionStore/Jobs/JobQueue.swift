import Foundation
import JunctionCore
import Logging
import SQLKit

/// The durable job queue every background task runs on: token refreshes, webhook processing, deliveries, syncs.
///
/// A job is a row. Leasing marks it `running` with a random token and an expiry in `available_at`; a job whose
/// lease expires is due again, so a crashed worker's job is re-run by another. Finished jobs are deleted; jobs
/// out of attempts stay as `dead`. Every hot operation takes a batch and costs one statement, which is what lets
/// one SQLite process or a pool of PostgreSQL nodes move thousands of jobs a second. On PostgreSQL, leases use
/// `FOR UPDATE SKIP LOCKED`, so concurrent workers never take the same job, and enqueues `NOTIFY` idle workers.
public final class JobQueue: Sendable {
    /// How the queue schedules work.
    public struct Configuration: Sendable {
        /// Attempts a job gets unless its request says otherwise.
        public var defaultMaxAttempts: Int = 10
        /// Priority per job kind (higher first); kinds not listed have priority 0.
        public var priorities: [String: Int] = [:]

        /// The default configuration.
        public init(defaultMaxAttempts: Int = 10, priorities: [String: Int] = [:]) {
            self.defaultMaxAttempts = defaultMaxAttempts
            self.priorities = priorities
        }
    }

    /// The PostgreSQL channel enqueues notify.
    public static let notificationChannel = "junction_jobs"

    let database: Database
    let configuration: Configuration
    let wakeUps: JobWakeUps
    let now: @Sendable () -> Date

    /// A queue over `database`; `now` is injectable so tests can move time.
    public init(
        database: Database,
        configuration: Configuration = .init(),
        logger: Logger = Logger(label: "junction.jobs"),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.database = database
        self.configuration = configuration
        self.wakeUps = JobWakeUps(database: database, logger: logger)
        self.now = now
    }

    // MARK: Enqueue

    /// Adds one job in its own transaction.
    @discardableResult
    public func enqueue(_ request: JobRequest) async throws -> EnqueueOutcome {
        try await enqueue([request])[0]
    }

    /// Adds jobs in one transaction; the outcome of each request is at its index.
    @discardableResult
    public func enqueue(_ requests: [JobRequest]) async throws -> [EnqueueOutcome] {
        guard !requests.isEmpty else { return [] }
        let outcomes = try await database.transaction { sql in try await self.enqueue(requests, using: sql) }
        wakeUps.signal()
        return outcomes
    }

    /// Wakes this process's idle workers, after a transaction that used ``enqueue(_:using:)`` has committed
    /// (other processes hear of the jobs through the store's own notification).
    public func wakeLocalWorkers() {
        wakeUps.signal()
    }

    /// Adds jobs inside the caller's transaction, so the jobs commit (or vanish) with the caller's other writes.
    /// `sql` must be the one a ``Database/transaction(_:)`` body of this queue's database was given. Call
    /// ``wakeLocalWorkers()`` once it has committed.
    public func enqueue(_ requests: [JobRequest], using sql: any SQLDatabase) async throws -> [EnqueueOutcome] {
        let timestamp = now().epochMilliseconds
        var outcomes = [EnqueueOutcome](repeating: .duplicate, count: requests.count)
        // Jobs without a unique key cannot conflict: they go in one bulk insert (bound without SQLKit's generic
        // encoding, which showed in every inbox flush), their ids back in order. Keyed jobs need the conflict check.
        let keyless = requests.indices.filter { requests[$0].uniqueKey == nil }
        for chunk in keyless.chunked(into: 500) {
            var insert = Self.keylessInsert
            insert.reserveCapacity(rows: chunk.count)
            for index in chunk {
                let request = requests[index]
                insert.append([
                    .text(request.kind), .text(try request.payload.serialized()), .text("queued"),
                    .integer(Int64(priority(of: request))), .integer(0), .integer(Int64(maxAttempts(of: request))),
                    .integer(request.runAt?.epochMilliseconds ?? timestamp), .integer(timestamp), .integer(timestamp),
                    request.trace.map { .text($0.serialized) } ?? .null,
                ])
            }
            // Ids are handed out in the order of the rows, whatever order the engine returns them in; every row
            // comes back (``Database/run(_:on:)`` checks), each with its id.
            let ids = try await database.run(insert, on: sql).compactMap(\.integer).sorted()
            for (index, id) in zip(chunk, ids) { outcomes[index] = .enqueued(id: id) }
        }
        let keyed = requests.indices.filter { requests[$0].uniqueKey != nil }
        for chunk in keyed.chunked(into: 500) {
            var values: [SQLQueryString] = []
            for index in chunk {
                let request = requests[index]
                let payload = try request.payload.serialized()
                let availableAt = request.runAt?.epochMilliseconds ?? timestamp
                values.append(
                    """
                    (\(bind: request.kind), \(bind: payload), \(bind: request.uniqueKey), 'queued', \(bind: priority(of: request)), 0, \
                    \(bind: maxAttempts(of: request)), \(bind: availableAt), \(bind: timestamp), \(bind: timestamp), \
                    \(bind: request.trace?.serialized))
                    """
                )
            }
            let rows = try await sql.raw(
                """
                INSERT INTO jobs (kind, payload, unique_key, status, priority, attempts, max_attempts, available_at, \
                created_at, updated_at, trace_context) VALUES \(values.joined(separator: ", ")) ON CONFLICT DO NOTHING RETURNING id, kind, unique_key
                """
            ).all()
            // RETURNING lists only the inserted rows.
            var inserted: [String: Int64] = [:]
            for row in rows {
                let key = try row.decode(column: "kind", as: String.self) + "\u{0}" + row.decode(column: "unique_key", as: String.self)
                inserted[key] = try row.decode(column: "id", as: Int64.self)
            }
            for index in chunk {
                let request = requests[index]
                if let id = inserted.removeValue(forKey: request.kind + "\u{0}" + (request.uniqueKey ?? "")) {
                    outcomes[index] = .enqueued(id: id)
                }
            }
        }
        try await database.notifyJobsAvailable(on: sql)
        return outcomes
    }

    /// The insert for jobs without a unique key (the column is left NULL), its statement text made once.
    private static let keylessInsert = BulkInsert(
        table: "jobs",
        columns: [
            "kind", "payload", "status", "priority", "attempts", "max_attempts", "available_at", "created_at", "updated_at",
            "trace_context",
        ],
        conflictColumns: [],
        returning: "id",
        returnedKind: .integer
    )

    private func priority(of request: JobRequest) -> Int {
        request.priority ?? configuration.priorities[request.kind] ?? 0
    }

    private func maxAttempts(of request: JobRequest) -> Int {
        max(1, request.maxAttempts ?? configuration.defaultMaxAttempts)
    }

    // MARK: Lease

    /// Leases up to `limit` due jobs, highest priority first, for `duration`. `kinds` restricts the kinds taken.
    public func lease(kinds: [String]? = nil, limit: Int, for duration: Duration) async throws -> [LeasedJob] {
        guard limit > 0 else { return [] }
        if let kinds, kinds.isEmpty { return [] }
        let timestamp = now().epochMilliseconds
        let token = UUID().uuidString
        let expiry = timestamp + duration.milliseconds
        let kindFilter: SQLQueryString = kinds.map { "AND kind IN (\(binds: $0))" } ?? ""
        let locking: SQLQueryString = database.dialect == .postgres ? "FOR UPDATE SKIP LOCKED" : ""
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                """
                UPDATE jobs SET status = 'running', lease_token = \(bind: token), attempts = attempts + 1, \
                available_at = \(bind: expiry), updated_at = \(bind: timestamp)
                WHERE id IN (
                    SELECT id FROM jobs
                    WHERE status <> 'dead' AND available_at <= \(bind: timestamp) AND attempts < max_attempts \(kindFilter)
                    ORDER BY priority DESC, available_at
                    LIMIT \(bind: limit) \(locking)
                )
                RETURNING id, kind, payload, unique_key, attempts, max_attempts, priority, created_at, trace_context
                """
            ).all()
        }
        var jobs: [(priority: Int, job: LeasedJob)] = []
        jobs.reserveCapacity(rows.count)
        for row in rows {
            let payloadText = try row.decode(column: "payload", as: String.self)
            let job = LeasedJob(
                id: try row.decode(column: "id", as: Int64.self),
                kind: try row.decode(column: "kind", as: String.self),
                payload: (try? JSONValue.parse(payloadText)) ?? .string(payloadText),
                uniqueKey: try row.decode(column: "unique_key", as: String?.self),
                attempt: try row.decode(column: "attempts", as: Int.self),
                maxAttempts: try row.decode(column: "max_attempts", as: Int.self),
                enqueuedAt: Date(epochMilliseconds: try row.decode(column: "created_at", as: Int64.self)),
                leaseToken: token,
                trace: TraceContext(serialized: try row.decode(column: "trace_context", as: String?.self))
            )
            jobs.append((try row.decode(column: "priority", as: Int.self), job))
        }
        return jobs.sorted { ($0.priority, $1.job.id) > ($1.priority, $0.job.id) }.map(\.job)
    }

    /// Extends the leases of jobs still held; returns the ids whose lease was extended (the rest were lost).
    public func heartbeat(_ jobs: [LeasedJob], extendBy duration: Duration) async throws -> Set<Int64> {
        let timestamp = now().epochMilliseconds
        var extended: Set<Int64> = []
        for (token, group) in Dictionary(grouping: jobs, by: \.leaseToken) {
            let ids = group.map(\.id)
            let rows = try await database.withSQL { sql in
                try await sql.raw(
                    """
                    UPDATE jobs SET available_at = \(bind: timestamp + duration.milliseconds), updated_at = \(bind: timestamp)
                    WHERE lease_token = \(bind: token) AND status = 'running' AND id IN (\(binds: ids)) RETURNING id
                    """
                ).all()
            }
            for row in rows { extended.insert(try row.decode(column: "id", as: Int64.self)) }
        }
        return extended
    }

    // MARK: Finish

    /// Marks jobs done (deletes them) in as few statements as there are distinct leases; returns the ids
    /// completed. A job whose lease was lost to another worker is not touched and not returned.
    @discardableResult
    public func complete(_ jobs: [LeasedJob]) async throws -> Set<Int64> {
        var completed: Set<Int64> = []
        for (token, group) in Dictionary(grouping: jobs, by: \.leaseToken) {
            for chunk in group.map(\.id).chunked(into: 500) {
                let rows = try await database.withSQL { sql in
                    try await sql.raw(
                        "DELETE FROM jobs WHERE lease_token = \(bind: token) AND id IN (\(binds: Array(chunk))) RETURNING id"
                    ).all()
                }
                for row in rows { completed.insert(try row.decode(column: "id", as: Int64.self)) }
            }
        }
        return completed
    }

    /// Records a failed attempt: the job runs again at `retryAt`, or becomes dead after its last attempt
    /// (or at once with `forceDead`, for failures no retry can mend).
    @discardableResult
    public func fail(
        _ job: LeasedJob,
        error message: String,
        retryAt: Date,
        forceDead: Bool = false
    ) async throws -> JobFailureOutcome {
        let timestamp = now().epochMilliseconds
        let row = try await database.withSQL { sql in
            try await sql.raw(
                """
                UPDATE jobs SET status = CASE WHEN attempts >= max_attempts OR \(bind: forceDead ? 1 : 0) = 1 THEN 'dead' ELSE 'queued' END, \
                lease_token = NULL, last_error = \(bind: String(message.prefix(2000))), \
                available_at = \(bind: retryAt.epochMilliseconds), updated_at = \(bind: timestamp)
                WHERE id = \(bind: job.id) AND lease_token = \(bind: job.leaseToken) RETURNING status
                """
            ).first()
        }
        guard let row else { return .leaseLost }
        let status = try row.decode(column: "status", as: String.self)
        if status == "queued" { wakeUps.signal() }
        return status == "dead" ? .dead : .retryScheduled(retryAt)
    }

    /// Puts a leased job back without counting the run as an attempt, due again at `date`. `false` when the lease
    /// was lost meanwhile.
    @discardableResult
    public func postpone(_ job: LeasedJob, until date: Date) async throws -> Bool {
        let timestamp = now().epochMilliseconds
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                """
                UPDATE jobs SET status = 'queued', attempts = attempts - 1, lease_token = NULL, \
                available_at = \(bind: date.epochMilliseconds), updated_at = \(bind: timestamp) \
                WHERE id = \(bind: job.id) AND lease_token = \(bind: job.leaseToken) RETURNING id
                """
            ).all()
        }
        return !rows.isEmpty
    }

    /// Makes the waiting job of `kind` with `uniqueKey` due now (another job's outcome let it proceed).
    public func makeDue(kind: String, uniqueKey: String) async throws {
        let timestamp = now().epochMilliseconds
        try await database.withSQL { sql in
            try await sql.raw(
                """
                UPDATE jobs SET available_at = \(bind: timestamp) WHERE kind = \(bind: kind) AND unique_key = \(bind: uniqueKey) \
                AND status = 'queued' AND available_at > \(bind: timestamp)
                """
            ).run()
        }
        wakeUps.signal()
    }

    /// Tells every node's idle workers that jobs became due (after a caller's own write made them so).
    public func notifyAvailable() async throws {
        try await database.withSQL { sql in try await database.notifyJobsAvailable(on: sql) }
        wakeUps.signal()
    }

    /// Marks dead the jobs whose lease expired on their final attempt: no worker will report on them, and
    /// leasing them again would exceed their attempts. Returns how many were marked.
    @discardableResult
    public func reapExpiredFinalAttempts() async throws -> Int {
        let timestamp = now().epochMilliseconds
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                """
                UPDATE jobs SET status = 'dead', lease_token = NULL, updated_at = \(bind: timestamp), \
                last_error = 'the lease expired on the final attempt (the worker stopped or hung)'
                WHERE status = 'running' AND available_at <= \(bind: timestamp) AND attempts >= max_attempts RETURNING id
                """
            ).all()
        }
        return rows.count
    }

    // MARK: Inspect

    /// Depth and age of the queue by kind.
    public func statistics() async throws -> [JobKindStatistics] {
        let timestamp = now().epochMilliseconds
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                """
                SELECT kind, status, COUNT(*) AS count, \
                MIN(CASE WHEN status = 'queued' AND available_at <= \(bind: timestamp) THEN available_at END) AS oldest_ready
                FROM jobs GROUP BY kind, status
                """
            ).all()
        }
        var byKind: [String: JobKindStatistics] = [:]
        for row in rows {
            let kind = try row.decode(column: "kind", as: String.self)
            let count = try row.decode(column: "count", as: Int.self)
            var entry = byKind[kind] ?? JobKindStatistics(kind: kind, queued: 0, running: 0, dead: 0, oldestReadyAge: .zero)
            switch try row.decode(column: "status", as: String.self) {
            case "queued": entry.queued += count
            case "running": entry.running += count
            default: entry.dead += count
            }
            if let oldest = try row.decode(column: "oldest_ready", as: Int64?.self) {
                entry.oldestReadyAge = max(entry.oldestReadyAge, .milliseconds(timestamp - oldest))
            }
            byKind[kind] = entry
        }
        return byKind.values.sorted { $0.kind < $1.kind }
    }

    /// The state of one job, or `nil` once it has completed (finished jobs are deleted).
    public func status(ofJob id: Int64) async throws -> (status: String, attempts: Int, lastError: String?)? {
        let row = try await database.withSQL { sql in
            try await sql.raw("SELECT status, attempts, last_error FROM jobs WHERE id = \(bind: id)").first()
        }
        guard let row else { return nil }
        return (
            try row.decode(column: "status", as: String.self),
            try row.decode(column: "attempts", as: Int.self),
            try row.decode(column: "last_error", as: String?.self)
        )
    }
}

extension Array {
    func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
