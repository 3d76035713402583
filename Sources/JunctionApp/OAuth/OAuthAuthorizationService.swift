import Crypto
import Foundation
import JunctionAuth
import JunctionCore
import JunctionStore
import Logging

/// The OAuth2 authorization code flow with PKCE for a connection: ``start(connectionID:)`` hands out the provider's
/// authorization URL with a single-use state that expires; ``complete(state:code:error:errorDescription:)`` takes
/// the browser's return, exchanges the code and stores the tokens.
public struct OAuthAuthorizationService: Sendable {
    /// A started authorization.
    public struct Started: Sendable {
        /// Where to send the user.
        public var authorizationURL: String
        /// When the state stops working.
        public var expiresAt: Date
    }

    /// How long a user has to complete the authorization.
    public static let stateLifetime: TimeInterval = 600

    private let database: Database
    private let vault: CredentialVault
    private let oauth: OAuth2Client
    private let tokens: TokenManager
    private let redirectURI: String
    private let logger: Logger

    /// A service whose provider redirects come back to `redirectURI` (the server's public URL + `/oauth/callback`).
    public init(database: Database, vault: CredentialVault, oauth: OAuth2Client, tokens: TokenManager, redirectURI: String, logger: Logger) {
        self.database = database
        self.vault = vault
        self.oauth = oauth
        self.tokens = tokens
        self.redirectURI = redirectURI
        self.logger = logger
    }

    /// How a callback ended for a state that was really pending.
    public struct Completion: Sendable {
        /// The connection authorized (or not).
        public var connectionID: String
        /// Its name, when it still exists.
        public var connectionName: String?
        /// Where the browser goes next, when the authorization asked for it.
        public var returnTo: String?
        /// Why it failed (the person denied it, the provider refused the code, the connection was deleted); `nil` when
        /// the connection is authorized.
        public var failure: (any JunctionError)?

        /// `returnTo` with the outcome in its query: `connectionId`, `status` (`authorized` or `failed`) and on
        /// failure `error` (the provider's code, or Junction's). `nil` without a `returnTo`.
        public var redirect: String? {
            guard let returnTo else { return nil }
            var items = [URLQueryItem(name: "connectionId", value: connectionID), URLQueryItem(name: "status", value: failure == nil ? "authorized" : "failed")]
            if let failure { items.append(URLQueryItem(name: "error", value: Self.code(of: failure))) }
            return ReturnURL.adding(items, to: returnTo)
        }

        private static func code(of error: any JunctionError) -> String {
            switch error {
            case OAuth2Error.authorizationDenied(let code, _): code
            case let error as ApplicationError: error.code
            default: "authorization_failed"
            }
        }
    }

    /// Starts an authorization for the connection with `connectionID`, which must use the authorization code grant;
    /// `returnTo`, which its `settings.oauth.allowedReturnUrls` must cover, is where the browser goes afterwards.
    public func start(connectionID id: String, returnTo: String? = nil) async throws -> Started {
        let setup = try await ConnectionSetup.load(
            try await ConnectionRepository(database: database).existing(id: id), database: database, vault: vault)
        let (record, credentials) = setup.effective
        // What the connection is configured for, not this request, decides: a conflict with its state.
        let configuration: OAuth2Configuration
        do {
            configuration = try OAuth2Configuration(settings: record.settings, credentials: credentials)
        } catch {
            throw Self.misconfigured(error.detail)
        }
        guard configuration.grant == .authorizationCode else {
            throw Self.misconfigured("this connection uses the \(configuration.grant.rawValue) grant, which needs no user authorization")
        }
        if let returnTo {
            let allowed = record.settings["oauth"]?["allowedReturnUrls"]?.arrayValue?.compactMap(\.stringValue) ?? []
            guard !allowed.isEmpty else {
                throw ApplicationError.invalid(
                    "returnTo needs settings.oauth.allowedReturnUrls on the connection or its integration; none is set",
                    code: "return-url-not-allowed")
            }
            guard ReturnURL.isAllowed(returnTo, by: allowed) else {
                throw ApplicationError.invalid(
                    "returnTo '\(returnTo.prefix(200))' is not covered by settings.oauth.allowedReturnUrls (\(allowed.joined(separator: ", ")))",
                    code: "return-url-not-allowed")
            }
        }
        let state = RandomToken.base64URL(bytes: 32)
        let pkce = PKCE.generate()
        let url: String
        do {
            url = try oauth.authorizationURL(configuration: configuration, state: state, pkce: pkce, redirectURI: redirectURI)
        } catch {
            throw Self.misconfigured(error.detail)
        }
        let stateHash = Self.hash(state)
        let expiresAt = Date().addingTimeInterval(Self.stateLifetime)
        try await OAuthStateRepository(database: database).insert(
            PendingAuthorization(stateHash: stateHash, connectionID: id, redirectURI: redirectURI, expiresAt: expiresAt, returnTo: returnTo),
            verifier: try vault.seal(["verifier": .string(pkce.verifier)], ownerID: OAuthStateRepository.verifierOwner(stateHash))
        )
        logger.info("authorization started", metadata: ["connection": "\(id)"])
        return Started(authorizationURL: url, expiresAt: expiresAt)
    }

    /// Completes the authorization the browser returned from, with the provider's `code` or its `error`. A state that
    /// was not pending (unknown, replayed, expired) is thrown as an `OAuth2Error`: nothing in the request can be trusted,
    /// not even where to return. Once the state is consumed, the outcome (authorized, denied, a code the provider
    /// refused, the connection deleted meanwhile) is answered with where to return.
    public func complete(state: String?, code: String?, error: String?, errorDescription: String?) async throws -> Completion {
        guard let state, !state.isEmpty else { throw OAuth2Error.unknownState }
        let pending: PendingAuthorization
        let sealedVerifier: SealedSecret
        switch try await OAuthStateRepository(database: database).consume(stateHash: Self.hash(state)) {
        case .unknown:
            logger.warning("OAuth callback with an unknown state")
            throw OAuth2Error.unknownState
        case .alreadyUsed(let connectionID):
            logger.warning("OAuth callback replayed", metadata: ["connection": "\(connectionID)"])
            throw OAuth2Error.stateAlreadyUsed
        case .expired(let connectionID):
            logger.warning("OAuth callback after the state expired", metadata: ["connection": "\(connectionID)"])
            throw OAuth2Error.stateExpired
        case .consumed(let found, let verifier):
            pending = found
            sealedVerifier = verifier
        }
        var completion = Completion(connectionID: pending.connectionID, returnTo: pending.returnTo)
        do {
            if let error {
                logger.warning("provider denied authorization", metadata: ["connection": "\(pending.connectionID)", "error": "\(error)"])
                throw OAuth2Error.authorizationDenied(code: error, description: errorDescription)
            }
            guard let code, !code.isEmpty else {
                throw OAuth2Error.authorizationDenied(code: "missing_code", description: "the provider sent no code")
            }
            guard let setup = try await ConnectionSetup.load(id: pending.connectionID, database: database, vault: vault) else {
                throw ApplicationError.notFound("the connection was deleted during authorization")
            }
            let (record, credentials) = setup.effective
            completion.connectionName = record.name
            let configuration = try OAuth2Configuration(settings: record.settings, credentials: credentials)
            guard let verifier = try vault.open(sealedVerifier)["verifier"]?.stringValue else { throw OAuth2Error.unknownState }
            let answer = try await oauth.exchange(code: code, verifier: verifier, redirectURI: pending.redirectURI, configuration: configuration)
            try await tokens.storeAuthorized(answer, for: record.id)
            logger.info("connection authorized", metadata: ["connection": "\(record.id)"])
        } catch let error as any JunctionError {
            logger.warning("authorization failed", metadata: ["connection": "\(pending.connectionID)", "error": "\(error.detail)"])
            completion.failure = error
        }
        return completion
    }

    private static func misconfigured(_ detail: String) -> ApplicationError {
        ApplicationError(kind: .conflict, code: "oauth-misconfigured", title: "OAuth not configured for authorization", detail: detail)
    }

    /// States are stored hashed, so a database reader cannot complete someone's authorization.
    static func hash(_ state: String) -> String {
        SHA256.hash(data: Data(state.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
