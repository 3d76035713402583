import Foundation
import HTTPTypes
import JunctionCore
import JunctionHTTP

/// Salesforce's REST API (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/): sObjects read
/// with SOQL and paged with `nextRecordsUrl`, changed-since listing on `SystemModstamp`, sObject CRUD, deletions and
/// updates from `getDeleted` / `getUpdated`, batched creates through the Composite API (200 per call) and, past
/// ``bulkThreshold`` records, a Bulk API 2.0 ingest job.
///
/// The API host is the `instance_url` of the token response (authorization code or JWT bearer); the REST version is
/// `settings.apiVersion` (`62.0`) and goes in the path. Salesforce's `Sforce-Limit-Info` header feeds the API
/// client's rate limiter.
public struct SalesforceConnector: Connector {
    /// The sObjects served, as resource name → sObject type.
    public static let objects: [(resource: String, type: String, description: String)] = [
        ("accounts", "Account", "Companies and organisations"),
        ("contacts", "Contact", "People at accounts"),
        ("leads", "Lead", "Prospects not yet qualified"),
        ("opportunities", "Opportunity", "Deals in progress"),
        ("cases", "Case", "Customer issues"),
    ]

    /// Batches larger than this go through a Bulk API 2.0 job instead of Composite calls.
    public var bulkThreshold: Int
    /// How often a bulk job's state is polled, and for how long at most before the job is left running.
    public var bulkPollInterval: Duration
    /// The longest a batch waits for its bulk job.
    public var bulkDeadline: Duration

    /// The provider as the catalog lists it.
    public let descriptor: ProviderDescriptor

    /// The connector; bulk settings are tunable for tests and for very large orgs.
    public init(bulkThreshold: Int = 2000, bulkPollInterval: Duration = .seconds(2), bulkDeadline: Duration = .seconds(600)) {
        self.bulkThreshold = bulkThreshold
        self.bulkPollInterval = bulkPollInterval
        self.bulkDeadline = bulkDeadline
        descriptor = ProviderDescriptor(
            name: "salesforce",
            displayName: "Salesforce",
            authKinds: [.oauth2AuthorizationCode, .jwtBearer],
            defaultBaseURL: "https://login.salesforce.com",
            credentialFields: [
                "clientId", "clientSecret", "privateKey", "username", "accessToken", "refreshToken", "webhookSecret", "webhookSecrets",
            ],
            defaultAPIVersion: "62.0",
            instanceURLField: "instance_url",
            resources: Self.objects.map { object in
                ResourceDescriptor(
                    name: object.resource, description: object.description, operations: [.list, .get, .create, .update, .delete],
                    idField: "Id", cursorField: "SystemModstamp",
                    deleteSource: .endpoint("/services/data/v{version}/sobjects/\(object.type)/deleted/"))
            }
        )
    }

    // MARK: Records

    public func list(_ resource: ResourceDescriptor, query: ListQuery, session: ConnectorSession) async throws -> RecordPage {
        let url: String
        if let cursor = query.cursor {
            url = try DeclarativeConnector.sameOrigin(cursor, as: session.baseURL)
            // Only a query locator: nothing else on the instance is reachable through a cursor.
            guard let components = URLComponents(string: url), components.query == nil,
                components.percentEncodedPath.range(of: "^/services/data/v[0-9]{2,3}\\.0/query/[A-Za-z0-9-]+$", options: .regularExpression)
                    != nil
            else {
                throw ConnectorError.invalidCursor("a Salesforce cursor is a nextRecordsUrl (/services/data/vXX.0/query/<locator>)")
            }
        } else {
            let soql = try Self.soql(
                type: try type(of: resource), fields: fields(of: resource, session: session), since: query.updatedSince)
            url = try base(session) + "/query?q=" + FormEncoding.percentEncoded(soql)
        }
        // Salesforce pages by batch size, from 200 to 2,000 records.
        let batch = min(max(query.limit ?? 2000, 200), 2000)
        let response = try await session.send(
            APIRequest(
                method: .get, url: url,
                headers: [.accept: "application/json", HTTPField.Name("Sforce-Query-Options")!: "batchSize=\(batch)"]))
        let body = try response.jsonBody()
        guard let records = body["records"]?.arrayValue else { throw ConnectorError.unexpectedResponse("a query answer without records") }
        let done = body["done"]?.boolValue ?? true
        let next = done ? nil : body["nextRecordsUrl"]?.scalarText.map { Paginator.resolve($0, against: session.baseURL) }
        return RecordPage(records: records, nextCursor: next)
    }

    public func get(_ resource: ResourceDescriptor, id: String, session: ConnectorSession) async throws -> JSONValue {
        try await session.send(
            APIRequest(method: .get, url: try itemURL(resource, id: id, session: session), headers: [.accept: "application/json"])
        )
        .jsonBody()
    }

    public func create(_ resource: ResourceDescriptor, record: JSONValue, idempotencyKey: String?, session: ConnectorSession) async throws
        -> JSONValue
    {
        let url = try base(session) + "/sobjects/" + (try type(of: resource))
        let answer = try await session.send(
            APIRequest(method: .post, url: url, headers: Self.jsonHeaders, body: try Self.body(record))
        ).jsonBody()
        guard let id = answer["id"]?.scalarText else { throw ConnectorError.unexpectedResponse("a create answer without an id") }
        return try await get(resource, id: id, session: session)
    }

    public func update(
        _ resource: ResourceDescriptor, id: String, changes: JSONValue, idempotencyKey: String?, session: ConnectorSession
    ) async throws -> JSONValue {
        _ = try await session.send(
            APIRequest(
                method: .patch, url: try itemURL(resource, id: id, session: session), headers: Self.jsonHeaders,
                body: try Self.body(changes)))
        return try await get(resource, id: id, session: session)
    }

    public func delete(_ resource: ResourceDescriptor, id: String, session: ConnectorSession) async throws -> JSONValue {
        _ = try await session.send(APIRequest(method: .delete, url: try itemURL(resource, id: id, session: session)))
        return ["Id": .string(id), "deleted": true]
    }

    public func probe(session: ConnectorSession) async throws {
        _ = try await session.send(APIRequest(method: .get, url: try base(session) + "/limits", headers: [.accept: "application/json"]))
    }

    // MARK: Changes

    public func changes(_ resource: ResourceDescriptor, since: Date, until: Date, session: ConnectorSession) async throws -> ChangeSet {
        let type = try type(of: resource)
        // Whole seconds, widened outwards so nothing at the window's edges is missed.
        let start = FormEncoding.percentEncoded(Self.timestamp(since))
        let end = FormEncoding.percentEncoded(Self.timestamp(until, roundingUp: true))
        let window = "?start=\(start)&end=\(end)"
        let deleted = try await session.send(
            APIRequest(method: .get, url: try base(session) + "/sobjects/\(type)/deleted/" + window, headers: [.accept: "application/json"])
        ).jsonBody()
        let updated = try await session.send(
            APIRequest(method: .get, url: try base(session) + "/sobjects/\(type)/updated/" + window, headers: [.accept: "application/json"])
        ).jsonBody()
        let deletions = (deleted["deletedRecords"]?.arrayValue ?? []).compactMap { item -> ChangeSet.Deletion? in
            guard let id = item["id"]?.scalarText else { return nil }
            return ChangeSet.Deletion(id: id, deletedAt: item["deletedDate"]?.stringValue.flatMap(Self.date))
        }
        let covered = [deleted["latestDateCovered"], updated["latestDateCovered"]].compactMap { $0?.stringValue.flatMap(Self.date) }.min()
        return ChangeSet(deleted: deletions, updatedIDs: (updated["ids"]?.arrayValue ?? []).compactMap(\.scalarText), coveredUntil: covered)
    }

    // MARK: Batches

    public func createBatch(_ resource: ResourceDescriptor, records: [JSONValue], session: ConnectorSession) async throws -> BatchResult {
        let type = try type(of: resource)
        if records.count > bulkThreshold {
            return try await SalesforceBulkIngest(
                base: try base(session), object: type, pollInterval: bulkPollInterval, deadline: bulkDeadline
            )
            .insert(records, session: session)
        }
        // Every record is checked before the first call, so a bad one cannot stop a batch half-sent.
        var typed: [JSONValue] = []
        for (index, record) in records.enumerated() {
            guard case .object(var fields) = record else { throw ConnectorError.invalidInput("record \(index) is not a JSON object") }
            fields["attributes"] = ["type": .string(type)]
            typed.append(.object(fields))
        }
        var outcomes: [BatchResult.Outcome] = []
        var start = 0
        while start < typed.count {
            let chunk = Array(typed[start..<min(start + 200, typed.count)])
            start += chunk.count
            let results: [JSONValue]
            do {
                let body = Data(try JSONValue.object(["allOrNone": false, "records": .array(chunk)]).serialized().utf8)
                let answer = try await session.send(
                    APIRequest(method: .post, url: try base(session) + "/composite/sobjects", headers: Self.jsonHeaders, body: body)
                ).jsonBody()
                guard let list = answer.arrayValue, list.count == chunk.count else {
                    throw ConnectorError.unexpectedResponse("the Composite API answered with a different number of results")
                }
                results = list
            } catch let error as any JunctionError {
                // A failed call fails its own records; those of earlier calls are created and reported as such.
                outcomes += Array(repeating: .failed(status: (error as? APIError)?.status, message: error.detail), count: chunk.count)
                continue
            }
            for result in results {
                if result["success"]?.boolValue == true {
                    outcomes.append(.created(id: result["id"]?.scalarText, record: nil))
                } else {
                    let errors = result["errors"]?.arrayValue ?? []
                    let message = errors.compactMap { error in
                        [error["statusCode"]?.stringValue, error["message"]?.stringValue].compactMap { $0 }.joined(separator: ": ")
                    }.joined(separator: "; ")
                    outcomes.append(.failed(status: nil, message: message.isEmpty ? "not created" : message))
                }
            }
        }
        return BatchResult(method: "composite", outcomes: outcomes)
    }

    // MARK: Helpers

    static let jsonHeaders: HTTPFields = [.accept: "application/json", .contentType: "application/json"]

    func type(of resource: ResourceDescriptor) throws -> String {
        guard let object = Self.objects.first(where: { $0.resource == resource.name }) else {
            throw ConnectorError.unknownResource(resource.name, provider: descriptor.name, known: Self.objects.map(\.resource))
        }
        return object.type
    }

    /// `https://instance/services/data/v62.0`.
    func base(_ session: ConnectorSession) throws -> String {
        var version = session.apiVersion ?? descriptor.defaultAPIVersion ?? "62.0"
        if version.hasPrefix("v") { version.removeFirst() }
        guard version.range(of: "^[0-9]{2,3}\\.0$", options: .regularExpression) != nil else {
            throw ConnectorError.missingSetting("settings.apiVersion must be a Salesforce REST version like 62.0, not '\(version)'")
        }
        let host = session.baseURL.hasSuffix("/") ? String(session.baseURL.dropLast()) : session.baseURL
        return host + "/services/data/v" + version
    }

    func itemURL(_ resource: ResourceDescriptor, id: String, session: ConnectorSession) throws -> String {
        // Salesforce ids are 15 or 18 alphanumeric characters; anything else would reshape the path.
        guard id.range(of: "^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$", options: .regularExpression) != nil else {
            throw ConnectorError.invalidInput("'\(id.prefix(40))' is not a Salesforce record id (15 or 18 letters and digits)")
        }
        return try base(session) + "/sobjects/\(try type(of: resource))/\(id)"
    }

    /// The fields a list selects: `settings.fields.<resource>` (a list of API names), or `FIELDS(STANDARD)`.
    func fields(of resource: ResourceDescriptor, session: ConnectorSession) throws -> [String] {
        guard let configured = session.settings["fields"]?[resource.name] else { return ["FIELDS(STANDARD)"] }
        let names = configured.arrayValue?.compactMap(\.stringValue) ?? []
        guard !names.isEmpty, names.count == configured.arrayValue?.count,
            names.allSatisfy({ $0.range(of: "^[A-Za-z][A-Za-z0-9_.]*$", options: .regularExpression) != nil })
        else {
            throw ConnectorError.missingSetting("settings.fields.\(resource.name) must be a list of field API names")
        }
        return names.contains("SystemModstamp") ? names : names + ["SystemModstamp"]
    }

    /// The SOQL of a list: changed since the cursor time, oldest change first, so a sync can checkpoint per page.
    static func soql(type: String, fields: [String], since: Date?) throws -> String {
        var soql = "SELECT \(fields.joined(separator: ", ")) FROM \(type)"
        if let since { soql += " WHERE SystemModstamp >= \(timestamp(since))" }
        return soql + " ORDER BY SystemModstamp ASC, Id ASC"
    }

    static func body(_ record: JSONValue) throws -> Data {
        guard case .object(var fields) = record else {
            throw ConnectorError.invalidInput("a record must be a JSON object, not \(record.typeName)")
        }
        // Read-only fields a record read back carries; sending them is an error at Salesforce.
        for key in [
            "attributes", "Id", "SystemModstamp", "CreatedDate", "LastModifiedDate", "CreatedById", "LastModifiedById", "IsDeleted",
        ] {
            fields.removeValue(forKey: key)
        }
        return Data(try JSONValue.object(fields).serialized().utf8)
    }

    /// SOQL and REST date-times: `2024-05-01T12:00:00Z`.
    static func timestamp(_ date: Date, roundingUp: Bool = false) -> String {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(roundingUp ? .up : .down)).formatted(.iso8601)
    }

    /// Salesforce writes `2024-05-01T12:00:00.000+0000`.
    static func date(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSZ"
        return formatter.date(from: text)
    }
}
