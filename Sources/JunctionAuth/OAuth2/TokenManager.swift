import Foundation
import JunctionCore
import JunctionStore
import Logging
import Synchronization
import Tracing

/// Hands out a valid access token per connection, refreshing ahead of expiry, with the lessons of running
/// OAuth at scale built in:
///
/// - **One refresh in flight per connection across every node.** Within a process, concurrent callers share one
///   refresh task; across processes, the refresher holds a lease in the store. Whoever waits re-reads the
///   credentials and uses what the refresher stored.
/// - **Re-read after acquiring the lease**: another node may have refreshed in between.
/// - **Store the rotated refresh token before the new access token is used**, so a crash after the refresh never
///   leaves the database with a refresh token the provider has already retired.
/// - **Cool down after a failed refresh**, instead of hammering the token endpoint.
/// - **`invalid_grant` marks the connection `reauthorization_required`** with the reason and records an
///   operational event; later calls fail at once, without calling the provider, until a person re-authorizes.
public final class TokenManager: Sendable {
    /// Timing of refreshes.
    public struct Configuration: Sendable {
        /// How long a refresher may hold the lease before another node may take over: longer than the worst
        /// token request (three connection attempts of up to 30 s each), so a slow refresh is never duplicated.
        public var leaseDuration: Duration = .seconds(100)
        /// How long a caller waits for another node's refresh: past the lease, so a crashed refresher is replaced.
        public var waitForOtherRefresh: Duration = .seconds(105)
        /// Pause after a failed refresh before the next attempt.
        public var cooldown: Duration = .seconds(30)
        /// How often a waiting caller re-reads the credentials.
        public var pollInterval: Duration = .milliseconds(50)
        /// Called as a refresh passes each ``RefreshStep``: crash tests inject a fault here (the CLI wires it only
        /// from a hidden test flag); `nil` in production.
        public var onRefreshStep: (@Sendable (RefreshStep) -> Void)?

        /// The defaults.
        public init() {}
    }

    /// The points of a refresh a crash can fall between.
    public enum RefreshStep: String, Sendable, CaseIterable {
        /// The token endpoint answered; nothing is stored yet.
        case tokenAnswered = "after-token-response"
        /// The new tokens are stored; the caller has not used them yet.
        case tokenSaved = "after-token-save"
    }

    /// The connection status that stops all token use until a person re-authorizes.
    public static let reauthorizationRequired = "reauthorization_required"

    private let database: Database
    private let connections: ConnectionRepository
    private let secrets: VaultSecretRepository
    private let leases: LeaseRepository
    private let events: OperationalEventRepository
    private let vault: CredentialVault
    private let oauth: OAuth2Client
    private let configuration: Configuration
    private let logger: Logger
    private let inFlight = Mutex<[String: Task<String, any Error>]>([:])

    /// A token manager over the store.
    public init(
        database: Database,
        vault: CredentialVault,
        oauth: OAuth2Client,
        configuration: Configuration = .init(),
        logger: Logger = Logger(label: "junction.tokens")
    ) {
        self.database = database
        self.connections = ConnectionRepository(database: database)
        self.secrets = VaultSecretRepository(database: database)
        self.leases = LeaseRepository(database: database)
        self.events = OperationalEventRepository(database: database)
        self.vault = vault
        self.oauth = oauth
        self.configuration = configuration
        self.logger = logger
    }

    /// A valid access token for the connection, refreshed first if it expires soon (or is missing and the
    /// grant can obtain one without a user).
    public func accessToken(for connectionID: String) async throws -> String {
        let (record, credentials) = try await load(connectionID).effective
        let oauthConfiguration = try OAuth2Configuration(settings: record.settings, credentials: credentials)
        if let tokens = TokenSet(credentials: credentials), !tokens.needsRefresh(within: oauthConfiguration.refreshAhead) {
            return tokens.accessToken
        }
        return try await sharedRefresh(connectionID, rejected: nil)
    }

    /// Refreshes after the provider rejected `token` (a 401), unless another caller already replaced it.
    public func refresh(for connectionID: String, rejected token: String) async throws -> String {
        try await sharedRefresh(connectionID, rejected: token)
    }

    private func sharedRefresh(_ connectionID: String, rejected: String?) async throws -> String {
        let task = inFlight.withLock { tasks in
            if let running = tasks[connectionID] { return running }
            // Shared by every caller waiting on it, so it belongs to none of their traces: a trace of its own.
            let task = Task {
                try await ServiceContext.$current.withValue(nil) { try await self.refreshAcrossNodes(connectionID, rejected: rejected) }
            }
            tasks[connectionID] = task
            return task
        }
        defer { inFlight.withLock { tasks in if tasks[connectionID] == task { tasks[connectionID] = nil } } }
        return try await task.value
    }

    private func refreshAcrossNodes(_ connectionID: String, rejected: String?) async throws -> String {
        try await withRefreshLease(
            of: connectionID,
            whileWaiting: { try await self.currentToken(connectionID, rejected: rejected) },
            { try await self.refreshHoldingLease(connectionID, rejected: rejected) }
        )
    }

    /// Runs `body` holding the connection's refresh lease, the one lock every node takes before changing the
    /// connection's credentials. While another holder has it, `whileWaiting` is asked after each poll and may
    /// end the wait with a result (another node's fresh token).
    private func withRefreshLease<Result: Sendable>(
        of connectionID: String,
        whileWaiting: () async throws -> Result? = { nil },
        _ body: () async throws -> Result
    ) async throws -> Result {
        let leaseName = "token-refresh:" + connectionID
        let holder = UUID().uuidString
        let deadline = ContinuousClock.now + configuration.waitForOtherRefresh
        while try await !leases.acquire(leaseName, holder: holder, for: configuration.leaseDuration) {
            try await Task.sleep(for: configuration.pollInterval)
            if let result = try await whileWaiting() { return result }
            guard ContinuousClock.now < deadline else { throw OAuth2Error.refreshTimedOut }
        }
        do {
            let result = try await body()
            try await leases.release(leaseName, holder: holder)
            return result
        } catch {
            try? await leases.release(leaseName, holder: holder)
            throw error
        }
    }

    /// The stored token if it is good to use now (another node refreshed it), else `nil`.
    private func currentToken(_ connectionID: String, rejected: String?) async throws -> String? {
        let (record, credentials) = try await load(connectionID).effective
        let oauthConfiguration = try OAuth2Configuration(settings: record.settings, credentials: credentials)
        guard let tokens = TokenSet(credentials: credentials), tokens.accessToken != rejected,
            !tokens.needsRefresh(within: oauthConfiguration.refreshAhead)
        else { return nil }
        return tokens.accessToken
    }

    private func refreshHoldingLease(_ connectionID: String, rejected: String?) async throws -> String {
        if let token = try await currentToken(connectionID, rejected: rejected) { return token }
        let setup = try await load(connectionID)
        let (record, credentials) = setup.effective
        let oauthConfiguration = try OAuth2Configuration(settings: record.settings, credentials: credentials)
        if let failedAt = credentials["refreshFailedAt"]?.stringValue.flatMap({ try? Date($0, strategy: .iso8601) }) {
            let elapsed = Date().timeIntervalSince(failedAt)
            let cooldown = Double(configuration.cooldown.components.seconds)
            if elapsed < cooldown { throw OAuth2Error.refreshCoolingDown(secondsLeft: Int((cooldown - elapsed).rounded(.up))) }
        }
        let tokens: TokenSet
        do {
            switch oauthConfiguration.grant {
            case .authorizationCode:
                guard let refreshToken = TokenSet(credentials: credentials)?.refreshToken ?? credentials["refreshToken"]?.stringValue else {
                    throw OAuth2Error.invalidGrant("the connection has no refresh token; authorize it first")
                }
                tokens = try await oauth.refresh(refreshToken: refreshToken, configuration: oauthConfiguration)
            case .clientCredentials:
                tokens = try await oauth.clientCredentials(configuration: oauthConfiguration)
            case .jwtBearer:
                let assertion = try JWTBearerAssertion(settings: record.settings, credentials: credentials)
                tokens = try await oauth.jwtBearer(assertion: try await assertion.sign(), tokenURL: assertion.tokenURL)
            }
        } catch OAuth2Error.invalidGrant(let description) {
            // A newer refresh token stored meanwhile (an authorization, a PATCH) explains the rejection: use it.
            let latest = try await load(connectionID, allowReauthorization: true).credentials
            if let tokens = TokenSet(credentials: latest), tokens.refreshToken != TokenSet(credentials: credentials)?.refreshToken,
                !tokens.needsRefresh(within: oauthConfiguration.refreshAhead)
            {
                return tokens.accessToken
            }
            try await requireReauthorization(connectionID, reason: "the provider rejected the refresh (invalid_grant): \(description)")
            throw OAuth2Error.reauthorizationRequired(description)
        } catch {
            // Written to the connection's own credentials: its integration's secret stays the integration's.
            var failed = setup.ownCredentials
            failed["refreshFailedAt"] = .string(Date().formatted(.iso8601))
            try await secrets.save(try vault.seal(failed, ownerID: connectionID))
            logger.warning("token refresh failed; cooling down", metadata: ["connection": "\(connectionID)", "error": "\(error)"])
            throw error
        }
        configuration.onRefreshStep?(.tokenAnswered)
        // Stored before anyone uses the new access token: the provider may already have retired the old
        // refresh token.
        try await secrets.save(try vault.seal(tokens.merged(into: setup.ownCredentials), ownerID: connectionID))
        configuration.onRefreshStep?(.tokenSaved)
        logger.info(
            "access token refreshed",
            metadata: [
                "connection": "\(connectionID)", "grant": "\(oauthConfiguration.grant.rawValue)",
                "rotated": "\(tokens.refreshToken != nil)",
            ]
        )
        return tokens.accessToken
    }

    /// Marks the connection as needing a person, with the reason, and records an operational event.
    public func requireReauthorization(_ connectionID: String, reason: String) async throws {
        try await connections.setStatus(id: connectionID, status: Self.reauthorizationRequired, reason: reason)
        try await events.record(type: "connection.reauthorization_required", connectionID: connectionID, message: reason)
        logger.error("connection needs re-authorization", metadata: ["connection": "\(connectionID)", "reason": "\(reason)"])
    }

    /// Stores tokens obtained by the authorization code flow and marks the connection active again.
    public func storeAuthorized(_ tokens: TokenSet, for connectionID: String) async throws {
        _ = try await updateCredentials(of: connectionID) { tokens.merged(into: $0) }
        try await connections.setStatus(id: connectionID, status: "active", reason: nil)
    }

    /// Read-modify-writes a connection's credentials under the refresh lease, so a PATCH or an authorization
    /// never overwrites a refresh token rotated at the same moment (and a refresh never overwrites them).
    /// Returns the credentials as stored.
    public func updateCredentials(
        of connectionID: String,
        _ transform: @Sendable ([String: JSONValue]) throws -> [String: JSONValue]
    ) async throws -> [String: JSONValue] {
        try await withRefreshLease(of: connectionID) {
            let updated = try transform(try await load(connectionID, allowReauthorization: true).ownCredentials)
            try await secrets.save(try vault.seal(updated, ownerID: connectionID))
            return updated
        }
    }

    /// The connection with its integration's settings and credentials beneath its own.
    private func load(_ connectionID: String, allowReauthorization: Bool = false) async throws -> ConnectionSetup {
        guard let record = try await connections.find(id: connectionID) else {
            throw OAuth2Error.misconfigured("no connection with id '\(connectionID)'")
        }
        if !allowReauthorization, record.status == Self.reauthorizationRequired {
            throw OAuth2Error.reauthorizationRequired(record.statusReason ?? "re-authorize the connection")
        }
        return try await ConnectionSetup.load(record, database: database, vault: vault)
    }
}
