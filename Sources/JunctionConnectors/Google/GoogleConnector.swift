import Foundation
import HTTPTypes
import JunctionCore
import JunctionHTTP

/// Google APIs through one connection (a service account with the JWT bearer grant, or OAuth user consent):
///
/// - `calendar_events`: Calendar v3 events of `settings.google.calendarId` (default `primary`), listed with page
///   tokens; the last page's `nextSyncToken` is the checkpoint of the next incremental listing, and Google's
///   `410 Gone` for an expired token is reported as ``ConnectorError/checkpointExpired(resource:)``.
///   (https://developers.google.com/calendar/api/guides/sync)
/// - `sheet_rows`: rows of `settings.google.spreadsheetId`, sheet `settings.google.sheet` (default `Sheet1`), as
///   objects keyed by the header row, read a page of rows at a time and appended with `values:append` (as `RAW`
///   values: a cell that starts with `=` is text, not a formula the sheet would evaluate).
///   (https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values)
/// - `storage_objects`: Cloud Storage objects of `settings.google.bucket`: list with `nextPageToken`, media upload,
///   download, delete. (https://cloud.google.com/storage/docs/json_api/v1/objects)
///
/// `settings.google.endpoints.{calendar,sheets,storage}` point an API elsewhere (a private endpoint, an emulator).
public struct GoogleConnector: Connector, WebhookSubscribing {
    /// Where each API lives unless the connection says otherwise.
    public static let defaultEndpoints = [
        "calendar": "https://www.googleapis.com/calendar/v3", "sheets": "https://sheets.googleapis.com/v4",
        "storage": "https://storage.googleapis.com",
    ]

    /// The provider as the catalog lists it.
    public let descriptor = ProviderDescriptor(
        name: "google",
        displayName: "Google APIs",
        authKinds: [.oauth2AuthorizationCode, .jwtBearer],
        defaultBaseURL: "https://www.googleapis.com",
        credentialFields: [
            "clientId", "clientSecret", "serviceAccountKey", "accessToken", "refreshToken", "webhookSecret", "webhookSecrets",
        ],
        resources: [
            ResourceDescriptor(
                name: "calendar_events", description: "Calendar events (incremental with sync tokens)",
                operations: [.list, .get, .create, .update, .delete], cursorField: "updated",
                deleteSource: .flag(field: "status", value: "cancelled")),
            ResourceDescriptor(
                name: "sheet_rows", description: "Spreadsheet rows keyed by the header row", operations: [.list, .get, .create],
                idField: "_row"),
            ResourceDescriptor(
                name: "storage_objects", description: "Cloud Storage objects (upload, download, delete)",
                operations: [.list, .get, .create, .delete],
                idField: "name"),
        ],
        // Watch-channel notifications name no record: each one says the calendar changed.
        webhookVerifier: "google-channel",
        eventResources: ["exists": "calendar_events", "not_exists": "calendar_events"]
    )

    /// The connector.
    public init() {}

    public func list(_ resource: ResourceDescriptor, query: ListQuery, session: ConnectorSession) async throws -> RecordPage {
        switch resource.name {
        case "calendar_events": return try await listEvents(query: query, session: session)
        case "sheet_rows": return try await listRows(query: query, session: session)
        case "storage_objects": return try await listObjects(query: query, session: session)
        default: throw ConnectorError.unsupportedOperation("list", resource: resource.name)
        }
    }

    public func get(_ resource: ResourceDescriptor, id: String, session: ConnectorSession) async throws -> JSONValue {
        switch resource.name {
        case "calendar_events": return try await call(.get, try eventsURL(session) + "/" + Self.segment(id), session: session).jsonBody()
        case "sheet_rows":
            guard let row = Int(id), (2...10_000_000).contains(row) else {
                throw ConnectorError.invalidInput("a sheet row id is its row number, from 2")
            }
            let header = try await headerRow(session)
            let values = try await rows(from: row, to: row, session: session)
            guard let first = values.first else {
                throw APIError.notFound(ProviderErrorDetails(status: 404, message: "row \(row) is empty", code: nil))
            }
            return Self.record(row: row, values: first, header: header)
        case "storage_objects": return try await call(.get, try objectURL(id, session: session), session: session).jsonBody()
        default: throw ConnectorError.unsupportedOperation("get", resource: resource.name)
        }
    }

    public func create(_ resource: ResourceDescriptor, record: JSONValue, idempotencyKey: String?, session: ConnectorSession) async throws
        -> JSONValue
    {
        guard case .object(let fields) = record else {
            throw ConnectorError.invalidInput("a record must be a JSON object, not \(record.typeName)")
        }
        switch resource.name {
        case "calendar_events":
            return try await call(.post, try eventsURL(session), json: record, session: session).jsonBody()
        case "sheet_rows":
            return try await appendRow(fields, session: session)
        case "storage_objects":
            return try await upload(fields, session: session)
        default: throw ConnectorError.unsupportedOperation("create", resource: resource.name)
        }
    }

    public func update(
        _ resource: ResourceDescriptor, id: String, changes: JSONValue, idempotencyKey: String?, session: ConnectorSession
    ) async throws -> JSONValue {
        guard resource.name == "calendar_events" else { throw ConnectorError.unsupportedOperation("update", resource: resource.name) }
        guard changes.objectValue != nil else { throw ConnectorError.invalidInput("changes must be a JSON object") }
        return try await call(.patch, try eventsURL(session) + "/" + Self.segment(id), json: changes, session: session).jsonBody()
    }

    public func delete(_ resource: ResourceDescriptor, id: String, session: ConnectorSession) async throws -> JSONValue {
        switch resource.name {
        case "calendar_events": _ = try await call(.delete, try eventsURL(session) + "/" + Self.segment(id), session: session)
        case "storage_objects": _ = try await call(.delete, try objectURL(id, session: session), session: session)
        default: throw ConnectorError.unsupportedOperation("delete", resource: resource.name)
        }
        return [resource.idField: .string(id), "deleted": true]
    }

    public func download(_ resource: ResourceDescriptor, id: String, session: ConnectorSession) async throws -> (
        data: Data, contentType: String
    ) {
        guard resource.name == "storage_objects" else { throw ConnectorError.unsupportedOperation("download", resource: resource.name) }
        let response = try await call(.get, try objectURL(id, session: session) + "?alt=media", accept: "*/*", session: session)
        return (response.body, response.headers[.contentType] ?? "application/octet-stream")
    }

    public func probe(session: ConnectorSession) async throws {
        // Whichever API the connection is set up for.
        if session.settings["google"]?["calendarId"] != nil || session.settings["google"]?["bucket"] == nil {
            _ = try await listEvents(query: ListQuery(limit: 1), session: session)
        } else {
            _ = try await listObjects(query: ListQuery(limit: 1), session: session)
        }
    }

    // MARK: Calendar

    private func listEvents(query: ListQuery, session: ConnectorSession) async throws -> RecordPage {
        var parameters: [(String, String)] = [("maxResults", String(min(max(query.limit ?? 250, 1), 2500)))]
        if let checkpoint = query.checkpoint {
            guard query.updatedSince == nil else {
                throw ConnectorError.invalidInput("a checkpoint (sync token) cannot be combined with updatedSince")
            }
            parameters.append(("syncToken", checkpoint))
        } else if let since = query.updatedSince {
            // Deleted events are listed too (status "cancelled"), so an incremental listing sees deletions.
            parameters += [("updatedMin", since.formatted(.iso8601)), ("showDeleted", "true")]
        }
        if let cursor = query.cursor { parameters.append(("pageToken", cursor)) }
        let body: JSONValue
        do {
            body = try await call(.get, try eventsURL(session) + "?" + FormEncoding.query(parameters), session: session).jsonBody()
        } catch let error as APIError where query.checkpoint != nil && error.status == 410 {
            throw ConnectorError.checkpointExpired(resource: "calendar_events")
        }
        guard let items = (body["items"] ?? .array([])).arrayValue else { throw ConnectorError.unexpectedResponse("events without items") }
        return RecordPage(records: items, nextCursor: body["nextPageToken"]?.scalarText, checkpoint: body["nextSyncToken"]?.scalarText)
    }

    private func eventsURL(_ session: ConnectorSession) throws -> String {
        let calendar = session.settings["google"]?["calendarId"]?.stringValue ?? "primary"
        return try endpoint("calendar", session) + "/calendars/" + Self.segment(calendar) + "/events"
    }

    // MARK: Watch channels

    public func canSubscribe(_ resource: ResourceDescriptor) -> Bool {
        resource.name == "calendar_events"
    }

    /// Opens a watch channel on the calendar's events
    /// (https://developers.google.com/calendar/api/v3/reference/events/watch): Google then posts a notification, with
    /// `secret` as the channel token, to `address` whenever an event changes, until the channel expires.
    public func subscribe(_ resource: ResourceDescriptor, address: String, secret: String, session: ConnectorSession) async throws
        -> ProviderSubscription
    {
        guard canSubscribe(resource) else { throw ConnectorError.unsupportedOperation("watch", resource: resource.name) }
        let channel: JSONValue = ["id": .string(UUID().uuidString.lowercased()), "type": "web_hook", "address": .string(address), "token": .string(secret)]
        let answer = try await call(.post, try eventsURL(session) + "/watch", json: channel, session: session).jsonBody()
        guard let id = answer["id"]?.stringValue else { throw ConnectorError.unexpectedResponse("a watch channel without an id") }
        let expiration = answer["expiration"]?.scalarText.flatMap(Double.init).map { Date(timeIntervalSince1970: $0 / 1000) }
        return ProviderSubscription(id: id, resourceID: answer["resourceId"]?.stringValue, expiresAt: expiration)
    }

    /// Stops a watch channel (https://developers.google.com/calendar/api/v3/reference/channels/stop).
    public func unsubscribe(_ subscription: ProviderSubscription, session: ConnectorSession) async throws {
        var body: [String: JSONValue] = ["id": .string(subscription.id)]
        if let resource = subscription.resourceID { body["resourceId"] = .string(resource) }
        do {
            _ = try await call(.post, try endpoint("calendar", session) + "/channels/stop", json: .object(body), session: session)
        } catch APIError.notFound {
            return
        }
    }

    // MARK: Sheets

    private func listRows(query: ListQuery, session: ConnectorSession) async throws -> RecordPage {
        let pageSize = min(max(query.limit ?? 500, 1), 10_000)
        var start = 2
        if let cursor = query.cursor {
            // Sheets holds at most ten million cells, so no row number is larger.
            guard let row = Int(cursor), (2...10_000_000).contains(row) else { throw ConnectorError.invalidCursor("expected a row number") }
            start = row
        }
        if query.updatedSince != nil || query.checkpoint != nil { throw ConnectorError.incrementalUnsupported(resource: "sheet_rows") }
        let header = try await headerRow(session)
        let values = try await rows(from: start, to: start + pageSize - 1, session: session)
        let records = values.enumerated().compactMap { offset, row in
            row.isEmpty ? nil : Self.record(row: start + offset, values: row, header: header)
        }
        // Sheets leaves trailing empty rows out of a range, so a short page may still have rows after a gap: the listing
        // ends at the first page with no rows at all.
        return RecordPage(records: records, nextCursor: values.isEmpty || start + pageSize > 10_000_000 ? nil : String(start + pageSize))
    }

    private func headerRow(_ session: ConnectorSession) async throws -> [String] {
        let header = try await rows(from: 1, to: 1, session: session).first ?? []
        guard !header.isEmpty else { throw ConnectorError.unexpectedResponse("the sheet has no header row (row 1 names the columns)") }
        return header.map { $0.scalarText ?? "" }
    }

    private func rows(from first: Int, to last: Int, session: ConnectorSession) async throws -> [[JSONValue]] {
        let range = try sheet(session) + "!\(first):\(last)"
        let body = try await call(.get, try valuesURL(session) + "/" + Self.segment(range), session: session).jsonBody()
        return (body["values"]?.arrayValue ?? []).map { $0.arrayValue ?? [] }
    }

    private func appendRow(_ fields: [String: JSONValue], session: ConnectorSession) async throws -> JSONValue {
        let header = try await headerRow(session)
        let unknown = fields.keys.filter { $0 != "_row" && !header.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw ConnectorError.invalidInput(
                "no column named \(unknown.joined(separator: ", ")); the header row has \(header.joined(separator: ", "))")
        }
        let row = JSONValue.array(header.map { fields[$0] ?? .string("") })
        let url =
            try valuesURL(session) + "/" + Self.segment(try sheet(session) + "!A1")
            + ":append?valueInputOption=RAW&insertDataOption=INSERT_ROWS"
        let answer = try await call(.post, url, json: ["values": [row]], session: session).jsonBody()
        // "Sheet1!A4:C4" → row 4.
        guard let range = answer["updates"]?["updatedRange"]?.stringValue,
            let number = range.split(separator: "!").last?.drop(while: { $0.isLetter }).prefix(while: { $0.isNumber }),
            let rowNumber = Int(number)
        else {
            throw ConnectorError.unexpectedResponse("the append answer names no updated range")
        }
        return Self.record(row: rowNumber, values: row.arrayValue ?? [], header: header)
    }

    private func valuesURL(_ session: ConnectorSession) throws -> String {
        guard let spreadsheet = session.settings["google"]?["spreadsheetId"]?.stringValue, !spreadsheet.isEmpty else {
            throw ConnectorError.missingSetting("sheet_rows needs settings.google.spreadsheetId")
        }
        return try endpoint("sheets", session) + "/spreadsheets/" + Self.segment(spreadsheet) + "/values"
    }

    private func sheet(_ session: ConnectorSession) throws -> String {
        let name = session.settings["google"]?["sheet"]?.stringValue ?? "Sheet1"
        // A1 notation quotes names with spaces or punctuation.
        return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
            ? name : "'" + name.replacingOccurrences(of: "'", with: "''") + "'"
    }

    static func record(row: Int, values: [JSONValue], header: [String]) -> JSONValue {
        var record: [String: JSONValue] = ["_row": .string(String(row))]
        for (index, name) in header.enumerated() where !name.isEmpty {
            record[name] = index < values.count ? values[index] : .string("")
        }
        return .object(record)
    }

    // MARK: Cloud Storage

    private func listObjects(query: ListQuery, session: ConnectorSession) async throws -> RecordPage {
        if query.updatedSince != nil || query.checkpoint != nil { throw ConnectorError.incrementalUnsupported(resource: "storage_objects") }
        var parameters: [(String, String)] = [("maxResults", String(min(max(query.limit ?? 1000, 1), 1000)))]
        if let cursor = query.cursor { parameters.append(("pageToken", cursor)) }
        let body = try await call(.get, try bucketURL(session) + "/o?" + FormEncoding.query(parameters), session: session).jsonBody()
        return RecordPage(records: body["items"]?.arrayValue ?? [], nextCursor: body["nextPageToken"]?.scalarText)
    }

    private func upload(_ fields: [String: JSONValue], session: ConnectorSession) async throws -> JSONValue {
        guard let name = fields["name"]?.stringValue, !name.isEmpty else {
            throw ConnectorError.invalidInput(#"an object needs a "name" and its "content" (text) or "contentBase64""#)
        }
        let data: Data
        if let text = fields["content"]?.stringValue {
            data = Data(text.utf8)
        } else if let encoded = fields["contentBase64"]?.stringValue, let decoded = Data(base64Encoded: encoded) {
            data = decoded
        } else {
            throw ConnectorError.invalidInput(#"an object needs its "content" (text) or "contentBase64" (base64 bytes)"#)
        }
        let contentType =
            fields["contentType"]?.stringValue ?? (fields["content"] != nil ? "text/plain; charset=utf-8" : "application/octet-stream")
        let bucket = try self.bucket(session)
        let url =
            try endpoint("storage", session) + "/upload/storage/v1/b/" + Self.segment(bucket) + "/o?uploadType=media&name="
            + FormEncoding.percentEncoded(name)
        let request = APIRequest(method: .post, url: url, headers: [.contentType: contentType, .accept: "application/json"], body: data)
        return try await session.send(request).jsonBody()
    }

    private func bucket(_ session: ConnectorSession) throws -> String {
        guard let bucket = session.settings["google"]?["bucket"]?.stringValue, !bucket.isEmpty else {
            throw ConnectorError.missingSetting("storage_objects needs settings.google.bucket")
        }
        return bucket
    }

    private func bucketURL(_ session: ConnectorSession) throws -> String {
        try endpoint("storage", session) + "/storage/v1/b/" + Self.segment(try bucket(session))
    }

    private func objectURL(_ name: String, session: ConnectorSession) throws -> String {
        guard !name.isEmpty else { throw ConnectorError.invalidInput("the object name is empty") }
        return try bucketURL(session) + "/o/" + Self.segment(name)
    }

    // MARK: Requests

    private func endpoint(_ api: String, _ session: ConnectorSession) throws -> String {
        let configured = session.settings["google"]?["endpoints"]?[api]?.stringValue
        let url = configured ?? Self.defaultEndpoints[api] ?? ""
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
            throw ConnectorError.missingSetting("settings.google.endpoints.\(api) must be an http or https URL")
        }
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    private func call(
        _ method: HTTPRequest.Method, _ url: String, json: JSONValue? = nil, accept: String = "application/json", session: ConnectorSession
    ) async throws -> APIResponse {
        var headers: HTTPFields = [.accept: accept]
        var body: Data?
        if let json {
            headers[.contentType] = "application/json"
            body = Data(try json.serialized().utf8)
        }
        return try await session.send(APIRequest(method: method, url: url, headers: headers, body: body))
    }

    /// One path segment, everything but unreserved characters escaped (object names keep their `/` inside).
    static func segment(_ text: String) -> String { FormEncoding.percentEncoded(text) }
}
