import Foundation
import JunctionAuth
import JunctionConnectors
import JunctionCore
import JunctionStore
import Logging

/// Integrations: a provider configured once (an OAuth app from a preset or its own URLs, its client credentials sealed
/// in the vault, shared settings such as the pinned API version and health thresholds) for every connection that
/// references it by key.
public struct IntegrationService: Sendable {
    /// An integration with its credentials, opened.
    public struct Integration: Sendable {
        /// The integration.
        public var record: IntegrationRecord
        /// Its credentials, in the clear: show them with ``ConnectionService/masked(_:)``.
        public var credentials: [String: JSONValue]
        /// How many connections use it.
        public var connections: Int
    }

    /// What creating an integration takes.
    public struct Draft: Sendable {
        /// The unique key, e.g. `salesforce-prod`.
        public var key: String
        /// The provider's name.
        public var provider: String
        /// A name for people (the key when absent).
        public var name: String?
        /// The preset to start from (by default the provider's own, when the integration uses OAuth).
        public var preset: String?
        /// OAuth settings over the preset's (`authorizeURL`, `tokenURL`, `scopes`, `allowedReturnUrls`…).
        public var oauth: JSONObject?
        /// Other settings shared by its connections (`apiVersion`, `health`, `baseURL`, `webhook`…).
        public var settings: JSONObject?
        /// Credentials shared by its connections (`clientId`, `clientSecret`).
        public var credentials: JSONObject?

        /// A draft.
        public init(
            key: String, provider: String, name: String? = nil, preset: String? = nil, oauth: JSONObject? = nil, settings: JSONObject? = nil,
            credentials: JSONObject? = nil
        ) {
            (self.key, self.provider, self.name, self.preset) = (key, provider, name, preset)
            (self.oauth, self.settings, self.credentials) = (oauth, settings, credentials)
        }
    }

    /// What a change sets (a JSON merge patch): `nil` leaves a member as it is; inside `oauth`, `settings` and
    /// `credentials`, a member set to `null` is removed.
    public struct Changes: Sendable {
        /// A new name.
        public var name: String?
        /// Merged into the stored `settings.oauth`.
        public var oauth: JSONObject?
        /// Merged into the stored settings.
        public var settings: JSONObject?
        /// Merged into the stored credentials.
        public var credentials: JSONObject?

        /// A change.
        public init(name: String? = nil, oauth: JSONObject? = nil, settings: JSONObject? = nil, credentials: JSONObject? = nil) {
            (self.name, self.oauth, self.settings, self.credentials) = (name, oauth, settings, credentials)
        }
    }

    private let database: Database
    private let repository: IntegrationRepository
    private let vault: CredentialVault
    private let catalog: ProviderCatalog
    private let webhookSources: WebhookSourceCache
    private let logger: Logger

    /// A service over the store; `webhookSources` forgets what it cached of the integration's connections on a change.
    public init(database: Database, vault: CredentialVault, catalog: ProviderCatalog, webhookSources: WebhookSourceCache, logger: Logger) {
        self.database = database
        self.repository = IntegrationRepository(database: database)
        self.vault = vault
        self.catalog = catalog
        self.webhookSources = webhookSources
        self.logger = logger
    }

    /// Creates an integration.
    public func create(_ draft: Draft) async throws -> Integration {
        let (provider, name, credentials, preset, members) = try prepared(draft)
        let now = Date()
        let record = IntegrationRecord(
            id: ResourceID.make(prefix: IntegrationRecord.idPrefix, at: now), key: draft.key, provider: provider.name, name: name,
            settings: .object(members), createdAt: now, updatedAt: now)
        do {
            try await repository.insert(record, secret: credentials.isEmpty ? nil : try vault.seal(credentials, ownerID: record.id))
        } catch IntegrationRepository.WriteError.keyTaken(let key) {
            throw ApplicationError(
                kind: .conflict, code: "integration-exists", title: "Integration exists",
                detail: "an integration with key '\(key)' already exists; change it with PATCH /api/v1/integrations/\(key)")
        }
        logger.info("integration created", metadata: ["integration": "\(record.key)", "provider": "\(record.provider)", "preset": "\(preset?.name ?? "none")"])
        return Integration(record: record, credentials: credentials, connections: 0)
    }

    /// Sets the integration `draft.key` to `draft`, as a configuration file declares it: its name and settings are
    /// replaced (the preset's under the draft's, as at creation); the credentials the draft names are set and the
    /// others kept. Its provider cannot change.
    public func replace(with draft: Draft) async throws -> Integration {
        let (provider, name, _, _, members) = try prepared(draft)
        let current = try await existing(key: draft.key)
        guard current.provider == provider.name else {
            throw ApplicationError.invalid(
                "integration '\(draft.key)' is for provider '\(current.provider)' and cannot become one for '\(provider.name)'; "
                    + "delete it first or give the entry another key", code: "invalid-field")
        }
        let patch = current.settings.mergePatch(to: .object(members)).objectValue
        return try await update(key: draft.key, Changes(name: name, settings: patch, credentials: draft.credentials))
    }

    /// Checks `draft` as creating it would, writing nothing (a configuration's dry run); returns the integration it
    /// would make, unstored, for checking the connections that use it.
    public func check(_ draft: Draft) throws(ApplicationError) -> IntegrationRecord {
        let (provider, name, _, _, settings) = try prepared(draft)
        return IntegrationRecord(
            id: IntegrationRecord.idPrefix + "_planned", key: draft.key, provider: provider.name, name: name, settings: .object(settings),
            createdAt: Date(), updatedAt: Date())
    }

    /// The draft checked, with the integration's provider, name, credentials, preset and settings (the preset's
    /// with the draft's over them).
    private func prepared(_ draft: Draft) throws(ApplicationError) -> (
        provider: ProviderDescriptor, name: String, credentials: JSONObject, preset: IntegrationPreset?, settings: JSONObject
    ) {
        try IntegrationValidation.validateKey(draft.key)
        let provider = try ConnectionValidation.provider(named: draft.provider, in: catalog)
        let name = draft.name ?? draft.key
        try ConnectionValidation.validateName(name)
        let credentials = draft.credentials ?? [:]
        try ConnectionValidation.validateCredentials(credentials, for: provider, allowNull: false)
        let preset = try IntegrationValidation.preset(
            named: draft.preset, provider: provider.name, usesOAuth: draft.oauth != nil || credentials["clientId"] != nil)
        var settings = JSONValue.object(preset?.settings ?? [:]).merging(patch: .object(draft.settings ?? [:]))
        if let oauth = draft.oauth { settings = settings.merging(patch: .object(["oauth": .object(oauth)])) }
        let members = settings.objectValue ?? [:]
        try IntegrationValidation.validate(members, credentials: credentials, provider: provider)
        return (provider, name, credentials, preset, members)
    }

    /// A page of integrations, oldest first.
    public func list(page: PageRequest) async throws -> Page<Integration> {
        let records = try await repository.list(after: page.cursor, limit: page.limit + 1)
        let listed = Page(fetched: records, limit: page.limit, cursor: \.id)
        let sealed = try await VaultSecretRepository(database: database).find(ownerIDs: listed.items.map(\.id))
        let connections = ConnectionRepository(database: database)
        var items: [Integration] = []
        for record in listed.items {
            items.append(
                Integration(
                    record: record, credentials: try sealed[record.id].map(vault.open) ?? [:],
                    connections: try await connections.count(usingIntegration: record.id)))
        }
        return Page(items: items, nextCursor: listed.nextCursor)
    }

    /// The integration with `key`.
    public func find(key: String) async throws -> Integration {
        let record = try await existing(key: key)
        return Integration(
            record: record, credentials: try await vault.credentials(of: record.id, in: VaultSecretRepository(database: database)),
            connections: try await ConnectionRepository(database: database).count(usingIntegration: record.id))
    }

    /// The integration with `key`, or a not-found error.
    public func existing(key: String) async throws -> IntegrationRecord {
        guard let record = try await repository.find(key: key) else { throw Self.notFound(key) }
        return record
    }

    /// Applies `changes` to the integration with `key`; every connection that uses it sees the change at once.
    public func update(key: String, _ changes: Changes) async throws -> Integration {
        var record = try await existing(key: key)
        let provider = try ConnectionValidation.provider(named: record.provider, in: catalog)
        if let name = changes.name {
            try ConnectionValidation.validateName(name)
            record.name = name
        }
        if let patch = changes.settings { record.settings = record.settings.merging(patch: .object(patch)) }
        if let oauth = changes.oauth { record.settings = record.settings.merging(patch: .object(["oauth": .object(oauth)])) }
        let secrets = VaultSecretRepository(database: database)
        var credentials = try await vault.credentials(of: record.id, in: secrets)
        if let patch = changes.credentials {
            try ConnectionValidation.validateCredentials(patch, for: provider, allowNull: true)
            credentials = JSONValue.object(credentials).merging(patch: .object(patch)).objectValue ?? [:]
        }
        try IntegrationValidation.validate(record.settings.objectValue ?? [:], credentials: credentials, provider: provider)
        record.updatedAt = Date()
        let sealed = changes.credentials == nil ? nil : try vault.seal(credentials, ownerID: record.id)
        guard try await repository.update(record, secret: sealed) else { throw Self.notFound(key) }
        let repository = ConnectionRepository(database: database)
        var cursor: String?
        repeat {
            let page = try await repository.list(after: cursor, limit: 500, filter: .init(integrationID: record.id))
            for connection in page { webhookSources.invalidate(connection.id) }
            cursor = page.count == 500 ? page.last?.id : nil
        } while cursor != nil
        logger.info("integration updated", metadata: ["integration": "\(record.key)", "credentialsReplaced": "\(changes.credentials != nil)"])
        return Integration(record: record, credentials: credentials, connections: try await repository.count(usingIntegration: record.id))
    }

    /// Deletes the integration and its credentials; refused while connections use it.
    public func delete(key: String) async throws {
        let record = try await existing(key: key)
        do {
            guard try await repository.delete(id: record.id) else { throw Self.notFound(key) }
        } catch IntegrationRepository.WriteError.inUse(let count) {
            throw ApplicationError(
                kind: .conflict, code: "integration-in-use", title: "Integration in use",
                detail: "\(count) connection\(count == 1 ? "" : "s") use integration '\(key)'; delete them or move them to another integration first")
        }
        logger.info("integration deleted", metadata: ["integration": "\(key)"])
    }

    static func notFound(_ key: String) -> ApplicationError {
        .notFound("no integration with key '\(key.prefix(100))'")
    }
}
