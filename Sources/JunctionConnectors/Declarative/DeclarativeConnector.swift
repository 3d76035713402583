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

    /// The provider as the catalog lists it.
    public var descriptor: ProviderDescriptor { definition.descriptor }

    /// A connector for `definition`.
    public init(_ definition: ConnectorDefinition) {
        self.definition = definition
    }

    // MARK: Operations

    public func list(_ resource: ResourceDescriptor, query: ListQuery, session: ConnectorSession) async throws -> RecordPage {
        try await page(resource, query: query, extra: [:], session: session)
    }

    /// Deletions from the resource's delete source: the events of a change feed (Stripe's `customer.deleted`), or the
    /// records a listing with the definition's deletion query shows flagged (HubSpot's archived ones). At most 100
    /// pages are read per call; `coveredUntil` says how far they reached.
    public func changes(_ resource: ResourceDescriptor, since: Date, until: Date, session: ConnectorSession) async throws -> ChangeSet {
        let spec = try self.spec(resource, .list)
        var deleted: [ChangeSet.Deletion] = []
        let complete: Bool
        switch resource.deleteSource {
        case .events(let feedName, let types):
            let feed = try self.resource(named: feedName)
            let feedSpec = try self.spec(feed, .list)
            complete = try await everyPage(of: feed, since: since, extra: [:], session: session) { event in
                guard let type = event["type"]?.stringValue, types.contains(type),
                    let id = spec.deletionIDPath?.value(in: event)?.scalarText
                else { return }
                let at = feedSpec.incremental.flatMap { Self.date($0.field.value(in: event), format: $0.format) }
                if let at, at > until { return }
                deleted.append(ChangeSet.Deletion(id: id, deletedAt: at))
            }
        case .flag(let field, let value):
            guard !spec.deletionQuery.isEmpty || spec.incremental != nil else {
                throw ConnectorError.unsupportedOperation("changes", resource: resource.name)
            }
            let flag = JSONPath(field)
            complete = try await everyPage(
                of: resource, since: spec.incremental == nil ? nil : since, extra: spec.deletionQuery, session: session
            ) { record in
                guard flag?.value(in: record).flatMap(Self.flagText) == value, let id = spec.idPath.value(in: record)?.scalarText else {
                    return
                }
                deleted.append(ChangeSet.Deletion(id: id, deletedAt: nil))
            }
        case .none, .endpoint:
            throw ConnectorError.unsupportedOperation("changes", resource: resource.name)
        }
        return ChangeSet(deleted: deleted, updatedIDs: nil, coveredUntil: complete ? until : nil)
    }

    /// Hands every record of a listing to `each`, page after page, at most 100 pages; `true` when the listing ended.
    private func everyPage(
        of resource: ResourceDescriptor, since: Date?, extra: [String: String], session: ConnectorSession, _ each: (JSONValue) -> Void
    ) async throws -> Bool {
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await self.page(resource, query: ListQuery(cursor: cursor, updatedSince: since), extra: extra, session: session)
            page.records.forEach(each)
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil && pages < 100
        return cursor == nil
    }

    private func page(_ resource: ResourceDescriptor, query: ListQuery, extra: [String: String], session: ConnectorSession) async throws
        -> RecordPage
    {
        let spec = try self.spec(resource, .list)
        let pagination = spec.pagination
        let pageSize = min(max(query.limit ?? pagination.maxPageSize, 1), pagination.maxPageSize)
        var parameters = spec.query.merging(extra) { $1 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if let limitParam = pagination.limitParam { parameters.append((limitParam, String(pageSize))) }
        if let since = query.updatedSince {
            guard let incremental = spec.incremental else { throw ConnectorError.incrementalUnsupported(resource: resource.name) }
            let value = try Self.format(since, as: incremental.format, session: session)
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
                guard let value = Int(cursor), value >= startsAt, value <= 1_000_000_000 else {
                    throw ConnectorError.invalidCursor("expected a number from \(startsAt) to 1000000000")
                }
                position = value
            }
            parameters.append((param, String(position)))
        case .nextURL, .linkHeader:
            if let cursor = query.cursor {
                url = try Self.sameOrigin(cursor, as: url, under: session.baseURL)
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
        case .nextURL(let path): next = path.value(in: body)?.scalarText.map { Paginator.resolve($0, against: url) }
        case .linkHeader: next = LinkHeader.next(in: response.headers[HTTPField.Name("Link")!]).map { Paginator.resolve($0, against: url) }
        }
        // A provider that copies the query into its next link would otherwise hand a query-placed API key to the caller;
        // the transport puts it back when the cursor is followed.
        if let url = next, pagination.style.carriesURL, let name = credentialQueryParameter(session) {
            return RecordPage(records: records, nextCursor: Self.removing(name, from: url))
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

    public func update(
        _ resource: ResourceDescriptor, id: String, changes: JSONValue, ifUnchangedFrom expected: JSONValue, idempotencyKey: String?,
        session: ConnectorSession
    ) async throws -> JSONValue {
        guard let conditional = descriptor.conditionalUpdate, let header = HTTPField.Name(conditional.header),
            let value = JSONPath.value(at: conditional.field, in: expected)?.scalarText
        else { throw ConnectorError.unsupportedOperation("conditional update", resource: resource.name) }
        let spec = try self.spec(resource, .update)
        let response = try await send(
            spec.updateMethod, url: try itemURL(spec, id: id, session: session), body: try body(changes, spec: spec),
            idempotencyKey: idempotencyKey, extraHeaders: [header: value], session: session)
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
        _ method: HTTPRequest.Method, url: String, body: (Data, String)? = nil, idempotencyKey: String? = nil,
        extraHeaders: HTTPFields = [:], session: ConnectorSession
    ) async throws -> APIResponse {
        var headers: HTTPFields = [.accept: "application/json"]
        headers.append(contentsOf: extraHeaders)
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

    /// `date` as the provider writes times in queries; `dateTime` is in the connection's `settings.timeZone` (an IANA
    /// name, default UTC), since such APIs compare against their server's local time.
    static func format(_ date: Date, as format: ConnectorDefinition.TimeFormat, session: ConnectorSession) throws -> String {
        // Bounded so the conversions below cannot trap on a far-off date.
        let seconds = min(max(date.timeIntervalSince1970, -62_135_596_800), 253_402_300_799).rounded(.down)
        switch format {
        case .unix: return String(Int64(seconds))
        case .unixMilliseconds: return String(Int64(seconds) * 1000)
        case .iso8601: return Date(timeIntervalSince1970: seconds).formatted(.iso8601)
        case .dateTime:
            let zoneName = session.settings["timeZone"]?.stringValue ?? "UTC"
            guard let zone = TimeZone(identifier: zoneName) else {
                throw ConnectorError.missingSetting(
                    "settings.timeZone must be an IANA time zone name like Europe/Berlin, not '\(zoneName)'")
            }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
            return formatter.string(from: Date(timeIntervalSince1970: seconds))
        }
    }

    /// A record's flag as text, the way definitions write flag values.
    static func flagText(_ value: JSONValue) -> String? {
        switch value {
        case .bool(let flag): flag ? "true" : "false"
        default: value.scalarText
        }
    }

    /// A time a record carries, written as the incremental format says.
    static func date(_ value: JSONValue?, format: ConnectorDefinition.TimeFormat) -> Date? {
        switch (value, format) {
        case (.number(let seconds)?, .unix): Date(timeIntervalSince1970: seconds)
        case (.number(let milliseconds)?, .unixMilliseconds): Date(timeIntervalSince1970: milliseconds / 1000)
        case (.string(let text)?, _): try? Date(text, strategy: .iso8601)
        default: nil
        }
    }

    /// The query parameter the connection's API key travels in, when it travels in one.
    private func credentialQueryParameter(_ session: ConnectorSession) -> String? {
        let placement = session.settings["auth"]?.objectValue ?? descriptor.defaultAuthPlacement ?? [:]
        guard placement["type"]?.stringValue == "query" else { return nil }
        return placement["name"]?.stringValue ?? "api_key"
    }

    static func removing(_ parameter: String, from url: String) -> String {
        guard var components = URLComponents(string: url), let items = components.queryItems else { return url }
        let kept = items.filter { $0.name != parameter }
        components.queryItems = kept.isEmpty ? nil : kept
        return components.string ?? url
    }

    /// `cursor` as a URL on `base`'s scheme, host and port, under the connection's base path, without dot segments;
    /// anything else is refused, so a forged cursor cannot aim the connection's credentials elsewhere.
    static func sameOrigin(_ cursor: String, as base: String, under basePath: String? = nil) throws -> String {
        let resolved = Paginator.resolve(cursor, against: base)
        guard let target = URLComponents(string: resolved), let origin = URLComponents(string: base),
            target.scheme == origin.scheme, target.host == origin.host, target.port == origin.port
        else {
            throw ConnectorError.invalidCursor("a next-page cursor must stay on the connection's base URL")
        }
        let segments = target.percentEncodedPath.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        guard !segments.contains(".") && !segments.contains("..") else {
            throw ConnectorError.invalidCursor("a next-page cursor may not contain '.' or '..' segments")
        }
        if let basePath, let prefix = URLComponents(string: basePath)?.percentEncodedPath, !prefix.isEmpty, prefix != "/" {
            let directory = prefix.hasSuffix("/") ? prefix : prefix + "/"
            guard target.percentEncodedPath == prefix || target.percentEncodedPath.hasPrefix(directory) else {
                throw ConnectorError.invalidCursor("a next-page cursor must stay under the connection's base URL")
            }
        }
        return resolved
    }
}
