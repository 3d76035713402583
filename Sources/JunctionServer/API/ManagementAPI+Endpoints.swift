import JunctionAPI
import JunctionApp
import JunctionCore
import JunctionWebhooks

extension ManagementAPI {
    func createEndpoint(_ input: Operations.CreateEndpoint.Input) async throws -> Operations.CreateEndpoint.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let (record, secret) = try await endpoints.create(.init(body))
        return .created(.init(body: .json(.init(record, secret: secret))))
    }

    func listEndpoints(_ input: Operations.ListEndpoints.Input) async throws -> Operations.ListEndpoints.Output {
        let page = try await endpoints.list(
            page: PageRequest(limit: input.query.limit, cursor: input.query.cursor, prefix: EndpointRecord.idPrefix))
        return .ok(.init(body: .json(.init(data: page.items.map { .init($0) }, nextCursor: page.nextCursor))))
    }

    func getEndpoint(_ input: Operations.GetEndpoint.Input) async throws -> Operations.GetEndpoint.Output {
        .ok(.init(body: .json(.init(try await endpoints.find(id: input.path.id)))))
    }

    func updateEndpoint(_ input: Operations.UpdateEndpoint.Input) async throws -> Operations.UpdateEndpoint.Output {
        let patch =
            switch input.body {
            case .json(let patch), .applicationMergePatchJson(let patch): patch
            }
        let fields = patch.fields
        let changes = try EndpointService.Changes(
            url: fields.url, eventTypes: fields.eventTypes, description: fields.description, rateLimit: fields.rateLimit,
            retrySchedule: fields.retrySchedule, ordered: fields.ordered, enabled: fields.enabled, paused: fields.paused,
            removed: patch.nulls)
        return .ok(.init(body: .json(.init(try await endpoints.update(id: input.path.id, changes)))))
    }

    func deleteEndpoint(_ input: Operations.DeleteEndpoint.Input) async throws -> Operations.DeleteEndpoint.Output {
        try await endpoints.delete(id: input.path.id)
        return .noContent(.init())
    }

    func rotateEndpointSecret(_ input: Operations.RotateEndpointSecret.Input) async throws -> Operations.RotateEndpointSecret.Output {
        let rotation = try await endpoints.rotateSecret(id: input.path.id)
        return .ok(.init(body: .json(.init(secret: rotation.secret, previousSecretExpiresAt: rotation.previousExpiresAt))))
    }

    func listEndpointAttempts(_ input: Operations.ListEndpointAttempts.Input) async throws -> Operations.ListEndpointAttempts.Output {
        let page = try await endpoints.attempts(
            endpointID: input.path.id,
            page: PageRequest(limit: input.query.limit, cursor: input.query.cursor, prefix: DeliveryAttemptRecord.idPrefix))
        return .ok(.init(body: .json(.init(data: page.items.map { .init($0) }, nextCursor: page.nextCursor))))
    }

    func recoverEndpoint(_ input: Operations.RecoverEndpoint.Input) async throws -> Operations.RecoverEndpoint.Output {
        .accepted(.init(body: .json(.init(scheduled: try await endpoints.recover(endpointID: input.path.id, since: input.query.since)))))
    }
}

extension Components.Schemas.Endpoint {
    /// The endpoint as the API shows it; `secret` only in the response that creates it.
    init(_ record: EndpointRecord, secret: String? = nil) {
        self.init(
            id: record.id,
            url: record.url,
            eventTypes: record.eventTypes.map(\.text),
            description: record.description,
            rateLimit: record.rateLimit,
            retrySchedule: record.schedule.delays,
            status: Components.Schemas.EndpointStatus(rawValue: record.status.rawValue) ?? .disabled,
            disabledReason: record.disabledReason,
            failingSince: record.failingSince,
            createdAt: record.createdAt,
            updatedAt: record.updatedAt,
            secret: secret,
            ordered: record.ordered
        )
    }
}

extension Components.Schemas.Attempt {
    init(_ record: DeliveryAttemptRecord) {
        self.init(
            id: record.id,
            deliveryId: record.deliveryID,
            messageId: record.messageID,
            endpointId: record.endpointID,
            attempt: record.attempt,
            statusCode: record.statusCode,
            succeeded: record.succeeded,
            error: record.error,
            latencyMs: Int(record.latency.milliseconds),
            responseExcerpt: record.responseExcerpt,
            createdAt: record.createdAt
        )
    }
}
