import JunctionApp
import Foundation
import HTTPTypes
import Hummingbird
import JunctionAuth
import JunctionConnectors
import JunctionCore
import JunctionHTTP
import JunctionStore

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
