import Foundation
import JunctionCore
import JunctionStore
import Logging
import Tracing

/// The job handler behind `webhook.process`. One job carries the events of one inbox flush (or a single event being
/// retried or replayed): they are loaded with one `SELECT … IN (…)`, normalized, run through every registered
/// handler concurrently (whose store writes batch with group commit), and their attempts recorded in one
/// transaction. An event whose handlers fail is retried alone, as a job of its own, after a backoff with jitter;
/// after `maximumAttempts` it is `dead` (listed by `GET /api/v1/events?status=dead`, replayable). Events already
/// processed are skipped, so a job re-run after a crash does not run them twice.
public struct WebhookEventProcessor: JobHandler {
    private let events: WebhookEventRepository
    private let queue: JobQueue
    private let handlers: [any WebhookEventHandler]
    private let enricher: (any WebhookEventEnricher)?
    private let maximumAttempts: Int
    private let retryPolicy: JobRetryPolicy
    private let logger: Logger

    /// A processor running `handlers`, in order, over each event.
    public init(
        events: WebhookEventRepository,
        queue: JobQueue,
        handlers: [any WebhookEventHandler],
        enricher: (any WebhookEventEnricher)? = nil,
        maximumAttempts: Int = 10,
        retryPolicy: JobRetryPolicy = JobRetryPolicy(),
        logger: Logger
    ) {
        self.events = events
        self.queue = queue
        self.handlers = handlers
        self.enricher = enricher
        self.maximumAttempts = max(1, maximumAttempts)
        self.retryPolicy = retryPolicy
        self.logger = logger
    }

    /// The job that processes `ids`; `trace` is the span it continues (by default the calling task's).
    public static func job(
        for ids: [String], runAt: Date? = nil, uniqueKey: String? = nil, trace: TraceContext? = .current
    ) -> JobRequest {
        JobRequest(
            kind: WebhookInbox.processJobKind, payload: ["eventIds": .array(ids.map(JSONValue.string))], uniqueKey: uniqueKey, runAt: runAt,
            maxAttempts: 20, trace: trace
        )
    }

    public func handle(_ job: LeasedJob) async throws {
        guard let ids = job.payload["eventIds"]?.arrayValue?.compactMap(\.stringValue), !ids.isEmpty else {
            throw JobError.permanent(reason: "the job has no eventIds")
        }
        // Events deleted since have nothing left to do; processed and dead ones were settled by an earlier run.
        let records = Array(try await events.find(ids: ids).values.filter { $0.status == .received || $0.status == .failed })
        // Enriched (mapped) for the whole batch at once, so connections are read once per batch, not per event.
        var normalized = records.map(Self.normalize)
        if let enricher, !normalized.isEmpty { normalized = try await enricher.enrich(normalized) }
        let prepared = Dictionary(normalized.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let batchSpan = ServiceContext.current
        let outcomes = await withTaskGroup(of: (WebhookEventRecord, Date, Duration, (any Error)?).self) { group in
            for record in records {
                group.addTask {
                    let started = Date()
                    let clock = ContinuousClock.now
                    let event = prepared[record.id] ?? Self.normalize(record)
                    let error = await Self.traced(record, batchSpan: batchSpan) {
                        for handler in handlers { try await handler.handle(event, replay: record.replays) }
                    }
                    return (record, started, .now - clock, error)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        var writes: [WebhookEventRepository.AttemptWrite] = []
        var retries: [JobRequest] = []
        var generator = SystemRandomNumberGenerator()
        for (record, started, duration, error) in outcomes {
            guard let error else {
                writes.append(
                    .init(eventID: record.id, succeeded: true, error: nil, startedAt: started, duration: duration, status: .processed))
                continue
            }
            let attempt = record.attempts + 1
            let final = attempt >= maximumAttempts || error is JobError
            writes.append(
                .init(
                    eventID: record.id, succeeded: false, error: "\(error)", startedAt: started, duration: duration,
                    status: final ? .dead : .failed))
            logger.warning(
                "event processing failed",
                metadata: [
                    "event": "\(record.id)", "type": "\(record.type)", "attempt": "\(attempt)", "final": "\(final)", "error": "\(error)",
                ]
            )
            if !final {
                let delay = retryPolicy.delay(afterAttempt: attempt, using: &generator)
                retries.append(
                    Self.job(for: [record.id], runAt: Date().addingTimeInterval(Double(delay.milliseconds) / 1000), trace: record.trace))
            }
        }
        try await events.recordAttempts(writes)
        if !retries.isEmpty { try await queue.enqueue(retries) }
    }

    /// Runs one event's handlers in a span that continues the trace of the request that delivered it, linked to the
    /// batch job's span (one job serves many requests, so it can be no single one's child). An event received with
    /// tracing off becomes a child of the batch's span instead. Returns what the handlers threw.
    private static func traced(
        _ record: WebhookEventRecord, batchSpan: ServiceContext?, _ body: () async throws -> Void
    ) async -> (any Error)? {
        let parent = record.trace?.serviceContext ?? batchSpan ?? .topLevel
        return await withSpan("webhook.process", context: parent, ofKind: .consumer) { span in
            if record.trace != nil, let batchSpan { span.addLink(SpanLink(context: batchSpan, attributes: [:])) }
            span.attributes["junction.event.id"] = record.id
            span.attributes["junction.event.type"] = record.type
            span.attributes["junction.connection.id"] = record.connectionID
            do {
                try await body()
                return nil
            } catch {
                span.recordError(error)
                span.setStatus(SpanStatus(code: .error))
                return error
            }
        }
    }

    /// The event in the shape every provider shares. The data is read again from the stored body and headers by the
    /// provider's verifier, so nothing but the request itself needs storing.
    public static func normalize(_ record: WebhookEventRecord) -> NormalizedEvent {
        let webhook = InboundWebhook(storedHeaders: record.headers, body: Array(record.body.utf8))
        let data = WebhookSourceSettings.identifyingVerifier(named: record.provider).identify(webhook).data
        return NormalizedEvent(
            id: record.id,
            connectionId: record.connectionID,
            provider: record.provider,
            type: record.type,
            occurredAt: record.occurredAt ?? record.receivedAt,
            data: data
        )
    }
}
