import Foundation
import JunctionAuth
import JunctionConnectors
import JunctionCore
import JunctionStore
import Logging

/// Connections to third-party services: created with their credentials sealed in the vault (in the same transaction
/// as the connection), read with the credentials opened (callers show them masked), changed by merge patch (a token
/// rotated at that moment is merged, not overwritten), and deleted after revoking their OAuth tokens.
public struct ConnectionService: Sendable {
    /// A connection with its credentials, opened.
    public struct Connection: Sendable {
        /// The connection.
        public var record: ConnectionRecord
        /// Its credentials, in the clear: show them with ``ConnectionService/masked(_:)``.
        public var credentials: [String: JSONValue]
    }

    /// What a change sets (a JSON merge patch): `nil` leaves a member as it is; in `settings` and `credentials`, a
    /// member set to `null` is removed.
    public struct Changes: Sendable {
        /// A new name.
        public var name: String?
        /// Settings merged into the stored ones.
        public var settings: [String: JSONValue]?
        /// Credentials merged into the stored ones.
        public var credentials: [String: JSONValue]?

        /// A change; `removed` names the top-level members sent as `null`, none of which can be removed.
        public init(
            name: String? = nil, settings: [String: JSONValue]? = nil, credentials: [String: JSONValue]? = nil, removed: Set<String> = []
        ) throws(ApplicationError) {
            if removed.contains("name") { throw .invalid("field 'name' cannot be removed", code: "invalid-field") }
            if removed.contains("settings") {
                throw .invalid("field 'settings' cannot be null; send {} members set to null to remove them", code: "invalid-field")
            }
            if removed.contains("credentials") {
                throw .invalid(
                    "field 'credentials' cannot be null; set individual credentials to null to remove them", code: "invalid-field")
            }
            self.name = name
            self.settings = settings
            self.credentials = credentials
        }
    }

    private let repository: ConnectionRepository
    private let secrets: VaultSecretRepository
    private let vault: CredentialVault
    private let catalog: ProviderCatalog
    private let oauth: OAuth2Client
    private let tokens: TokenManager
    private let webhookSources: WebhookSourceCache
    private let logger: Logger

    /// A service over the store; `webhookSources` is told of every change, so the listener verifies with it at once.
    public init(
        database: Database, vault: CredentialVault, catalog: ProviderCatalog, oauth: OAuth2Client, tokens: TokenManager,
        webhookSources: WebhookSourceCache, logger: Logger
    ) {
        self.repository = ConnectionRepository(database: database)
        self.secrets = VaultSecretRepository(database: database)
        self.vault = vault
        self.catalog = catalog
        self.oauth = oauth
        self.tokens = tokens
        self.webhookSources = webhookSources
        self.logger = logger
    }

    /// Creates a connection to the provider named `providerName`.
    public func create(
        providerName: String, name: String, settings: [String: JSONValue]?, credentials: [String: JSONValue]?
    ) async throws -> Connection {
        let provider = try ConnectionValidation.provider(named: providerName, in: catalog)
        try ConnectionValidation.validateName(name)
        let settings = settings ?? [:]
        try ConnectionValidation.validateSettings(settings, provider: provider)
        let credentials = credentials ?? [:]
        try ConnectionValidation.validateCredentials(credentials, for: provider, allowNull: false)
        let now = Date()
        let record = ConnectionRecord(
            id: ResourceID.make(prefix: ConnectionRecord.idPrefix, at: now), provider: provider.name, name: name,
            settings: .object(settings), createdAt: now, updatedAt: now)
        let sealed = credentials.isEmpty ? nil : try vault.seal(credentials, ownerID: record.id)
        try await repository.insert(record, secret: sealed)
        logger.info("connection created", metadata: ["connection": "\(record.id)", "provider": "\(record.provider)"])
        return Connection(record: record, credentials: credentials)
    }

    /// A page of connections, oldest first.
    public func list(page: PageRequest) async throws -> Page<Connection> {
        let records = try await repository.list(after: page.cursor, limit: page.limit + 1)
        let listed = Page(fetched: records, limit: page.limit, cursor: \.id)
        let sealed = try await secrets.find(ownerIDs: listed.items.map(\.id))
        return try listed.map { Connection(record: $0, credentials: try sealed[$0.id].map(vault.open) ?? [:]) }
    }

    /// The connection with `id`.
    public func find(id: String) async throws -> Connection {
        let record = try await repository.existing(id: id)
        return Connection(record: record, credentials: try await vault.credentials(of: record.id, in: secrets))
    }

    /// Applies `changes` to the connection with `id`.
    public func update(id: String, _ changes: Changes) async throws -> Connection {
        var record = try await repository.existing(id: id)
        if let name = changes.name {
            try ConnectionValidation.validateName(name)
            record.name = name
        }
        if let patch = changes.settings {
            let merged = record.settings.merging(patch: .object(patch)).objectValue ?? [:]
            try ConnectionValidation.validateSettings(
                merged, provider: try ConnectionValidation.provider(named: record.provider, in: catalog))
            record.settings = .object(merged)
        }
        let credentials: [String: JSONValue]
        if let patch = changes.credentials {
            let provider = try ConnectionValidation.provider(named: record.provider, in: catalog)
            try ConnectionValidation.validateCredentials(patch, for: provider, allowNull: true)
            // Under the refresh lease: a token rotated at this moment is merged, not overwritten.
            credentials = try await tokens.updateCredentials(of: record.id) { stored in
                JSONValue.object(stored).merging(patch: .object(patch)).objectValue ?? [:]
            }
        } else {
            credentials = try await vault.credentials(of: record.id, in: secrets)
        }
        record.updatedAt = Date()
        guard try await repository.update(record, secret: nil) else { throw Self.notFound(id) }
        webhookSources.invalidate(record.id)
        logger.info("connection updated", metadata: ["connection": "\(record.id)", "credentialsReplaced": "\(changes.credentials != nil)"])
        return Connection(record: record, credentials: credentials)
    }

    /// Deletes the connection, its credentials and its syncs (with their runs and records), first revoking its OAuth
    /// tokens where the provider can.
    public func delete(id: String) async throws {
        let record = try await repository.existing(id: id)
        await revokeTokens(of: record)
        guard try await repository.delete(id: id) else { throw Self.notFound(id) }
        webhookSources.invalidate(id)
        logger.info("connection deleted", metadata: ["connection": "\(id)"])
    }

    /// Credentials as every surface shows them: secrets masked (`sk_test_…4242`), token metadata as it is, and
    /// structured values (a service account's key) not at all.
    public static func masked(_ credentials: [String: JSONValue]) -> [String: String] {
        var shown: [String: String] = [:]
        for (name, value) in credentials where name != "tokenExtras" {
            switch value {
            case .string(let text) where TokenSet.metadataFields.contains(name): shown[name] = text
            case .string(let secret): shown[name] = SecretMask.mask(secret)
            default: shown[name] = "••••"
            }
        }
        return shown
    }

    /// RFC 7009: tell the provider the tokens are no longer wanted, where it has a revocation endpoint. Best effort: a
    /// provider that is down must not keep a connection from being deleted.
    private func revokeTokens(of record: ConnectionRecord) async {
        guard OAuth2Configuration.isConfigured(in: record.settings),
            let credentials = try? await vault.credentials(of: record.id, in: secrets),
            let configuration = try? OAuth2Configuration(settings: record.settings, credentials: credentials),
            configuration.revocationURL != nil
        else { return }
        let tokens = [
            ("refresh_token", credentials["refreshToken"]?.stringValue), ("access_token", credentials["accessToken"]?.stringValue),
        ]
        for (hint, token) in tokens {
            guard let token else { continue }
            do {
                try await oauth.revoke(token: token, hint: hint, configuration: configuration)
                logger.info("token revoked", metadata: ["connection": "\(record.id)", "token": "\(hint)"])
            } catch {
                logger.warning(
                    "token revocation failed; deleting the connection anyway",
                    metadata: ["connection": "\(record.id)", "token": "\(hint)", "error": "\(error)"])
            }
        }
    }

    private static func notFound(_ id: String) -> ApplicationError {
        .notFound("connection", id: id, prefix: ConnectionRecord.idPrefix)
    }
}
