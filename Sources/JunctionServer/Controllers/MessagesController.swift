import Foundation
import Hummingbird
import JunctionCore
import JunctionWebhooks
import Logging

/// `/api/v1/messages`: events the application (or Junction itself) sends to the subscribed endpoints.
struct MessagesController<Context: RequestContext>: Sendable {
    let services: JunctionServices

    private var deliveries: DeliveryRepository { DeliveryRepository(database: services.database, queue: services.queue) }

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("messages", use: create)
        group.get("messages/:id", use: show)
        group.post("messages/:id/retry", use: retry)
    }

    @Sendable func create(request: Request, context: Context) async throws -> Response {
        let (body, _) = try await RequestBodyDecoder.decode(CreateMessageRequest.self, from: request, context: context)
        guard !body.eventType.isEmpty, body.eventType.count <= 200, !body.eventType.contains(where: { $0.isWhitespace || $0 == "*" }) else {
            throw ProblemDetails.badRequest("field 'eventType' must be 1 to 200 characters, without spaces or '*'")
        }
        if let key = body.idempotencyKey, key.isEmpty || key.count > 255 {
            throw ProblemDetails.badRequest("field 'idempotencyKey' must be 1 to 255 characters")
        }
        let publication = try await services.dispatcher.publish(
            eventType: body.eventType, payload: body.payload, idempotencyKey: body.idempotencyKey
        )
        return try JSONResponse.make(
            MessageResponse(publication.message, deliveriesCreated: publication.deliveries, duplicate: publication.duplicate),
            status: .accepted
        )
    }

    @Sendable func show(request: Request, context: Context) async throws -> Response {
        let id = try messageID(context)
        guard let message = try await deliveries.message(id: id) else { throw ProblemDetails.notFound("no message with id '\(id)'") }
        return try JSONResponse.make(MessageResponse(message, deliveries: try await deliveries.deliveries(ofMessage: id)))
    }

    /// Resends the message's failed deliveries, each with a fresh set of attempts.
    @Sendable func retry(request: Request, context: Context) async throws -> Response {
        let id = try messageID(context)
        guard try await deliveries.message(id: id) != nil else { throw ProblemDetails.notFound("no message with id '\(id)'") }
        let count = try await deliveries.retry(messageID: id)
        return try JSONResponse.make(ResendResponse(scheduled: count), status: .accepted)
    }

    private func messageID(_ context: Context) throws -> String {
        try PathIdentifier.require(context, prefix: MessageRecord.idPrefix, noun: "message")
    }
}
