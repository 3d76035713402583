import Foundation
import Hummingbird
import JunctionAuth
import JunctionCore
import JunctionStore
import JunctionWebhooks
import Logging

/// `/api/v1/endpoints`: where outbound webhooks go. The signing secret is sealed in the vault and shown only when
/// created or rotated.
struct EndpointsController<Context: RequestContext>: Sendable {
    let services: JunctionServices

    private var endpoints: EndpointRepository { EndpointRepository(database: services.database) }
    private var deliveries: DeliveryRepository { DeliveryRepository(database: services.database, queue: services.queue) }

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("endpoints", use: create)
        group.get("endpoints", use: list)
        group.get("endpoints/:id", use: show)
        group.patch("endpoints/:id", use: update)
        group.delete("endpoints/:id", use: delete)
        group.post("endpoints/:id/secret/rotate", use: rotateSecret)
        group.get("endpoints/:id/attempts", use: attempts)
        group.post("endpoints/:id/recover", use: recover)
    }

    @Sendable func create(request: Request, context: Context) async throws -> Response {
        let (body, _) = try await RequestBodyDecoder.decode(CreateEndpointRequest.self, from: request, context: context)
        let now = Date()
        let record = EndpointRecord(
            id: ResourceID.make(prefix: EndpointRecord.idPrefix, at: now),
            url: try await checkedURL(body.url),
            description: try Self.description(body.description ?? ""),
            eventTypes: try Self.patterns(body.eventTypes ?? ["*"]),
            rateLimit: try body.rateLimit.map(Self.rateLimit),
            retrySchedule: try body.retrySchedule.map(Self.schedule),
            ordered: body.ordered ?? false,
            createdAt: now,
            updatedAt: now
        )
        let secret = StandardWebhookSigner.generateSecret()
        try await endpoints.insert(
            record, secret: try services.vault.seal(EndpointSecrets(current: secret).credentials, ownerID: record.id))
        context.logger.info("endpoint created", metadata: ["endpoint": "\(record.id)"])
        var response = try JSONResponse.make(EndpointResponse(record, secret: secret), status: .created)
        response.headers[.location] = "/api/v1/endpoints/\(record.id)"
        return response
    }

    @Sendable func list(request: Request, context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        let limit = try ListParameters.limit(query.get("limit"))
        let cursor = try ListParameters.cursor(query.get("cursor"), prefix: EndpointRecord.idPrefix)
        let records = try await endpoints.list(after: cursor, limit: limit + 1)
        return try JSONResponse.make(Page(fetched: records, limit: limit, cursor: \.id) { EndpointResponse($0) })
    }

    @Sendable func show(request: Request, context: Context) async throws -> Response {
        try JSONResponse.make(EndpointResponse(try await existingEndpoint(context)))
    }

    @Sendable func update(request: Request, context: Context) async throws -> Response {
        var record = try await existingEndpoint(context)
        let (body, raw) = try await RequestBodyDecoder.decode(UpdateEndpointRequest.self, from: request, context: context)
        for field in ["url", "eventTypes", "description", "ordered", "enabled"] where raw[field] == .null {
            throw ProblemDetails.badRequest("field '\(field)' cannot be null")
        }
        if let url = body.url { record.url = try await checkedURL(url) }
        if let description = body.description { record.description = try Self.description(description) }
        if let ordered = body.ordered { record.ordered = ordered }
        if let types = body.eventTypes { record.eventTypes = try Self.patterns(types) }
        if raw["rateLimit"] == .null {
            record.rateLimit = nil
        } else if let limit = body.rateLimit {
            record.rateLimit = try Self.rateLimit(limit)
        }
        if raw["retrySchedule"] == .null {
            record.retrySchedule = nil
        } else if let schedule = body.retrySchedule {
            record.retrySchedule = try Self.schedule(schedule)
        }
        switch body.enabled {
        case true?:
            record.status = .enabled
            record.disabledReason = nil
            record.failingSince = nil
        case false?:
            if record.status == .enabled {
                record.status = .disabled
                record.disabledReason = "disabled by an operator"
            }
        case nil: break
        }
        record.updatedAt = Date()
        guard try await endpoints.update(record) else { throw ProblemDetails.notFound("no endpoint with id '\(record.id)'") }
        return try JSONResponse.make(EndpointResponse(record))
    }

    @Sendable func delete(request: Request, context: Context) async throws -> Response {
        let id = try endpointID(context)
        guard try await endpoints.delete(id: id) else { throw ProblemDetails.notFound("no endpoint with id '\(id)'") }
        context.logger.info("endpoint deleted", metadata: ["endpoint": "\(id)"])
        return Response(status: .noContent)
    }

    /// A new secret signs from now on; the previous one keeps signing alongside for 24 hours.
    @Sendable func rotateSecret(request: Request, context: Context) async throws -> Response {
        var record = try await existingEndpoint(context)
        let stored = try await services.vault.credentials(of: record.id, in: VaultSecretRepository(database: services.database))
        let now = Date()
        let newSecret = StandardWebhookSigner.generateSecret()
        let rotated = EndpointSecrets(credentials: stored).map { $0.rotated(to: newSecret, at: now) } ?? EndpointSecrets(current: newSecret)
        record.secretVersion += 1
        record.updatedAt = now
        guard try await endpoints.update(record, secret: try services.vault.seal(rotated.credentials, ownerID: record.id)) else {
            throw ProblemDetails.notFound("no endpoint with id '\(record.id)'")
        }
        context.logger.info("endpoint secret rotated", metadata: ["endpoint": "\(record.id)"])
        return try JSONResponse.make(
            RotatedSecretResponse(secret: newSecret, previousSecretExpiresAt: rotated.previousExpiresAt ?? now)
        )
    }

    @Sendable func attempts(request: Request, context: Context) async throws -> Response {
        let record = try await existingEndpoint(context)
        let query = request.uri.queryParameters
        let limit = try ListParameters.limit(query.get("limit"))
        let cursor = try ListParameters.cursor(query.get("cursor"), prefix: DeliveryAttemptRecord.idPrefix)
        let records = try await deliveries.attempts(ofEndpoint: record.id, before: cursor, limit: limit + 1)
        return try JSONResponse.make(Page(fetched: records, limit: limit, cursor: \.id, item: AttemptResponse.init))
    }

    /// Resends every delivery to the endpoint that failed since `since` (a query parameter, ISO 8601).
    @Sendable func recover(request: Request, context: Context) async throws -> Response {
        let record = try await existingEndpoint(context)
        guard let since = try QueryTime.parse(request.uri.queryParameters.get("since"), name: "since") else {
            throw ProblemDetails.badRequest("query parameter 'since' is required: resend what failed from this time (ISO 8601)")
        }
        guard record.status == .enabled else {
            throw ProblemDetails(
                status: .conflict, type: "/problems/endpoint-disabled", title: "Endpoint disabled",
                detail:
                    "endpoint '\(record.id)' is disabled (\(record.disabledReason ?? "")); enable it with PATCH {\"enabled\": true} first"
            )
        }
        let count = try await deliveries.recover(endpointID: record.id, since: since)
        context.logger.info("endpoint recovery scheduled", metadata: ["endpoint": "\(record.id)", "deliveries": "\(count)"])
        return try JSONResponse.make(ResendResponse(scheduled: count), status: .accepted)
    }

    private func checkedURL(_ text: String) async throws -> String {
        do {
            return try await services.endpointAddressPolicy.check(text).absoluteString
        } catch {
            throw ProblemDetails.badRequest("field 'url': \(error.description)", type: "/problems/invalid-endpoint-url")
        }
    }

    static func patterns(_ texts: [String]) throws -> [EventTypePattern] {
        guard !texts.isEmpty, texts.count <= 100 else {
            throw ProblemDetails.badRequest("field 'eventTypes' must list from 1 to 100 event types (\"*\" for all)")
        }
        return try texts.enumerated().map { index, text in
            guard let pattern = EventTypePattern(text) else {
                throw ProblemDetails.badRequest(
                    "field 'eventTypes[\(index)]' is not an event type pattern: '\(text.prefix(64))'; use an exact type, a prefix such as 'stripe.*', or '*'"
                )
            }
            return pattern
        }
    }

    static func description(_ text: String) throws -> String {
        guard text.count <= 1000 else { throw ProblemDetails.badRequest("field 'description' must be at most 1,000 characters") }
        return text
    }

    static func rateLimit(_ value: Int) throws -> Int {
        guard (1...100_000).contains(value) else {
            throw ProblemDetails.badRequest("field 'rateLimit' must be deliveries per second from 1 to 100,000, not \(value)")
        }
        return value
    }

    static func schedule(_ delays: [Int]) throws -> [Int] {
        guard RetrySchedule(delays: delays) != nil else {
            throw ProblemDetails.badRequest(
                "field 'retrySchedule' must list at most 20 delays in seconds, each from 0 to \(RetrySchedule.maximumDelay) (one week)"
            )
        }
        return delays
    }

    private func endpointID(_ context: Context) throws -> String {
        try PathIdentifier.require(context, prefix: EndpointRecord.idPrefix, noun: "endpoint")
    }

    private func existingEndpoint(_ context: Context) async throws -> EndpointRecord {
        let id = try endpointID(context)
        guard let record = try await endpoints.find(id: id) else { throw ProblemDetails.notFound("no endpoint with id '\(id)'") }
        return record
    }
}
