import Foundation
import HTTPTypes
import JunctionApp
import JunctionAuth
import JunctionConnectors
import JunctionCore
import JunctionHTTP
import JunctionStore
import JunctionTestSupport
import Logging

/// A connection's resources through the application layer, as the HTTP layer calls it: connections made with
/// ``ConnectionService``, records read and written with ``ResourceService`` over a ``ConnectionRuntime``. Calls take a
/// method and a path (`customers/cus_1`, `contacts?input=mapped`) so a test reads like the API it stands for, and
/// answer records as the API shows them (`externalId`, `record`, `mapped`); a failure is the domain error thrown.
struct ConnectorDriver: Sendable {
    /// The services of one test: a fresh database, a vault, a token manager and the resilient client.
    struct Harness: Sendable {
        let connections: ConnectionService
        let resources: ResourceService
        let runtime: ConnectionRuntime
        let apiClient: APIClient

        /// Runs `body` over a fresh database of `engine`.
        static func with(
            _ engine: TestEngine, catalog: ProviderCatalog = .builtIn, _ body: @Sendable (Harness) async throws -> Void
        ) async throws {
            try await TestDatabase.with(engine) { database, _ in
                let vault = CredentialVault(keyring: MasterKeyring(current: .generate()))
                let apiClient = APIClient()
                let oauth = OAuth2Client(apiClient: apiClient)
                let tokens = TokenManager(database: database, vault: vault, oauth: oauth, logger: TestDatabase.logger)
                let runtime = ConnectionRuntime(database: database, vault: vault, tokens: tokens, catalog: catalog, apiClient: apiClient)
                let connections = ConnectionService(
                    database: database, vault: vault, catalog: catalog, oauth: oauth, tokens: tokens,
                    webhookSources: WebhookSourceCache(database: database, vault: vault, catalog: catalog), logger: TestDatabase.logger)
                try await body(
                    Harness(connections: connections, resources: ResourceService(runtime: runtime), runtime: runtime, apiClient: apiClient))
            }
        }
    }

    /// What a call answered: the API's JSON for it, the bytes of a download, or the error it failed with.
    struct Answer: Sendable {
        var json: [String: JSONValue] = [:]
        var data = Data()
        var error: (any Error)?

        /// A download's bytes as text.
        var text: String { String(decoding: data, as: UTF8.self) }

        /// The failure's kind, named as its error's case (`notFound`, `validation`, `checkpointExpired`) or an
        /// application error's code; `nil` when the call succeeded.
        var failure: String? {
            switch error {
            case nil: return nil
            case let error as APIError:
                switch error {
                case .transport: return "transport"
                case .timeout: return "timeout"
                case .rateLimited: return "rateLimited"
                case .unauthorized: return "unauthorized"
                case .forbidden: return "forbidden"
                case .notFound: return "notFound"
                case .conflict: return "conflict"
                case .validation: return "validation"
                case .server: return "server"
                case .client: return "client"
                case .circuitOpen: return "circuitOpen"
                case .invalidRequest: return "invalidRequest"
                case .hostNotAllowed: return "hostNotAllowed"
                }
            case let error as ConnectorError:
                switch error {
                case .unknownResource: return "unknownResource"
                case .unsupportedOperation: return "unsupportedOperation"
                case .incrementalUnsupported: return "incrementalUnsupported"
                case .invalidCursor: return "invalidCursor"
                case .invalidInput: return "invalidInput"
                case .unexpectedResponse: return "unexpectedResponse"
                case .missingSetting: return "missingSetting"
                case .checkpointExpired: return "checkpointExpired"
                case .probeUnavailable: return "probeUnavailable"
                }
            case let error as ApplicationError: return error.code
            case let error?: return String(describing: type(of: error))
            }
        }

        /// The provider's details of a failure it answered (status, code, message, fields).
        var provider: ProviderErrorDetails? {
            switch error as? APIError {
            case .rateLimited(_, let details)?, .unauthorized(let details)?, .forbidden(let details)?, .notFound(let details)?,
                .conflict(let details)?, .validation(_, let details)?, .server(_, let details)?, .client(_, let details)?:
                details
            default: nil
            }
        }

        /// The failure's message, as a problem's detail says it.
        var detail: String { (error as? any JunctionError)?.detail ?? error.map { "\($0)" } ?? "" }
    }

    let harness: Harness
    let connection: String

    /// Makes a connection to `provider` with `settings` and `credentials` (JSON object texts).
    static func create(_ harness: Harness, provider: String, settings: String, credentials: String) async throws -> ConnectorDriver {
        let created = try await harness.connections.create(
            .init(
                provider: provider, name: "\(provider) test", settings: try JSONValue.parse(settings).objectValue,
                credentials: try JSONValue.parse(credentials).objectValue))
        return ConnectorDriver(harness: harness, connection: created.record.id)
    }

    /// A call that must succeed; the API's JSON for it.
    func ok(
        _ method: Method, _ path: String, _ body: String? = nil, idempotencyKey: String? = nil,
        sourceLocation: SourceLocationText = .init(file: #fileID, line: #line)
    ) async throws -> [String: JSONValue] {
        let answer = await call(method, path, body, idempotencyKey: idempotencyKey)
        if let error = answer.error { throw CallFailed(call: "\(method) \(path)", error: error, at: sourceLocation) }
        return answer.json
    }

    /// The methods a resource answers.
    enum Method: String, Sendable { case get = "GET", post = "POST", patch = "PATCH", delete = "DELETE" }

    /// Where a call was made, for a failure's message.
    struct SourceLocationText: Sendable, CustomStringConvertible {
        var file: String
        var line: Int
        var description: String { "\(file):\(line)" }
    }

    /// A call that failed where it should not have.
    struct CallFailed: Error, CustomStringConvertible {
        var call: String
        var error: any Error
        var at: SourceLocationText
        var description: String { "\(call) failed at \(at): \(error)" }
    }

    /// One call: `path` is `resource[/externalId[/content]]` or `resource/batch`, with the resources route's query.
    func call(_ method: Method, _ path: String, _ body: String? = nil, idempotencyKey: String? = nil) async -> Answer {
        do {
            return try await perform(method, path, body, idempotencyKey: idempotencyKey)
        } catch {
            return Answer(error: error)
        }
    }

    private func perform(_ method: Method, _ path: String, _ body: String?, idempotencyKey: String?) async throws -> Answer {
        let components = URLComponents(string: "/" + path)
        let query = Dictionary((components?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let segments = (components?.percentEncodedPath ?? "").split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        guard let resource = segments.first else { throw DriverError("no resource in '\(path)'") }
        let shape: ResourceService.InputShape = query["input"] == "mapped" ? .mapped : .provider
        let members = try body.map { try JSONValue.parse($0).objectValue ?? [:] } ?? [:]
        let service = harness.resources
        switch (method, segments.count) {
        case (.get, 1):
            var listing = ListQuery()
            listing.cursor = query["cursor"]
            listing.limit = query["limit"].flatMap { Int($0) }
            listing.checkpoint = query["checkpoint"]
            listing.updatedSince = try query["updatedSince"].map { try ResourceService.time($0, parameter: "updatedSince") }
            let page = try await service.list(connectionID: connection, resource: resource, query: listing)
            var json: [String: JSONValue] = ["data": .array(page.items.map(Self.json))]
            if let next = page.nextCursor { json["nextCursor"] = .string(next) }
            if let checkpoint = page.checkpoint { json["checkpoint"] = .string(checkpoint) }
            return Answer(json: json)
        case (.post, 1):
            let item = try await service.create(
                connectionID: connection, resource: resource, record: members, shape: shape, idempotencyKey: idempotencyKey)
            return Answer(json: Self.json(item).objectValue ?? [:])
        case (.post, 2) where segments[1] == "batch":
            let result = try await service.createBatch(
                connectionID: connection, resource: resource, records: members["records"]?.arrayValue ?? [])
            return Answer(json: Self.json(result))
        case (.get, 2):
            let item = try await service.get(connectionID: connection, resource: resource, externalID: segments[1])
            return Answer(json: Self.json(item).objectValue ?? [:])
        case (.patch, 2):
            let item = try await service.update(
                connectionID: connection, resource: resource, externalID: segments[1], changes: members, shape: shape,
                idempotencyKey: idempotencyKey)
            return Answer(json: Self.json(item).objectValue ?? [:])
        case (.delete, 2):
            let (id, answer) = try await service.delete(connectionID: connection, resource: resource, externalID: segments[1])
            return Answer(json: ["externalId": .string(id), "record": answer])
        case (.get, 3) where segments[2] == "content":
            let file = try await service.download(connectionID: connection, resource: resource, externalID: segments[1])
            return Answer(data: file.data)
        default:
            throw DriverError("no \(method) \(path) on the resources route")
        }
    }

    /// Every record of `resource`, following `nextCursor` pages of `limit`; `extra` adds query members (`&updatedSince=…`).
    func all(_ resource: String, limit: Int, extra: String = "") async throws -> (records: [JSONValue], pages: Int) {
        var records: [JSONValue] = []
        var cursor: String?
        var pages = 0
        repeat {
            let query = "limit=\(limit)\(extra)" + (cursor.map { "&cursor=" + FormEncoding.percentEncoded($0) } ?? "")
            let page = try await ok(.get, "\(resource)?\(query)")
            records += page["data"]?.arrayValue ?? []
            cursor = page["nextCursor"]?.stringValue
            pages += 1
        } while cursor != nil && pages < 50
        return (records, pages)
    }

    /// Deletions and updated ids of `resource` since `since` (a ``TimeParameter``).
    func changes(_ resource: String, since: String) async throws -> ChangeSet {
        try await harness.resources.changes(connectionID: connection, resource: resource, since: since, until: nil)
    }

    /// Merges `settings` (a JSON object text) into the connection's settings.
    func updateSettings(_ settings: String) async throws {
        _ = try await harness.connections.update(
            id: connection, try ConnectionService.Changes(settings: try JSONValue.parse(settings).objectValue))
    }

    /// A raw call to the provider with the connection's credentials, at its base URL (what the proxy does); the
    /// provider's JSON answer.
    func send(_ method: String, _ path: String, body: String? = nil) async throws -> JSONValue {
        let session = try await harness.runtime.open(id: connection)
        let url = session.baseURL + path
        var request = APIRequest(
            method: .init(method) ?? .get, url: url, headers: [.contentType: "application/json"], body: body.map { Data($0.utf8) },
            connectionID: connection)
        request.headers[.accept] = "application/json"
        let response = try await session.sender.send(request) { try await harness.apiClient.execute($0) }
        return try JSONValue.parse(String(decoding: response.body, as: UTF8.self))
    }

    /// A record as the API shows it.
    static func json(_ item: ResourceService.Item) -> JSONValue {
        var json: [String: JSONValue] = ["record": item.record]
        if let id = item.externalID { json["externalId"] = .string(id) }
        if let mapped = item.mapped { json["mapped"] = mapped }
        if let version = item.mappingVersion { json["mappingVersion"] = .integer(exactly: Int64(version)) }
        if let error = item.mappingError { json["mappingError"] = .string(error) }
        return .object(json)
    }

    /// A batch's outcomes as the API shows them.
    static func json(_ result: BatchResult) -> [String: JSONValue] {
        var json: [String: JSONValue] = [
            "method": .string(result.method),
            "results": .array(
                result.outcomes.enumerated().map { index, outcome in
                    var item: [String: JSONValue] = result.isOrdered ? ["index": .integer(exactly: Int64(index))] : [:]
                    switch outcome {
                    case .created(let id, let record):
                        item["created"] = true
                        if let id { item["externalId"] = .string(id) }
                        if let record { item["record"] = record }
                    case .failed(let status, let message):
                        item["created"] = false
                        item["error"] = .string(message)
                        if let status { item["providerStatus"] = .integer(exactly: Int64(status)) }
                    }
                    return .object(item)
                }),
        ]
        if let job = result.jobID { json["jobId"] = .string(job) }
        if let state = result.jobState { json["jobState"] = .string(state) }
        return json
    }
}

/// A call the driver cannot express.
struct DriverError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
