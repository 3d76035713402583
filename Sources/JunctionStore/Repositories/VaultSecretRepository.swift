import Foundation
import JunctionCore
import SQLKit

/// The vault's table of sealed secrets. It never sees plaintext: sealing and opening happen in `JunctionAuth`.
public struct VaultSecretRepository: Sendable {
    let database: Database

    /// A repository over `database`.
    public init(database: Database) {
        self.database = database
    }

    /// The sealed secret of `ownerID`, if any.
    public func find(ownerID: String) async throws -> SealedSecret? {
        let row = try await database.withSQL { sql in
            try await sql.raw("SELECT * FROM vault_secrets WHERE owner_id = \(bind: ownerID)").first()
        }
        return try row.map(Self.secret(from:))
    }

    /// The sealed secrets of several owners in one query, keyed by owner; owners without a secret are absent.
    public func find(ownerIDs: [String]) async throws -> [String: SealedSecret] {
        guard !ownerIDs.isEmpty else { return [:] }
        let rows = try await database.withSQL { sql in
            try await sql.raw("SELECT * FROM vault_secrets WHERE owner_id IN (\(binds: ownerIDs))").all()
        }
        var secrets: [String: SealedSecret] = [:]
        for row in rows {
            let secret = try Self.secret(from: row)
            secrets[secret.ownerID] = secret
        }
        return secrets
    }

    /// Stores or replaces a sealed secret on its own.
    public func save(_ secret: SealedSecret) async throws {
        try await database.withSQL { sql in try await Self.upsert(secret, at: Date(), using: sql) }
    }

    /// A batch of secrets not sealed by `keyID`, in owner order after `cursor`: the work list of a key rotation.
    public func secrets(notSealedBy keyID: String, after cursor: String?, limit: Int) async throws -> [SealedSecret] {
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                """
                SELECT * FROM vault_secrets WHERE key_id <> \(bind: keyID) AND owner_id > \(bind: cursor ?? "")
                ORDER BY owner_id LIMIT \(bind: limit)
                """
            ).all()
        }
        return try rows.map(Self.secret(from:))
    }

    /// Replaces the wrapping of a data key, only if the row still holds `old` (compare-and-swap), so a
    /// rotation never overwrites credentials a running server changed meanwhile. Returns whether it did.
    public func replaceWrapping(of old: SealedSecret, with new: SealedSecret) async throws -> Bool {
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                """
                UPDATE vault_secrets SET key_id = \(bind: new.keyID), wrapped_key = \(bind: new.wrappedKey), \
                updated_at = \(bind: Date().epochMilliseconds)
                WHERE owner_id = \(bind: old.ownerID) AND key_id = \(bind: old.keyID) \
                AND wrapped_key = \(bind: old.wrappedKey) AND ciphertext = \(bind: old.ciphertext) RETURNING owner_id
                """
            ).all()
        }
        return !rows.isEmpty
    }

    /// How many secrets each master key seals: what `junction keys status` shows and what start-up checks.
    public func countByKeyID() async throws -> [String: Int] {
        let rows = try await database.withSQL { sql in
            try await sql.raw("SELECT key_id, COUNT(*) AS count FROM vault_secrets GROUP BY key_id").all()
        }
        var counts: [String: Int] = [:]
        for row in rows {
            counts[try row.decode(column: "key_id", as: String.self)] = try row.decode(column: "count", as: Int.self)
        }
        return counts
    }

    /// Stores or replaces a sealed secret inside the caller's transaction, so it commits with the record it belongs to.
    public static func upsert(_ secret: SealedSecret, at date: Date, using sql: any SQLDatabase) async throws {
        let timestamp = date.epochMilliseconds
        try await sql.raw(
            """
            INSERT INTO vault_secrets (owner_id, key_id, wrapped_key, ciphertext, created_at, updated_at)
            VALUES (\(bind: secret.ownerID), \(bind: secret.keyID), \(bind: secret.wrappedKey), \
            \(bind: secret.ciphertext), \(bind: timestamp), \(bind: timestamp))
            ON CONFLICT (owner_id) DO UPDATE SET key_id = excluded.key_id, wrapped_key = excluded.wrapped_key, \
            ciphertext = excluded.ciphertext, updated_at = excluded.updated_at
            """
        ).run()
    }

    static func secret(from row: any SQLRow) throws -> SealedSecret {
        SealedSecret(
            ownerID: try row.decode(column: "owner_id", as: String.self),
            keyID: try row.decode(column: "key_id", as: String.self),
            wrappedKey: try row.decode(column: "wrapped_key", as: String.self),
            ciphertext: try row.decode(column: "ciphertext", as: String.self)
        )
    }
}
