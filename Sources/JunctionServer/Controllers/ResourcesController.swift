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
///     POST   /api/v1/connections/{id}/resources/{resource}              create (Idempotency-Key honoured)
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
        return try JSONResponse.make(
            Page(data: target.connector.descriptor.resources.map(ProvidersController<Context>.ResourceResponse.init), nextCursor: nil))
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

/// The connection, connector, resource and session one resources request works on.
struct ResourceTarget: Sendable {
    let connection: ConnectionRecord
    let connector: any Connector
    let resource: ResourceDescriptor
    let session: ConnectorSession
    let mapper: DataMapper?
    let services: JunctionServices

    static func load(context: some RequestContext, services: JunctionServices, needsResource: Bool = true) async throws -> ResourceTarget {
        let id = try PathIdentifier.require(context, prefix: ConnectionRecord.idPrefix, noun: "connection")
        guard let connection = try await ConnectionRepository(database: services.database).find(id: id) else {
            throw ProblemDetails.notFound("no connection with id '\(id)'")
        }
        guard let connector = services.catalog.connector(named: connection.provider) else {
            throw ProblemDetails(
                status: .conflict, type: "/problems/unknown-provider", title: "Provider not available",
                detail: "this server has no connector for provider '\(connection.provider)' (was its definition removed?)")
        }
        let descriptor = connector.descriptor
        let resource: ResourceDescriptor
        if needsResource {
            do {
                resource = try connector.resource(named: context.parameters.get("resource") ?? "")
            } catch {
                throw ConnectorProblems.problem(for: error)
            }
        } else {
            resource = ResourceDescriptor(name: "", operations: [])
        }
        var credentials = try await services.vault.credentials(of: id, in: VaultSecretRepository(database: services.database))
        var baseURL = connection.settings["baseURL"]?.stringValue
        if baseURL == nil, let field = descriptor.instanceURLField {
            // The API host comes with the token (Salesforce's instance_url): obtain one first, then read it.
            _ = try await CredentialedSender.credentialProblems { try await services.tokens.accessToken(for: id) }
            credentials = try await services.vault.credentials(of: id, in: VaultSecretRepository(database: services.database))
            baseURL = credentials["tokenExtras"]?[field]?.stringValue
            if let url = baseURL, !Self.isSecureOrLoopback(url) {
                throw ProblemDetails(
                    status: .badGateway, type: "/problems/provider-instance-url", title: "Unusable instance URL",
                    detail: "the token answer named an instance URL that is not https; the token is not sent there")
            }
        }
        guard let baseURL = baseURL ?? descriptor.defaultBaseURL else {
            throw ProblemDetails.badRequest("the connection has no settings.baseURL", type: "/problems/connection-settings")
        }
        let sender = CredentialedSender(tokens: services.tokens, connection: connection, provider: descriptor, credentials: credentials)
        let policy = ClientPolicy(settings: connection.settings, defaults: ClientPolicy(idempotencyKeyHeader: descriptor.idempotencyHeader))
        let session = ConnectorSession(
            connectionID: id, baseURL: baseURL, apiVersion: connection.settings["apiVersion"]?.stringValue ?? descriptor.defaultAPIVersion,
            settings: connection.settings.objectValue ?? [:],
            transport: ConnectionTransport(apiClient: services.apiClient, sender: sender, policy: policy)
        )
        let mappings = try connection.settings["mappings"].map { try ResourceMappings(settings: $0, provider: descriptor) }
        return ResourceTarget(
            connection: connection, connector: connector, resource: resource, session: session,
            mapper: needsResource ? mappings?.mapper(for: resource.name) : nil, services: services)
    }

    /// `https`, or `http` to a loopback address (a local fixture or emulator).
    static func isSecureOrLoopback(_ url: String) -> Bool {
        guard let components = URLComponents(string: url), let host = components.host else { return false }
        if components.scheme == "https" { return true }
        return components.scheme == "http" && ["127.0.0.1", "::1", "[::1]", "localhost"].contains(host)
    }

    /// Runs a connector operation, turning its failures into problems and noting the connection's use.
    func run<Value: Sendable>(
        _ operation: (any Connector, ResourceDescriptor, ConnectorSession) async throws -> Value
    ) async throws -> Value {
        do {
            let value = try await operation(connector, resource, session)
            try? await ConnectionRepository(database: services.database).touch(id: connection.id)
            return value
        } catch let problem as ProblemDetails {
            throw problem
        } catch {
            throw ConnectorProblems.problem(for: error)
        }
    }

    /// A record as the API returns it: its id, the provider's record, and the mapped one where there is a mapping.
    func item(_ record: JSONValue) -> JSONValue {
        var item: [String: JSONValue] = ["record": record]
        if let id = resource.externalID(of: record) { item["externalId"] = .string(id) }
        if let mapper {
            do {
                item["mapped"] = try mapper.inbound(record)
                item["mappingVersion"] = .number(Double(mapper.mapping.version))
            } catch {
                item["mapped"] = .null
                item["mappingError"] = .string(error.description)
            }
        }
        return .object(item)
    }
}
