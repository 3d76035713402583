import Foundation
import JunctionCore
import JunctionStore
import Logging

/// The job handler behind `webhook.process`: loads an inbox event, normalizes it, runs every registered handler and
/// records the attempt. A failure is retried by the job queue with backoff; after the last attempt the event is
/// `dead` (listed by `GET /api/v1/events?status=dead`, replayable).
///
/// Events processed at the same time share their store round trips (``GroupCommit``): one `SELECT … IN (…)` loads
/// them, one transaction records their attempts.
public struct WebhookEventProcessor: JobHandler {
    private let handlers: [any WebhookEventHandler]
    private let logger: Logger
    private let reads: GroupCommit<String, WebhookEventRecord?>
    private let attemptWrites: GroupCommit<WebhookEventRepository.AttemptWrite, Void>

    /// A processor running `handlers`, in order, over each event.
    public init(events: WebhookEventRepository, handlers: [any WebhookEventHandler], logger: Logger) {
        self.handlers = handlers
        self.logger = logger
        self.reads = GroupCommit(maxBatch: 128) { ids in
            let found = try await events.find(ids: ids)
            return ids.map { found[$0] }
        }
        self.attemptWrites = GroupCommit(maxBatch: 128) { writes in
            try await events.recordAttempts(writes)
            return writes.map { _ in () }
        }
    }

    public func handle(_ job: LeasedJob) async throws {
        guard let id = job.payload["eventId"]?.stringValue else {
            throw JobError.permanent(reason: "the job has no eventId")
        }
        // An event deleted since (its connection was removed) has nothing left to do.
        guard let record = try await reads.submit(id) else { return }
        let event = Self.normalize(record)
        let started = Date()
        let clock = ContinuousClock.now
        do {
            for handler in handlers { try await handler.handle(event, replay: record.replays) }
        } catch {
            let final = job.isFinalAttempt || error is JobError
            try await attemptWrites.submit(
                .init(
                    eventID: id, succeeded: false, error: "\(error)", startedAt: started, duration: .now - clock,
                    status: final ? "dead" : "failed")
            )
            logger.warning(
                "event processing failed",
                metadata: [
                    "event": "\(id)", "type": "\(event.type)", "attempt": "\(job.attempt)", "final": "\(final)", "error": "\(error)",
                ]
            )
            throw error
        }
        try await attemptWrites.submit(
            .init(eventID: id, succeeded: true, error: nil, startedAt: started, duration: .now - clock, status: "processed")
        )
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
