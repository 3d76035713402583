import Foundation
import JunctionCore
import JunctionStore

/// A connection as its calls see it: its own settings merged over its integration's (RFC 7396: nested objects member
/// by member, so `oauth.scopes` alone can differ), and its own credentials over the integration's (the OAuth app's
/// client id and secret come from the integration, the tokens from the connection).
///
/// Every reader of a connection's credentials (token refresh, authorization, provider calls, webhook verification)
/// goes through here, and every reader of its settings alone through ``ConnectionRepository/findResolved(id:)``, so an
/// integration changes all its connections at once. Writers keep writing the
/// connection's own credentials (``ownCredentials``): an integration's secret is never copied into a connection.
public struct ConnectionSetup: Sendable {
    /// The connection, its `settings` being the effective ones.
    public var record: ConnectionRecord
    /// The connection's settings as stored, without its integration's.
    public var ownSettings: JSONValue
    /// The effective credentials.
    public var credentials: [String: JSONValue]
    /// The connection's own credentials as stored.
    public var ownCredentials: [String: JSONValue]
    /// Its integration, when it has one.
    public var integration: IntegrationRecord?

    /// The effective record and credentials, as a pair.
    public var effective: (ConnectionRecord, [String: JSONValue]) { (record, credentials) }

    /// Resolves `record` with its integration (a connection whose integration is gone keeps its own setup).
    public static func load(_ record: ConnectionRecord, database: Database, vault: CredentialVault) async throws -> ConnectionSetup {
        let secrets = VaultSecretRepository(database: database)
        let own = try await vault.credentials(of: record.id, in: secrets)
        guard let integrationID = record.integrationID, let integration = try await IntegrationRepository(database: database).find(id: integrationID)
        else {
            return ConnectionSetup(record: record, ownSettings: record.settings, credentials: own, ownCredentials: own, integration: nil)
        }
        let shared = try await vault.credentials(of: integration.id, in: secrets)
        var effective = record
        effective.settings = merged(integration: integration.settings, connection: record.settings)
        return ConnectionSetup(
            record: effective, ownSettings: record.settings, credentials: shared.merging(own) { _, connection in connection },
            ownCredentials: own, integration: integration)
    }

    /// The connection with `id`, resolved; `nil` when it does not exist.
    public static func load(id: String, database: Database, vault: CredentialVault) async throws -> ConnectionSetup? {
        guard let record = try await ConnectionRepository(database: database).find(id: id) else { return nil }
        return try await load(record, database: database, vault: vault)
    }

    /// The settings a connection of `integration` works with: the connection's merged over the integration's.
    public static func merged(integration: JSONValue, connection: JSONValue) -> JSONValue {
        IntegrationRecord.settings(integration, beneath: connection)
    }
}
