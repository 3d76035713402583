import Foundation
import HTTPTypes
import JunctionCore
import JunctionHTTP

/// A provider Junction can talk to on a connection's behalf: what it is (``descriptor``) and how its resources are
/// listed, read, created, updated and deleted.
///
/// A connector holds no credentials and no connection state: every call gets a ``ConnectorSession`` that carries the
/// connection's base URL, pinned API version and an authorized transport, so one connector value serves every
/// connection to its provider. Operations a provider lacks keep their default implementation, which refuses.
public protocol Connector: Sendable {
    /// The provider's name, auth kinds, resources and webhook verifier.
    var descriptor: ProviderDescriptor { get }

    /// One page of `resource`, from `query.cursor` on.
    func list(_ resource: ResourceDescriptor, query: ListQuery, session: ConnectorSession) async throws -> RecordPage
    /// The record with the provider's id `id`.
    func get(_ resource: ResourceDescriptor, id: String, session: ConnectorSession) async throws -> JSONValue
    /// Creates `record` and returns the provider's copy. `idempotencyKey` makes a retried create happen once.
    func create(_ resource: ResourceDescriptor, record: JSONValue, idempotencyKey: String?, session: ConnectorSession) async throws
        -> JSONValue
    /// Applies `changes` to the record `id` and returns the provider's copy.
    func update(
        _ resource: ResourceDescriptor, id: String, changes: JSONValue, idempotencyKey: String?, session: ConnectorSession
    ) async throws -> JSONValue
    /// Applies `changes` to the record `id` only if the provider still holds it as `expected` (its last read copy), per
    /// ``ProviderDescriptor/conditionalUpdate``; the provider refuses with 412 (``APIError/conflict(_:)``) otherwise.
    func update(
        _ resource: ResourceDescriptor, id: String, changes: JSONValue, ifUnchangedFrom expected: JSONValue, idempotencyKey: String?,
        session: ConnectorSession
    ) async throws -> JSONValue
    /// Deletes (or archives, or cancels, as the provider defines it) the record `id`; returns what the provider said.
    func delete(_ resource: ResourceDescriptor, id: String, session: ConnectorSession) async throws -> JSONValue
    /// Creates many records, as cheaply as the provider allows (Salesforce's Composite and Bulk APIs); each
    /// record's outcome is reported on its own, so one bad record does not fail the rest.
    func createBatch(_ resource: ResourceDescriptor, records: [JSONValue], session: ConnectorSession) async throws -> BatchResult
    /// What changed between `since` and `until` that a list cannot show: deleted records, and the ids of updated
    /// ones where the provider reports them (Salesforce `getDeleted` / `getUpdated`).
    func changes(_ resource: ResourceDescriptor, since: Date, until: Date, session: ConnectorSession) async throws -> ChangeSet
    /// The content of a stored file (Cloud Storage objects), with its media type.
    func download(_ resource: ResourceDescriptor, id: String, session: ConnectorSession) async throws -> (data: Data, contentType: String)
    /// A cheap authenticated call that shows the connection works.
    func probe(session: ConnectorSession) async throws
}

extension Connector {
    /// The resource named `name`, or an error listing the ones there are.
    public func resource(named name: String) throws(ConnectorError) -> ResourceDescriptor {
        guard let resource = descriptor.resources.first(where: { $0.name == name }) else {
            throw .unknownResource(name, provider: descriptor.name, known: descriptor.resources.map(\.name))
        }
        return resource
    }

    public func list(_ resource: ResourceDescriptor, query: ListQuery, session: ConnectorSession) async throws -> RecordPage {
        throw ConnectorError.unsupportedOperation("list", resource: resource.name)
    }

    public func get(_ resource: ResourceDescriptor, id: String, session: ConnectorSession) async throws -> JSONValue {
        throw ConnectorError.unsupportedOperation("get", resource: resource.name)
    }

    public func create(_ resource: ResourceDescriptor, record: JSONValue, idempotencyKey: String?, session: ConnectorSession)
        async throws -> JSONValue
    {
        throw ConnectorError.unsupportedOperation("create", resource: resource.name)
    }

    public func update(
        _ resource: ResourceDescriptor, id: String, changes: JSONValue, idempotencyKey: String?, session: ConnectorSession
    ) async throws -> JSONValue {
        throw ConnectorError.unsupportedOperation("update", resource: resource.name)
    }

    public func update(
        _ resource: ResourceDescriptor, id: String, changes: JSONValue, ifUnchangedFrom expected: JSONValue, idempotencyKey: String?,
        session: ConnectorSession
    ) async throws -> JSONValue {
        throw ConnectorError.unsupportedOperation("conditional update", resource: resource.name)
    }

    public func delete(_ resource: ResourceDescriptor, id: String, session: ConnectorSession) async throws -> JSONValue {
        throw ConnectorError.unsupportedOperation("delete", resource: resource.name)
    }

    /// One create per record, in order; a provider error fails only its record.
    public func createBatch(_ resource: ResourceDescriptor, records: [JSONValue], session: ConnectorSession) async throws -> BatchResult {
        var outcomes: [BatchResult.Outcome] = []
        for record in records {
            do {
                let created = try await create(resource, record: record, idempotencyKey: nil, session: session)
                outcomes.append(.created(id: resource.externalID(of: created), record: created))
            } catch let error as any JunctionError {
                outcomes.append(.failed(status: (error as? APIError)?.status, message: error.detail))
            }
        }
        return BatchResult(method: "sequential", outcomes: outcomes)
    }

    public func changes(_ resource: ResourceDescriptor, since: Date, until: Date, session: ConnectorSession) async throws -> ChangeSet {
        throw ConnectorError.unsupportedOperation("changes", resource: resource.name)
    }

    public func download(_ resource: ResourceDescriptor, id: String, session: ConnectorSession) async throws -> (
        data: Data, contentType: String
    ) {
        throw ConnectorError.unsupportedOperation("download", resource: resource.name)
    }

    public func probe(session: ConnectorSession) async throws {
        throw ConnectorError.probeUnavailable(provider: descriptor.name)
    }
}

/// A provider with no resources of its own: connections to it use the proxy (`oauth2`, `rest`).
public struct ProxyOnlyConnector: Connector {
    /// The provider as the catalog lists it.
    public let descriptor: ProviderDescriptor

    /// A connector that only describes `descriptor`.
    public init(_ descriptor: ProviderDescriptor) {
        self.descriptor = descriptor
    }

    /// Reads the connection's `settings.health.probePath` (any answer below 400 is healthy); without one there is no
    /// probe.
    public func probe(session: ConnectorSession) async throws {
        guard let path = session.settings["health"]?["probePath"]?.stringValue else {
            throw ConnectorError.probeUnavailable(provider: descriptor.name)
        }
        let base = session.baseURL.hasSuffix("/") ? String(session.baseURL.dropLast()) : session.baseURL
        let response = try await session.transport.send(APIRequest(method: .get, url: base + path))
        guard response.status < 400 else { throw ConnectorError.unexpectedResponse("the probe GET \(path) answered \(response.status)") }
    }
}
