import Crypto
import Foundation
import JunctionCore
import JunctionStore
import SQLKit

/// The dashboard's sign-in sessions: an operator presents the admin token once and gets a random session id for a
/// cookie. Only the id's SHA-256 is stored, so a database dump opens no session; each session has its own CSRF token,
/// an absolute expiry, and can be revoked (signing out revokes one, "sign out everywhere" every one).
public struct DashboardSessions: Sendable {
    /// A signed-in session.
    public struct Session: Sendable, Equatable {
        /// The SHA-256 of the cookie's value (hex), the row's key.
        public var idHash: String
        /// The token every form of the session carries as `csrf`.
        public var csrfToken: String
        /// When it was made.
        public var createdAt: Date
        /// When it stops working, whatever happens.
        public var expiresAt: Date
    }

    /// How long a session lasts after sign-in.
    public static let lifetime: TimeInterval = 12 * 3600

    private let database: Database
    private let now: @Sendable () -> Date

    /// Sessions in `database`; `now` is injectable for tests of expiry.
    public init(database: Database, now: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.now = now
    }

    /// Starts a session; returns the cookie value (shown to the browser only) and the session.
    public func create() async throws -> (cookie: String, session: Session) {
        let cookie = RandomToken.base64URL(bytes: 32)
        let created = now()
        let session = Session(
            idHash: Self.hash(cookie), csrfToken: RandomToken.base64URL(bytes: 24), createdAt: created,
            expiresAt: created.addingTimeInterval(Self.lifetime))
        try await database.withSQL { sql in
            try await sql.raw(
                """
                INSERT INTO dashboard_sessions (id_hash, csrf_token, created_at, expires_at) \
                VALUES (\(bind: session.idHash), \(bind: session.csrfToken), \(bind: created.epochMilliseconds), \
                \(bind: session.expiresAt.epochMilliseconds))
                """
            ).run()
            // Expired and revoked sessions are of no use to anyone: each sign-in sweeps them.
            try await sql.raw(
                "DELETE FROM dashboard_sessions WHERE expires_at < \(bind: created.epochMilliseconds) OR revoked_at IS NOT NULL"
            ).run()
        }
        return (cookie, session)
    }

    /// The live session a cookie names, or `nil` (unknown, expired or revoked).
    public func session(cookie: String) async throws -> Session? {
        guard !cookie.isEmpty, cookie.utf8.count <= 128 else { return nil }
        let row = try await database.withSQL { sql in
            try await sql.raw(
                """
                SELECT id_hash, csrf_token, created_at, expires_at FROM dashboard_sessions \
                WHERE id_hash = \(bind: Self.hash(cookie)) AND revoked_at IS NULL AND expires_at > \(bind: now().epochMilliseconds)
                """
            ).first()
        }
        guard let row else { return nil }
        return Session(
            idHash: try row.decode(column: "id_hash", as: String.self), csrfToken: try row.decode(column: "csrf_token", as: String.self),
            createdAt: Date(epochMilliseconds: try row.decode(column: "created_at", as: Int64.self)),
            expiresAt: Date(epochMilliseconds: try row.decode(column: "expires_at", as: Int64.self)))
    }

    /// Ends one session.
    public func revoke(_ session: Session) async throws {
        try await database.withSQL { sql in
            try await sql.raw(
                "UPDATE dashboard_sessions SET revoked_at = \(bind: now().epochMilliseconds) WHERE id_hash = \(bind: session.idHash)"
            ).run()
        }
    }

    /// Ends every session; returns how many were live.
    @discardableResult
    public func revokeAll() async throws -> Int {
        let stamp = now().epochMilliseconds
        return try await database.withSQL { sql in
            try await sql.raw(
                "UPDATE dashboard_sessions SET revoked_at = \(bind: stamp) WHERE revoked_at IS NULL AND expires_at > \(bind: stamp) RETURNING id_hash"
            ).all().count
        }
    }

    /// Whether a form's `csrf` value is the session's token, compared in constant time.
    public static func matches(_ presented: String?, _ expected: String) -> Bool {
        guard let presented else { return false }
        let left = Array(SHA256.hash(data: Data(presented.utf8)))
        let right = Array(SHA256.hash(data: Data(expected.utf8)))
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func hash(_ cookie: String) -> String {
        SHA256.hash(data: Data(cookie.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
