import Foundation
import Hummingbird
import JunctionCore
import JunctionWebhooks
import Logging

/// `/api/v1/events`: the inbox, its processing attempts, and replay.
struct EventsController<Context: RequestContext>: Sendable {
    let services: JunctionServices

    private var events: WebhookEventRepository { WebhookEventRepository(database: services.database) }

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("events", use: list)
        group.get("events/:id", use: show)
        group.post("events/:id/replay", use: replay)
    }

    static var statuses: Set<String> { ["received", "processed", "failed", "dead"] }

    @Sendable func list(request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        let limit = try ListParameters.limit(query.get("limit"))
        let cursor = try ListParameters.cursor(query.get("cursor"), prefix: InboxEntry.idPrefix)
        if let status = query.get("status"), !Self.statuses.contains(status) {
            throw ProblemDetails.badRequest(
                "query parameter 'status' must be one of \(Self.statuses.sorted().joined(separator: ", ")), not '\(status.prefix(64))'")
        }
        let filter = WebhookEventRepository.Filter(
            connectionID: query.get("connectionId"),
            type: query.get("type"),
            status: query.get("status"),
            since: try QueryTime.parse(query.get("since"), name: "since"),
            until: try QueryTime.parse(query.get("until"), name: "until")
        )
        let records = try await events.list(filter, before: cursor, limit: limit + 1)
        return try JSONResponse.make(Page(fetched: records, limit: limit, cursor: \.id) { EventResponse($0) })
    }

    @Sendable func show(request: Request, context: Context) async throws -> Response {
        let id = try eventID(context)
        guard let record = try await events.find(id: id) else { throw ProblemDetails.notFound("no event with id '\(id)'") }
        // Shown as handlers see it: mapped with the connection's current mapping.
        let normalized = try await services.eventEnricher.enrich([WebhookEventProcessor.normalize(record)]).first
        return try JSONResponse.make(EventResponse(record, detail: try await events.attempts(ofEvent: id), normalized: normalized))
    }

    @Sendable func replay(request: Request, context: Context) async throws -> Response {
        let id = try eventID(context)
        guard let record = try await events.replay(id: id, queue: services.queue) else {
            throw ProblemDetails.notFound("no event with id '\(id)'")
        }
        context.logger.info("event replay requested", metadata: ["event": "\(id)", "replay": "\(record.replays)"])
        return try JSONResponse.make(EventResponse(record), status: .accepted)
    }

    private func eventID(_ context: Context) throws -> String {
        try PathIdentifier.require(context, prefix: InboxEntry.idPrefix, noun: "event")
    }
}
