import JunctionAPI
import JunctionApp
import JunctionCore
import JunctionWebhooks

extension ManagementAPI {
    func createMessage(_ input: Operations.CreateMessage.Input) async throws -> Operations.CreateMessage.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let publication = try await messages.publish(eventType: body.eventType, payload: body.payload, idempotencyKey: body.idempotencyKey)
        // A new message's payload is the one just read; a duplicate shows the one stored first.
        return .accepted(
            .init(
                body: .json(
                    .init(
                        publication.message, payload: publication.duplicate ? nil : body.payload, deliveriesCreated: publication.deliveries,
                        duplicate: publication.duplicate))))
    }

    func getMessage(_ input: Operations.GetMessage.Input) async throws -> Operations.GetMessage.Output {
        let detail = try await messages.detail(id: input.path.id)
        return .ok(.init(body: .json(.init(detail.message, deliveries: detail.deliveries))))
    }

    func retryMessage(_ input: Operations.RetryMessage.Input) async throws -> Operations.RetryMessage.Output {
        .accepted(.init(body: .json(.init(scheduled: try await messages.retry(id: input.path.id)))))
    }
}

extension Components.Schemas.Message {
    /// The message as the API shows it; `payload`, when given, is the stored payload already in hand (else it is read
    /// from the record's text).
    init(
        _ record: MessageRecord, payload: JSONValue? = nil, deliveriesCreated: Int? = nil, duplicate: Bool? = nil,
        deliveries: [DeliveryRecord]? = nil
    ) {
        self.init(
            id: record.id,
            eventType: record.eventType,
            payload: payload ?? (try? JSONValue.parse(record.payload)) ?? .string(record.payload),
            idempotencyKey: record.idempotencyKey,
            createdAt: record.createdAt,
            deliveriesCreated: deliveriesCreated,
            duplicate: duplicate,
            deliveries: deliveries?.map {
                .init(
                    id: $0.id, endpointId: $0.endpointID,
                    status: Components.Schemas.DeliveryStatus(rawValue: $0.status.rawValue) ?? .pending,
                    attempts: $0.attempts, lastStatusCode: $0.lastStatusCode, lastError: $0.lastError, nextAttemptAt: $0.nextAttemptAt,
                    updatedAt: $0.updatedAt)
            }
        )
    }
}
