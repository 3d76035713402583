import Foundation
import HTTPTypes
import JunctionCore
import JunctionHTTP

/// Serves any REST API from its ``ConnectorDefinition``: builds each call's URL, query, body and headers from the
/// definition, reads records, cursors and errors where the definition says they are.
///
/// Cursors handed out are what the provider uses (an opaque token, the last id, an offset, a next-page URL);
/// a next-page URL given back is followed only on the connection's own origin, so a forged cursor cannot send the
/// connection's credentials elsewhere.
public struct DeclarativeConnector: Connector {
    /// The definition served.
    public let definition: ConnectorDefinition

    public var descriptor: ProviderDescriptor { definition.descriptor }

    /// A connector for `definition`.
    public init(_ definition: ConnectorDefinition) {
        self.definition = definition
    }

    // MARK: Operations

    public func list(_ resource: ResourceDescriptor, query: ListQuery, session: ConnectorSession) async throws -> RecordPage {
        let spec = try self.spec(resource, .list)
        let pagination = spec.pagination
        let pageSize = min(max(query.limit ?? pagination.maxPageSize, 1), pagination.maxPageSize)
        var parameters = spec.query.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if let limitParam = pagination.limitParam { parameters.append((limitParam, String(pageSize))) }
        if let since = query.updatedSince {
            guard let incremental = spec.incremental else { throw ConnectorError.incrementalUnsupported(resource: resource.name) }
            let value = Self.format(since, as: incremental.format)
            parameters.append((incremental.param, incremental.template?.replacingOccurrences(of: "{value}", with: value) ?? value))
        }
        var url = try self.url(spec.path, session: session)
        var position = 0
        switch pagination.style {
        case .none:
            if query.cursor != nil { throw ConnectorError.invalidCursor("resource '\(resource.name)' is not paginated") }
        case .cursor(let param, _), .lastRecordID(let param, _):
            if let cursor = query.cursor { parameters.append((param, cursor)) }
        case .offset(let param, let startsAt), .page(let param, let startsAt):
            position = startsAt
            if let cursor = query.cursor {
                guard let value = Int(cursor), value >= startsAt else { throw ConnectorError.invalidCursor("expected a number") }
                position = value
            }
            parameters.append((param, String(position)))
        case .nextURL, .linkHeader:
            if let cursor = query.cursor {
                url = try Self.sameOrigin(cursor, as: url)
                parameters = []
            }
        }
        if !parameters.isEmpty { url += (url.contains("?") ? "&" : "?") + FormEncoding.query(parameters) }

        let response = try await send(.get, url: url, session: session)
        let body = try response.jsonBody()
        let selected = spec.recordsPath.map { $0.value(in: body) } ?? body
        guard let records = selected?.arrayValue else {
            throw ConnectorError.unexpectedResponse("expected a list of records at '\(spec.recordsPath?.text ?? "(body)")'")
        }
        let next: String?
        switch pagination.style {
        case .none: next = nil
        case .cursor(_, let path): next = path.value(in: body)?.scalarText
        case .lastRecordID(_, let hasMore):
            let more = hasMore.map { $0.value(in: body)?.boolValue == true } ?? (records.count >= pageSize)
            next = more ? records.last.flatMap { spec.idPath.value(in: $0)?.scalarText } : nil
        case .offset:
            next = records.count < pageSize ? nil : String(position + records.count)
        case .page:
            next = records.isEmpty || (pagination.limitParam != nil && records.count < pageSize) ? nil : String(position + 1)
        case .nextURL(let path): next = path.value(in: body)?.scalarText.map { Self.absolute($0, against: url) }
        case .linkHeader: next = LinkHeader.next(in: response.headers[HTTPField.Name("Link")!]).map { Self.absolute($0, against: url) }
        }
        return RecordPage(records: records, nextCursor: next)
    }

    public func get(_ resource: ResourceDescriptor, id: String, session: ConnectorSession) async throws -> JSONValue {
        let spec = try self.spec(resource, .get)
        let response = try await send(.get, url: try itemURL(spec, id: id, session: session), session: session)
        return try record(in: response, spec: spec)
    }

    public func create(_ resource: ResourceDescriptor, record: JSONValue, idempotencyKey: String?, session: ConnectorSession)
        async throws -> JSONValue
    {
        let spec = try self.spec(resource, .create)
        let response = try await send(
            .post, url: try url(spec.path, session: session), body: try body(record, spec: spec), idempotencyKey: idempotencyKey,
            session: session)
        return try self.record(in: response, spec: spec)
    }

    public func update(
        _ resource: ResourceDescriptor, id: String, changes: JSONValue, idempotencyKey: String?, session: ConnectorSession
    ) async throws -> JSONValue {
        let spec = try self.spec(resource, .update)
        let response = try await send(
            spec.updateMethod, url: try itemURL(spec, id: id, session: session), body: try body(changes, spec: spec),
            idempotencyKey: idempotencyKey, session: session)
        return try record(in: response, spec: spec)
    }

    public func delete(_ resource: ResourceDescriptor, id: String, session: ConnectorSession) async throws -> JSONValue {
        let spec = try self.spec(resource, .delete)
        let response = try await send(.delete, url: try itemURL(spec, id: id, session: session), session: session)
        guard !response.body.isEmpty else { return JSONValue.object(["id": .string(id), "deleted": .bool(true)]) }
        return (try? record(in: response, spec: spec)) ?? JSONValue.object(["id": .string(id), "deleted": .bool(true)])
    }

    public func probe(session: ConnectorSession) async throws {
        if let health = definition.health {
            var url = try self.url(health.path, session: session)
            if !health.query.isEmpty { url += "?" + FormEncoding.query(health.query.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }) }
            _ = try await send(.get, url: url, session: session)
        } else if let listable = descriptor.resources.first(where: { $0.operations.contains(.list) }) {
            _ = try await list(listable, query: ListQuery(limit: 1), session: session)
        }
    }

    // MARK: Requests

    private func spec(_ resource: ResourceDescriptor, _ operation: ResourceDescriptor.Operation) throws
        -> ConnectorDefinition.ResourceDefinition
    {
        guard resource.operations.contains(operation), let spec = definition.resources[resource.name] else {
            throw ConnectorError.unsupportedOperation(operation.rawValue, resource: resource.name)
        }
        return spec
    }

    private func url(_ path: String, session: ConnectorSession) throws -> String {
        let base = session.baseURL.hasSuffix("/") ? String(session.baseURL.dropLast()) : session.baseURL
        let version = session.apiVersion ?? descriptor.defaultAPIVersion ?? ""
        return (base + path).replacingOccurrences(of: "{apiVersion}", with: FormEncoding.percentEncoded(version))
    }

    private func itemURL(_ spec: ConnectorDefinition.ResourceDefinition, id: String, session: ConnectorSession) throws -> String {
        guard !id.isEmpty else { throw ConnectorError.invalidInput("the record id is empty") }
        return try url(spec.itemPath.replacingOccurrences(of: "{id}", with: FormEncoding.percentEncoded(id)), session: session)
    }

    private func body(_ record: JSONValue, spec: ConnectorDefinition.ResourceDefinition) throws -> (Data, String) {
        guard case .object(var members) = record else {
            throw ConnectorError.invalidInput("a record must be a JSON object, not \(record.typeName)")
        }
        // A body already in the record's shape (`{"properties": {…}}`, as a mapping writes it) is not wrapped twice.
        if let wrapper = spec.bodyWrapper, !(members.count == 1 && members[wrapper]?.objectValue != nil) {
            members = [wrapper: .object(members)]
        }
        switch definition.requestFormat {
        case .json:
            return (Data(try JSONValue.object(members).serialized().utf8), "application/json")
        case .form:
            if spec.bodyWrapper != nil { throw ConnectorError.invalidInput("form bodies cannot be wrapped") }
            return (Data(FormEncoding.encode(members).utf8), "application/x-www-form-urlencoded")
        }
    }

    private func send(
        _ method: HTTPRequest.Method, url: String, body: (Data, String)? = nil, idempotencyKey: String? = nil, session: ConnectorSession
    ) async throws -> APIResponse {
        var headers: HTTPFields = [.accept: "application/json"]
        if let header = descriptor.apiVersionHeader.flatMap({ HTTPField.Name($0) }),
            let version = session.apiVersion ?? descriptor.defaultAPIVersion
        {
            headers[header] = version
        }
        if let (_, contentType) = body { headers[.contentType] = contentType }
        if method != .get, method != .delete, let header = descriptor.idempotencyHeader.flatMap({ HTTPField.Name($0) }) {
            // Always sent, so a create retried by the API client (or by the caller with the same key) happens once.
            headers[header] = idempotencyKey ?? "junction-" + UUID().uuidString.lowercased()
        }
        return try await session.send(
            APIRequest(method: method, url: url, headers: headers, body: body?.0), errors: definition.errorMapping)
    }

    private func record(in response: APIResponse, spec: ConnectorDefinition.ResourceDefinition) throws -> JSONValue {
        let body = try response.jsonBody()
        guard let record = spec.recordPath.map({ $0.value(in: body) }) ?? body, record.objectValue != nil else {
            throw ConnectorError.unexpectedResponse("expected a record at '\(spec.recordPath?.text ?? "(body)")'")
        }
        return record
    }

    // MARK: Helpers

    static func format(_ date: Date, as format: ConnectorDefinition.TimeFormat) -> String {
        switch format {
        case .unix: return String(Int64(date.timeIntervalSince1970.rounded(.down)))
        case .unixMilliseconds: return String(Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
        case .iso8601: return date.formatted(.iso8601)
        case .dateTime:
            let iso = date.formatted(.iso8601)  // 2024-05-01T12:00:00Z
            return String(iso.prefix(19)).replacingOccurrences(of: "T", with: " ")
        }
    }

    static func absolute(_ reference: String, against base: String) -> String {
        guard let baseURL = URL(string: base), let resolved = URL(string: reference, relativeTo: baseURL) else { return reference }
        return resolved.absoluteString
    }

    /// `cursor` as a URL on `base`'s scheme, host and port; anything else is refused.
    static func sameOrigin(_ cursor: String, as base: String) throws -> String {
        let resolved = absolute(cursor, against: base)
        guard let target = URLComponents(string: resolved), let origin = URLComponents(string: base),
            target.scheme == origin.scheme, target.host == origin.host, target.port == origin.port
        else {
            throw ConnectorError.invalidCursor("a next-page cursor must stay on the connection's base URL")
        }
        return resolved
    }
}
