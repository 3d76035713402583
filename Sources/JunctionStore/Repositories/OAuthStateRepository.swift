import Foundation
import JunctionCore
import SQLKit

/// A pending OAuth2 authorization, found again by its `state` when the provider redirects back.
public struct PendingAuthorization: Sendable, Equatable {
    /// SHA-256 of the state, hex; the state itself is never stored.
    public var stateHash: String
    /// The connection being authorized.
    public var connectionID: String
    /// The redirect URI sent in the authorization request (the token request must repeat it).
    public var redirectURI: String
    /// After this the state is refused.
    public var expiresAt: Date
    /// Where the browser goes once the callback is handled (already checked against the allowed list).
    public var returnTo: String?

    /// A pending authorization.
    public init(stateHash: String, connectionID: String, redirectURI: String, expiresAt: Date, returnTo: String? = nil) {
        self.stateHash = stateHash
        self.connectionID = connectionID
        self.redirectURI = redirectURI
        self.expiresAt = expiresAt
        self.returnTo = returnTo
    }
}

/// Stores pending authorizations and consumes each at most once.
public struct OAuthStateRepository: Sendable {
    let database: Database

    /// A repository over `database`.
    public init(database: Database) {
        self.database = database
    }

    /// Records a pending authorization together with its sealed PKCE verifier.
    public func insert(_ pending: PendingAuthorization, verifier: SealedSecret) async throws {
        try await database.transaction { sql in
            try await sql.raw(
                """
                INSERT INTO oauth_states (state_hash, connection_id, redirect_uri, expires_at, created_at, return_to)
                VALUES (\(bind: pending.stateHash), \(bind: pending.connectionID), \(bind: pending.redirectURI), \
                \(bind: pending.expiresAt.epochMilliseconds), \(bind: Date().epochMilliseconds), \(bind: pending.returnTo))
                """
            ).run()
            try await VaultSecretRepository.upsert(verifier, at: Date(), using: sql)
        }
    }

    /// What consuming a state found.
    public enum Consumption: Sendable, Equatable {
        /// The state was pending and is now used; here are its details and sealed verifier.
        case consumed(PendingAuthorization, verifier: SealedSecret)
        /// No such state (forged, or from another server).
        case unknown
        /// The state was already used (a replayed callback).
        case alreadyUsed(connectionID: String)
        /// The state expired before the user came back.
        case expired(connectionID: String)
    }

    /// Marks the state used, atomically, and returns what it was: a second consumption never succeeds.
    public func consume(stateHash: String) async throws -> Consumption {
        try await database.transaction { sql in
            let now = Date().epochMilliseconds
            let claimed = try await sql.raw(
                """
                UPDATE oauth_states SET used_at = \(bind: now)
                WHERE state_hash = \(bind: stateHash) AND used_at IS NULL AND expires_at > \(bind: now)
                RETURNING connection_id, redirect_uri, expires_at, return_to
                """
            ).first()
            if let claimed {
                let pending = PendingAuthorization(
                    stateHash: stateHash,
                    connectionID: try claimed.decode(column: "connection_id", as: String.self),
                    redirectURI: try claimed.decode(column: "redirect_uri", as: String.self),
                    expiresAt: Date(epochMilliseconds: try claimed.decode(column: "expires_at", as: Int64.self)),
                    returnTo: try claimed.decode(column: "return_to", as: String?.self)
                )
                let verifierRow = try await sql.raw(
                    "DELETE FROM vault_secrets WHERE owner_id = \(bind: Self.verifierOwner(stateHash)) RETURNING *"
                ).first()
                guard let verifierRow else { return .unknown }
                return .consumed(pending, verifier: try VaultSecretRepository.secret(from: verifierRow))
            }
            guard
                let row = try await sql.raw(
                    "SELECT connection_id, used_at FROM oauth_states WHERE state_hash = \(bind: stateHash)"
                ).first()
            else { return .unknown }
            let connectionID = try row.decode(column: "connection_id", as: String.self)
            return try row.decode(column: "used_at", as: Int64?.self) != nil
                ? .alreadyUsed(connectionID: connectionID) : .expired(connectionID: connectionID)
        }
    }

    /// The vault owner id under which a state's PKCE verifier is sealed.
    public static func verifierOwner(_ stateHash: String) -> String { "oauth_state:" + stateHash }
}
