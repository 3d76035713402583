import Foundation
import JunctionAuth
import JunctionConnectors
import JunctionCore
import JunctionHTTP
import JunctionStore

/// Opens a connection for calls to its provider, the same way for every caller (the resources API, the proxy, and the
/// jobs that sync): the connection, its provider, its credentials, and the base URL its calls go to, which is
/// `settings.baseURL`, else the instance URL its token names (Salesforce's `instance_url`), else the provider's default.
public struct ConnectionRuntime: Sendable {
    /// One connection, opened: everything a call needs, resolved once.
    public struct Session: Sendable {
        /// The connection.
        public let connection: ConnectionRecord
        /// Its connector, or `nil` when this server no longer has one for its provider (the proxy still works with a
        /// `settings.baseURL`).
        public let connector: (any Connector)?
        /// Where the provider's API is for this connection.
        public let baseURL: String
        /// Puts the connection's credentials on requests and refreshes a rejected token once.
        public let sender: CredentialedSender

        /// The connection's connector.
        public func requireConnector() throws(ConnectionCallError) -> any Connector {
            guard let connector else { throw .unknownProvider(connection.provider) }
            return connector
        }

        /// The connection's client policy: its `settings.client` over `defaults`.
        public func policy(defaults: ClientPolicy) -> ClientPolicy {
            ClientPolicy(settings: connection.settings, defaults: defaults)
        }
    }

    private let database: Database
    private let vault: CredentialVault
    private let tokens: TokenManager
    private let catalog: ProviderCatalog
    private let apiClient: APIClient
    /// Counts every call for the connections' health.
    public let recorder: CallRecorder?

    /// A runtime over the store, the vault, the token manager and the client every provider call goes through;
    /// `recorder` counts the calls for the health monitor.
    public init(
        database: Database, vault: CredentialVault, tokens: TokenManager, catalog: ProviderCatalog, apiClient: APIClient,
        recorder: CallRecorder? = nil
    ) {
        self.recorder = recorder
        self.database = database
        self.vault = vault
        self.tokens = tokens
        self.catalog = catalog
        self.apiClient = apiClient
    }

    /// Opens the connection with `id`; a connection whose base URL comes with its token gets a token first.
    public func open(id: String) async throws -> Session {
        let stored = try await ConnectionRepository(database: database).existing(id: id)
        // Its integration's settings and credentials beneath its own.
        let setup = try await ConnectionSetup.load(stored, database: database, vault: vault)
        let connection = setup.record
        let connector = catalog.connector(named: connection.provider)
        let descriptor = connector?.descriptor
        var baseURL = connection.settings["baseURL"]?.stringValue
        let instanceURLField = baseURL == nil ? descriptor?.instanceURLField : nil
        if instanceURLField != nil {
            // The API host comes with the token: obtain one (refreshing if need be) before the credentials are read.
            _ = try await CredentialedSender.credentialProblems { try await tokens.accessToken(for: id) }
        }
        let credentials =
            instanceURLField == nil ? setup.credentials : try await ConnectionSetup.load(stored, database: database, vault: vault).credentials
        if let field = instanceURLField, let url = credentials["tokenExtras"]?[field]?.stringValue {
            guard Self.isSecureOrLoopback(url) else { throw ConnectionCallError.insecureInstanceURL }
            baseURL = url
        }
        guard let baseURL = baseURL ?? descriptor?.defaultBaseURL else { throw ConnectionCallError.noBaseURL }
        let sender = CredentialedSender(
            tokens: tokens, connection: connection, provider: descriptor, credentials: credentials, recorder: recorder)
        return Session(connection: connection, connector: connector, baseURL: baseURL, sender: sender)
    }

    /// What a connector works with for `session`: the provider's idempotency header by default, the connection's API version.
    public func connectorSession(_ session: Session, connector: any Connector) -> ConnectorSession {
        let descriptor = connector.descriptor
        let settings = session.connection.settings
        return ConnectorSession(
            connectionID: session.connection.id, baseURL: session.baseURL,
            apiVersion: settings["apiVersion"]?.stringValue ?? descriptor.defaultAPIVersion,
            settings: settings.objectValue ?? [:],
            transport: ConnectionTransport(
                apiClient: apiClient, sender: session.sender,
                policy: session.policy(defaults: ClientPolicy(idempotencyKeyHeader: descriptor.idempotencyHeader)))
        )
    }

    /// Notes that the connection was just used (best effort: a failure to note it does not fail the call).
    public func touch(_ session: Session) async {
        try? await ConnectionRepository(database: database).touch(id: session.connection.id)
    }

    /// `https`, or `http` to a loopback address (a local fixture or emulator).
    static func isSecureOrLoopback(_ url: String) -> Bool {
        guard let components = URLComponents(string: url), let host = components.host else { return false }
        if components.scheme == "https" { return true }
        return components.scheme == "http" && ["127.0.0.1", "::1", "[::1]", "localhost"].contains(host)
    }
}
