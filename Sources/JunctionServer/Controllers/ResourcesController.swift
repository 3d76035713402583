import Foundation
import HTTPTypes
import Hummingbird
import JunctionAuth
import JunctionConnectors
import JunctionCore
import JunctionHTTP
import JunctionStore
import NIOCore

/// Every connector resource through one route family:
///
///     POST   /api/v1/connections/{id}/test                              the provider's health probe, timed
///     GET    /api/v1/connections/{id}/resources                         the connection's resources
///     GET    /api/v1/connections/{id}/resources/{resource}              a page (cursor, limit, updatedSince)
///     POST   /api/v1/connections/{id}/resources/{resource}              create (Idempotency-Key passed on)
///     GET    /api/v1/connections/{id}/resources/{resource}/{externalId}
///     PATCH  /api/v1/connections/{id}/resources/{resource}/{externalId}
///     DELETE /api/v1/connections/{id}/resources/{resource}/{externalId}
///     POST   /api/v1/connections/{id}/resources/{resource}/batch        create many ({"records": […]})
///     GET    /api/v1/connections/{id}/resources/{resource}/{externalId}/content   a stored file's bytes
///     GET    /api/v1/connections/{id}/changes/{resource}                deletions (and updated ids) since a time
///
/// Each record comes back as `{"externalId", "record", "mapped"}`: the provider's record and, where the connection
/// has a mapping for the resource (`settings.mappings`), the application's shape. With `?input=mapped`, a create or
/// update body is in the application's shape and is mapped back before it is sent.
struct ResourcesController<Context: RequestContext>: Sendable {
    let services: JunctionServices

    func addRoutes(to api: RouterGroup<Context>) {
        api.get("connections/:id/resources", use: resources)
        api.post("connections/:id/test", use: test)
        api.get("connections/:id/resources/:resource", use: list)
        api.post("connections/:id/resources/:resource", use: create)
        api.get("connections/:id/resources/:resource/:externalId", use: get)
        api.patch("connections/:id/resources/:resource/:externalId", use: update)
        api.delete("connections/:id/resources/:resource/:externalId", use: delete)
        api.post("connections/:id/resources/:resource/batch", use: batch)
        api.get("connections/:id/resources/:resource/:externalId/content", use: download)
        api.get("connections/:id/changes/:resource", use: changes)
    }

    /// Largest batch accepted in one request.
    static var maximumBatch: Int { 10_000 }

    @Sendable func batch(request: Request, context: Context) async throws -> Response {
        let target = try await ResourceTarget.load(context: context, services: services)
        let (members, _) = try await RequestBodyDecoder.object(from: request, context: context)
        guard members.count == 1, let records = members["records"]?.arrayValue else {
            throw ProblemDetails.badRequest(#"the body must be {"records": [ … ]}"#)
        }
        guard (1...Self.maximumBatch).contains(records.count) else {
            throw ProblemDetails.badRequest("a batch holds from 1 to \(Self.maximumBatch) records, not \(records.count)")
        }
        let result = try await target.run { try await $0.createBatch($1, records: records, session: $2) }
        var body: [String: JSONValue] = [
            "method": .string(result.method),
            "results": .array(
                result.outcomes.enumerated().map { index, outcome in
                    // Bulk results are not in the records' order: each carries the record's fields instead.
                    let position: [String: JSONValue] = result.isOrdered ? ["index": .number(Double(index))] : [:]
                    switch outcome {
                    case .created(let id, let record):
                        var item: [String: JSONValue] = position.merging(["created": true]) { $1 }
                        if let id { item["externalId"] = .string(id) }
                        if let record { item["record"] = record }
                        return .object(item)
                    case .failed(let status, let message):
                        var item: [String: JSONValue] = position.merging(["created": false, "error": .string(message)]) { $1 }
                        if let status { item["providerStatus"] = .number(Double(status)) }
                        return .object(item)
                    }
                }),
        ]
        if let job = result.jobID { body["jobId"] = .string(job) }
        if let state = result.jobState { body["jobState"] = .string(state) }
        let finished = result.jobState.map { ["JobComplete", "Failed", "Aborted"].contains($0) } ?? true
        return try JSONResponse.make(JSONValue.object(body), status: finished ? .ok : .accepted)
    }

    @Sendable func download(request: Request, context: Context) async throws -> Response {
        let target = try await ResourceTarget.load(context: context, services: services)
        let id = try Self.externalID(context)
        let file = try await target.run { try await $0.download($1, id: id, session: $2) }
        return Response(status: .ok, headers: [.contentType: file.contentType], body: .init(byteBuffer: ByteBuffer(bytes: file.data)))
    }

    @Sendable func changes(request: Request, context: Context) async throws -> Response {
        let target = try await ResourceTarget.load(context: context, services: services)
        let parameters = request.uri.queryParameters
        guard let sinceText = parameters["since"].map(String.init), let since = Self.time(sinceText) else {
            throw ProblemDetails.badRequest("query parameter 'since' is required: an ISO 8601 time or Unix seconds")
        }
        var until = Date()
        guard since < until else { throw ProblemDetails.badRequest("query parameter 'since' must be in the past") }
        if let untilText = parameters["until"].map(String.init) {
            guard let parsed = Self.time(untilText), parsed > since else {
                throw ProblemDetails.badRequest("query parameter 'until' must be a time after 'since'")
            }
            until = parsed
        }
        let changes = try await target.run { try await $0.changes($1, since: since, until: until, session: $2) }
        var body: [String: JSONValue] = [
            "deleted": .array(
                changes.deleted.map { deletion in
                    var item: [String: JSONValue] = ["externalId": .string(deletion.id)]
                    if let at = deletion.deletedAt { item["deletedAt"] = .string(at.formatted(.iso8601)) }
                    return .object(item)
                })
        ]
        if let updated = changes.updatedIDs { body["updated"] = .array(updated.map(JSONValue.string)) }
        if let covered = changes.coveredUntil { body["coveredUntil"] = .string(covered.formatted(.iso8601)) }
        return try JSONResponse.make(JSONValue.object(body))
    }

    @Sendable func resources(request: Request, context: Context) async throws -> Response {
        let target = try await ResourceTarget.load(context: context, services: services, needsResource: false)
        return try JSONResponse.make(JSONValue.object(["data": .array(target.connector.descriptor.resources.map(\.json))]))
    }

    @Sendable func test(request: Request, context: Context) async throws -> Response {
        let target = try await ResourceTarget.load(context: context, services: services, needsResource: false)
        let started = ContinuousClock.now
        try await target.run { connector, _, session in try await connector.probe(session: session) }
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return try JSONResponse.make(
            JSONValue.object([
                "ok": true, "provider": .string(target.connection.provider), "latencyMs": .number((milliseconds * 10).rounded() / 10),
            ]))
    }

    @Sendable func list(request: Request, context: Context) async throws -> Response {
        let target = try await ResourceTarget.load(context: context, services: services)
        let query = try Self.listQuery(request.uri.queryParameters)
        let page = try await target.run { try await $0.list($1, query: query, session: $2) }
        var body: [String: JSONValue] = ["data": .array(page.records.map(target.item))]
        if let next = page.nextCursor { body["nextCursor"] = .string(next) }
        if let checkpoint = page.checkpoint { body["checkpoint"] = .string(checkpoint) }
        return try JSONResponse.make(JSONValue.object(body))
    }

    @Sendable func get(request: Request, context: Context) async throws -> Response {
        let target = try await ResourceTarget.load(context: context, services: services)
        let id = try Self.externalID(context)
        let record = try await target.run { try await $0.get($1, id: id, session: $2) }
        return try JSONResponse.make(target.item(record))
    }

    @Sendable func create(request: Request, context: Context) async throws -> Response {
        let target = try await ResourceTarget.load(context: context, services: services)
        let input = try await Self.input(request: request, context: context, target: target)
        let key = request.headers[HTTPField.Name("Idempotency-Key")!]
        let record = try await target.run { try await $0.create($1, record: input, idempotencyKey: key, session: $2) }
        return try JSONResponse.make(target.item(record), status: .created)
    }

    @Sendable func update(request: Request, context: Context) async throws -> Response {
        let target = try await ResourceTarget.load(context: context, services: services)
        let id = try Self.externalID(context)
        let input = try await Self.input(request: request, context: context, target: target)
        let key = request.headers[HTTPField.Name("Idempotency-Key")!]
        let record = try await target.run { try await $0.update($1, id: id, changes: input, idempotencyKey: key, session: $2) }
        return try JSONResponse.make(target.item(record))
    }

    @Sendable func delete(request: Request, context: Context) async throws -> Response {
        let target = try await ResourceTarget.load(context: context, services: services)
        let id = try Self.externalID(context)
        let answer = try await target.run { try await $0.delete($1, id: id, session: $2) }
        return try JSONResponse.make(JSONValue.object(["externalId": .string(id), "record": answer]))
    }

    // MARK: Input

    static func externalID(_ context: Context) throws -> String {
        // Ids with a '/' (Cloud Storage object names) arrive percent-encoded.
        guard let raw = context.parameters.get("externalId"), let id = raw.removingPercentEncoding, !id.isEmpty, id.count <= 1024 else {
            throw ProblemDetails.badRequest("the record id in the path is empty, badly percent-encoded or longer than 1024 characters")
        }
        // Escaped or not, '.' and '..' would name the collection or its parent once a server normalizes the path.
        guard id != ".", id != ".." else { throw ProblemDetails.badRequest("'\(id)' is not a record id") }
        return id
    }

    static func listQuery(_ parameters: Parameters) throws -> ListQuery {
        var query = ListQuery()
        for (name, value) in parameters {
            switch String(name) {
            case "cursor": query.cursor = String(value)
            case "checkpoint": query.checkpoint = String(value)
            case "limit":
                guard let limit = Int(value), (1...1000).contains(limit) else {
                    throw ProblemDetails.badRequest("query parameter 'limit' must be a whole number from 1 to 1000, not '\(value)'")
                }
                query.limit = limit
            case "updatedSince":
                guard let date = Self.time(String(value)) else {
                    throw ProblemDetails.badRequest(
                        "query parameter 'updatedSince' must be an ISO 8601 time (2024-05-01T12:00:00Z) or Unix seconds, not '\(value)'")
                }
                query.updatedSince = date
            default:
                throw ProblemDetails.badRequest("unknown query parameter '\(name)'; accepted are cursor, limit, updatedSince, checkpoint")
            }
        }
        return query
    }

    /// A time from ISO 8601 or Unix seconds, between 1970 and the end of year 9999 (so every provider format can
    /// write it).
    static func time(_ text: String) -> Date? {
        let latest = Date(timeIntervalSince1970: 253_402_300_799)
        if let seconds = Int64(text), seconds >= 0 {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            return date <= latest ? date : nil
        }
        guard let date = try? Date(text, strategy: .iso8601), date.timeIntervalSince1970 >= 0, date <= latest else { return nil }
        return date
    }

    static func input(request: Request, context: Context, target: ResourceTarget) async throws -> JSONValue {
        let (members, _) = try await RequestBodyDecoder.object(from: request, context: context)
        switch request.uri.queryParameters["input"].map(String.init) {
        case nil, "provider": return .object(members)
        case "mapped":
            guard let mapper = target.mapper else {
                throw ProblemDetails.badRequest(
                    "input=mapped needs a mapping for '\(target.resource.name)' in the connection's settings.mappings")
            }
            do {
                return try mapper.outbound(.object(members))
            } catch {
                throw ProblemDetails(
                    status: .unprocessableContent, type: "/problems/mapping", title: "Record cannot be mapped", detail: error.description,
                    extensions: ["field": .string(error.field)])
            }
        case let other?:
            throw ProblemDetails.badRequest("query parameter 'input' must be provider or mapped, not '\(other)'")
        }
    }
}
