import Foundation
import JunctionAuth
import JunctionConnectors
import JunctionCore
import JunctionStore
import JunctionWebhooks
import Synchronization

/// What the ingress needs to verify a connection's webhooks, cached so the hot path reads neither the store nor
/// the vault. An entry lives `timeToLive`; a signature that fails against a cached entry older than a second
/// reloads it once, so a secret rotated through the API (on any node) is picked up at the next webhook.
public final class WebhookSourceCache: Sendable {
    /// A connection's webhook receiving state.
    public struct Source: Sendable {
        /// The connection.
        public let connectionID: String
        /// The verifier and settings, or why the connection cannot receive webhooks.
        public let settings: Result<WebhookSourceSettings, WebhookSettingsError>
        /// The secrets its webhooks may be signed with.
        public let secrets: [String]
        /// When it was read from the store.
        public let loadedAt: ContinuousClock.Instant
    }

    private let database: Database
    private let connections: ConnectionRepository
    private let vault: CredentialVault
    private let timeToLive: Duration
    private let catalog: ProviderCatalog
    private let entries = Mutex<[String: Source]>([:])

    /// A cache over the store, opening secrets with `vault`.
    public init(database: Database, vault: CredentialVault, catalog: ProviderCatalog, timeToLive: Duration = .seconds(30)) {
        self.catalog = catalog
        self.database = database
        self.connections = ConnectionRepository(database: database)
        self.vault = vault
        self.timeToLive = timeToLive
    }

    /// The connection's source, or `nil` when there is no such connection.
    public func source(for connectionID: String) async throws -> Source? {
        let now = ContinuousClock.now
        if let cached = entries.withLock({ $0[connectionID] }), now - cached.loadedAt < timeToLive {
            return cached
        }
        return try await load(connectionID)
    }

    /// Reloads after a failed verification, unless the entry is fresher than a second (so a flood of forgeries
    /// cannot turn into a flood of store reads). Returns the new entry, or `nil` when nothing changed.
    public func reloadAfterFailure(of source: Source) async throws -> Source? {
        guard ContinuousClock.now - source.loadedAt > .seconds(1) else { return nil }
        return try await load(source.connectionID)
    }

    /// Forgets a connection, after it was edited or deleted on this node.
    public func invalidate(_ connectionID: String) {
        _ = entries.withLock { $0.removeValue(forKey: connectionID) }
    }

    private func load(_ connectionID: String) async throws -> Source? {
        guard let stored = try await connections.find(id: connectionID) else {
            invalidate(connectionID)
            return nil
        }
        // An integration may hold the signing secret every one of its connections is verified with.
        let (record, credentials) = try await ConnectionSetup.load(stored, database: database, vault: vault).effective
        var list: [String] = []
        if let one = credentials["webhookSecret"]?.stringValue { list.append(one) }
        for entry in credentials["webhookSecrets"]?.arrayValue ?? [] {
            if let text = entry.stringValue, !list.contains(text) { list.append(text) }
        }
        let settings = Result { () throws(WebhookSettingsError) in
            try WebhookSourceSettings(
                provider: record.provider, settings: record.settings,
                defaultVerifier: catalog.provider(named: record.provider)?.webhookVerifier)
        }
        let source = Source(connectionID: connectionID, settings: settings, secrets: list, loadedAt: .now)
        entries.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[connectionID] = source
        }
        return source
    }
}
