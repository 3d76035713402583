import JunctionAPI
import JunctionApp
import JunctionCore
import JunctionWebhooks

extension ManagementAPI {
    func listEvents(_ input: Operations.ListEvents.Input) async throws -> Operations.ListEvents.Output {
        let query = input.query
        let filter = WebhookEventRepository.Filter(
            connectionID: query.connectionId,
            type: query._type,
            status: query.status.flatMap { WebhookEventStatus(rawValue: $0.rawValue) },
            since: query.since,
            until: query.until
        )
        let page = try await events.list(filter, page: PageRequest(limit: query.limit, cursor: query.cursor, prefix: InboxEntry.idPrefix))
        return .ok(.init(body: .json(.init(data: page.items.map { Components.Schemas.Event($0) }, nextCursor: page.nextCursor))))
    }

    func getEvent(_ input: Operations.GetEvent.Input) async throws -> Operations.GetEvent.Output {
        let detail = try await events.detail(id: input.path.id)
        return .ok(.init(body: .json(.init(detail.record, normalized: detail.normalized, attempts: detail.attempts))))
    }

    func replayEvent(_ input: Operations.ReplayEvent.Input) async throws -> Operations.ReplayEvent.Output {
        .accepted(.init(body: .json(.init(try await events.replay(id: input.path.id)))))
    }
}

extension Components.Schemas.Event {
    /// The event as lists show it; with `normalized` and `attempts`, as its own page shows it.
    init(_ record: WebhookEventRecord, normalized: NormalizedEvent? = nil, attempts: [WebhookEventAttempt]? = nil) {
        self.init(
            id: record.id,
            connectionId: record.connectionID,
            provider: record.provider,
            _type: record.type,
            externalId: record.externalID,
            occurredAt: record.occurredAt,
            receivedAt: record.receivedAt,
            status: Components.Schemas.WebhookEventStatus(rawValue: record.status.rawValue) ?? .received,
            attempts: record.attempts,
            replays: record.replays,
            lastError: record.lastError,
            processedAt: record.processedAt,
            event: normalized?.json,
            processingAttempts: attempts?.map {
                .init(
                    attempt: $0.attempt, succeeded: $0.succeeded, error: $0.error, startedAt: $0.startedAt,
                    durationMs: Int($0.duration.milliseconds))
            }
        )
    }
}
