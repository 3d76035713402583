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
        /// Its own credentials (not its integration's), in the clear: show them with ``ConnectionService/masked(_:)``.
        public var credentials: [String: JSONValue]
        /// The key of its integration, when it has one.
        public var integrationKey: String?
    }

    /// What creating a connection takes.
    public struct Draft: Sendable {
        /// The provider's name; taken from the integration when absent.
        public var provider: String?
        /// A name for people.
        public var name: String
        /// The key of the integration it uses.
        public var integration: String?
        /// The application's customer it belongs to.
        public var tenant: String?
        /// The application's own data about it.
        public var metadata: JSONObject?
        /// Its own settings, over its integration's.
        public var settings: JSONObject?
        /// Its own credentials, over its integration's.
        public var credentials: JSONObject?

        /// A draft.
        public init(
            provider: String?, name: String, integration: String? = nil, tenant: String? = nil, metadata: JSONObject? = nil,
            settings: JSONObject? = nil, credentials: JSONObject? = nil
        ) {
            (self.provider, self.name, self.integration, self.tenant) = (provider, name, integration, tenant)
            (self.metadata, self.settings, self.credentials) = (metadata, settings, credentials)
        }
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
        /// A new tenant (`removeTenant` clears it).
        public var tenant: String?
        /// Clears the tenant.
        public var removeTenant: Bool
        /// New metadata, replacing the stored (`removeMetadata` clears it).
        public var metadata: JSONObject?
        /// Clears the metadata.
        public var removeMetadata: Bool

        /// A change; `removed` names the top-level members sent as `null`: `tenant` and `metadata` are cleared, the others
        /// cannot be removed.
        public init(
            name: String? = nil, settings: [String: JSONValue]? = nil, credentials: [String: JSONValue]? = nil, tenant: String? = nil,
            metadata: JSONObject? = nil, removed: Set<String> = []
        ) throws(ApplicationError) {
            (self.tenant, self.metadata) = (tenant, metadata)
            (self.removeTenant, self.removeMetadata) = (removed.contains("tenant"), removed.contains("metadata"))
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

    private let database: Database
    private let repository: ConnectionRepository
    private let integrations: IntegrationRepository
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
        self.database = database
        self.repository = ConnectionRepository(database: database)
        self.integrations = IntegrationRepository(database: database)
        self.secrets = VaultSecretRepository(database: database)
        self.vault = vault
        self.catalog = catalog
        self.oauth = oauth
        self.tokens = tokens
        self.webhookSources = webhookSources
        self.logger = logger
    }

    /// Creates a connection to the provider `draft` names, or to its integration's.
    public func create(_ draft: Draft) async throws -> Connection {
        let (provider, integration) = try await prepared(draft)
        let settings = draft.settings ?? [:]
        let credentials = draft.credentials ?? [:]
        let now = Date()
        let record = ConnectionRecord(
            id: ResourceID.make(prefix: ConnectionRecord.idPrefix, at: now), provider: provider.name, name: draft.name,
            settings: .object(settings), createdAt: now, updatedAt: now, integrationID: integration?.id, tenant: draft.tenant,
            metadata: draft.metadata.map(JSONValue.object))
        let sealed = credentials.isEmpty ? nil : try vault.seal(credentials, ownerID: record.id)
        try await repository.insert(record, secret: sealed)
        logger.info(
            "connection created",
            metadata: ["connection": "\(record.id)", "provider": "\(record.provider)", "integration": "\(integration?.key ?? "none")"])
        return Connection(record: record, credentials: credentials, integrationKey: integration?.key)
    }

    /// Checks `draft` as creating it would, writing nothing (a configuration's dry run); `integration` stands in for
    /// the draft's integration when that is still to be made.
    public func check(_ draft: Draft, integration planned: IntegrationRecord? = nil) async throws -> ProviderDescriptor {
        try await prepared(draft, integration: planned).0
    }

    /// The draft checked, with its provider and integration.
    private func prepared(_ draft: Draft, integration planned: IntegrationRecord? = nil) async throws -> (ProviderDescriptor, IntegrationRecord?) {
        var integration = planned
        if integration == nil, let key = draft.integration { integration = try await self.integration(key: key) }
        guard let providerName = draft.provider ?? integration?.provider else {
            throw ApplicationError.invalid("name a 'provider' or an 'integration'", code: "invalid-field")
        }
        let provider = try ConnectionValidation.provider(named: providerName, in: catalog)
        if let integration, integration.provider != provider.name {
            throw ApplicationError.invalid(
                "integration '\(integration.key)' is for provider '\(integration.provider)', not '\(provider.name)'", code: "invalid-field")
        }
        try ConnectionValidation.validateName(draft.name)
        try ConnectionValidation.validateTenant(draft.tenant)
        let settings = draft.settings ?? [:]
        try ConnectionValidation.validateSettings(settings, provider: provider)
        if let integration {
            try ConnectionValidation.validateIntegrated(settings, integration: integration, provider: provider)
        }
        try ConnectionValidation.validateCredentials(draft.credentials ?? [:], for: provider, allowNull: false)
        return (provider, integration)
    }

    /// Which connections a listing shows, as the API names them.
    public struct Filter: Sendable {
        /// The application's customer.
        public var tenant: String?
        /// The provider's name.
        public var provider: String?
        /// The integration's key.
        public var integration: String?
        /// The status.
        public var status: String?

        /// A filter; no member set lists every connection.
        public init(tenant: String? = nil, provider: String? = nil, integration: String? = nil, status: String? = nil) {
            (self.tenant, self.provider, self.integration, self.status) = (tenant, provider, integration, status)
        }
    }

    /// A page of the connections `filter` selects, oldest first. An integration key no integration has selects none.
    public func list(page: PageRequest, filter: Filter = Filter()) async throws -> Page<Connection> {
        try ConnectionValidation.validateFilter(filter.tenant, parameter: "tenant", maximum: 200)
        try ConnectionValidation.validateFilter(filter.provider, parameter: "provider", maximum: 100)
        if let status = filter.status, status.isEmpty || status.count > 64 || !status.allSatisfy({ $0 == "_" || ("a"..."z").contains($0) }) {
            throw ApplicationError.invalid("query parameter 'status' must be up to 64 lowercase letters and '_', like reauthorization_required")
        }
        if let key = filter.integration { try IntegrationValidation.validateKey(key, parameter: "query parameter 'integration'") }
        var stored = ConnectionRepository.Filter(tenant: filter.tenant, provider: filter.provider, status: filter.status)
        if let key = filter.integration {
            guard let integration = try await integrations.find(key: key) else { return Page(items: [], nextCursor: nil) }
            stored.integrationID = integration.id
        }
        let records = try await repository.list(after: page.cursor, limit: page.limit + 1, filter: stored)
        let listed = Page(fetched: records, limit: page.limit, cursor: \.id)
        let sealed = try await secrets.find(ownerIDs: listed.items.map(\.id))
        let keys = try await integrations.find(ids: listed.items.compactMap(\.integrationID)).mapValues(\.key)
        return try listed.map {
            Connection(record: $0, credentials: try sealed[$0.id].map(vault.open) ?? [:], integrationKey: $0.integrationID.flatMap { keys[$0] })
        }
    }

    /// The connection with `id`.
    public func find(id: String) async throws -> Connection {
        let record = try await repository.existing(id: id)
        return try await opened(record, credentials: try await vault.credentials(of: record.id, in: secrets))
    }

    private func opened(_ record: ConnectionRecord, credentials: [String: JSONValue]) async throws -> Connection {
        var key: String?
        if let id = record.integrationID { key = try await integrations.find(id: id)?.key }
        return Connection(record: record, credentials: credentials, integrationKey: key)
    }

    /// The integration with `key`, or an invalid-input error: the request named it.
    private func integration(key: String) async throws -> IntegrationRecord {
        guard let integration = try await integrations.find(key: key) else {
            throw ApplicationError.invalid(
                "no integration with key '\(key.prefix(100))'; create it with POST /api/v1/integrations", code: "unknown-integration")
        }
        return integration
    }

    /// Applies `changes` to the connection with `id`.
    public func update(id: String, _ changes: Changes) async throws -> Connection {
        var record = try await repository.existing(id: id)
        if let name = changes.name {
            try ConnectionValidation.validateName(name)
            record.name = name
        }
        if changes.removeTenant { record.tenant = nil }
        if let tenant = changes.tenant {
            try ConnectionValidation.validateTenant(tenant)
            record.tenant = tenant
        }
        if changes.removeMetadata { record.metadata = nil }
        if let metadata = changes.metadata { record.metadata = .object(metadata) }
        if let patch = changes.settings {
            let merged = record.settings.merging(patch: .object(patch)).objectValue ?? [:]
            let provider = try ConnectionValidation.provider(named: record.provider, in: catalog)
            try ConnectionValidation.validateSettings(merged, provider: provider)
            if let id = record.integrationID, let integration = try await integrations.find(id: id) {
                try ConnectionValidation.validateIntegrated(merged, integration: integration, provider: provider)
            }
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
        return try await opened(record, credentials: credentials)
    }

    /// Sets the connection `id` to `draft`, as a configuration file declares it: its name, tenant, metadata and own
    /// settings are replaced; the credentials the draft names are set and the others kept (tokens obtained by
    /// authorization stay). Its provider and integration cannot change.
    public func replace(id: String, with draft: Draft) async throws -> Connection {
        let current = try await repository.existing(id: id)
        var integrationID: String?
        if let key = draft.integration { integrationID = try await integration(key: key).id }
        guard integrationID == current.integrationID, draft.provider == nil || draft.provider == current.provider else {
            throw ApplicationError.invalid(
                "connection '\(current.id)' cannot change its provider or integration; delete it first or give the entry another name",
                code: "invalid-field")
        }
        let settings = current.settings.mergePatch(to: .object(draft.settings ?? [:])).objectValue
        let removed = Set([draft.tenant == nil ? "tenant" : nil, draft.metadata == nil ? "metadata" : nil].compactMap { $0 })
        return try await update(
            id: id,
            try Changes(
                name: draft.name, settings: settings, credentials: draft.credentials, tenant: draft.tenant, metadata: draft.metadata,
                removed: removed))
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
        guard let setup = try? await ConnectionSetup.load(record, database: database, vault: vault),
            OAuth2Configuration.isConfigured(in: setup.record.settings),
            case let (effective, credentials) = setup.effective,
            let configuration = try? OAuth2Configuration(settings: effective.settings, credentials: credentials),
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
