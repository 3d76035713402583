import Foundation
import JunctionCore
import SQLKit

/// Reads and writes integrations, together with their sealed credentials in the same transaction.
public struct IntegrationRepository: Sendable {
    /// Why a write did not happen.
    public enum WriteError: Error, Sendable, Equatable {
        /// Another integration has the key.
        case keyTaken(String)
        /// Connections still use the integration (how many).
        case inUse(connections: Int)
    }

    let database: Database

    /// A repository over `database`.
    public init(database: Database) {
        self.database = database
    }

    /// Stores a new integration and its sealed credentials atomically.
    public func insert(_ integration: IntegrationRecord, secret: SealedSecret?) async throws {
        try await database.transaction { sql in
            // The key's unique index decides between two creations at the same moment.
            let inserted = try await sql.raw(
                """
                INSERT INTO integrations (id, key, provider, name, settings, created_at, updated_at)
                VALUES (\(bind: integration.id), \(bind: integration.key), \(bind: integration.provider), \(bind: integration.name), \
                \(bind: try integration.settings.serialized()), \(bind: integration.createdAt.epochMilliseconds), \
                \(bind: integration.updatedAt.epochMilliseconds)) ON CONFLICT (key) DO NOTHING RETURNING id
                """
            ).all()
            guard !inserted.isEmpty else { throw WriteError.keyTaken(integration.key) }
            if let secret { try await VaultSecretRepository.upsert(secret, at: integration.updatedAt, using: sql) }
        }
    }

    /// The integration with `id`, if it exists.
    public func find(id: String) async throws -> IntegrationRecord? {
        try await first("id = \(bind: id)")
    }

    /// The integration with `key`, if it exists.
    public func find(key: String) async throws -> IntegrationRecord? {
        try await first("key = \(bind: key)")
    }

    /// The integrations with these ids, by id.
    public func find(ids: [String]) async throws -> [String: IntegrationRecord] {
        guard !ids.isEmpty else { return [:] }
        let unique = Array(Set(ids))
        var found: [String: IntegrationRecord] = [:]
        for chunk in unique.chunked(into: 500) {
            let rows = try await database.withSQL { sql in
                try await sql.raw("SELECT * FROM integrations WHERE id IN (\(binds: Array(chunk)))").all()
            }
            for row in rows {
                let record = try Self.record(from: row)
                found[record.id] = record
            }
        }
        return found
    }

    /// A page of integrations in id (creation) order, starting after `cursor`.
    public func list(after cursor: String?, limit: Int) async throws -> [IntegrationRecord] {
        let condition: SQLQueryString = cursor.map { "id > \(bind: $0)" } ?? "1 = 1"
        let query: SQLQueryString = "SELECT * FROM integrations WHERE " + condition + " ORDER BY id LIMIT \(bind: limit)"
        return try await database.withSQL { sql in try await sql.raw(query).all() }.map(Self.record(from:))
    }

    /// Saves name and settings, and replaces the sealed credentials when `secret` is given, atomically; `false` when
    /// the integration no longer exists.
    public func update(_ integration: IntegrationRecord, secret: SealedSecret?) async throws -> Bool {
        try await database.transaction { sql in
            let rows = try await sql.raw(
                """
                UPDATE integrations SET name = \(bind: integration.name), settings = \(bind: try integration.settings.serialized()), \
                updated_at = \(bind: integration.updatedAt.epochMilliseconds) WHERE id = \(bind: integration.id) RETURNING id
                """
            ).all()
            guard !rows.isEmpty else { return false }
            if let secret { try await VaultSecretRepository.upsert(secret, at: integration.updatedAt, using: sql) }
            return true
        }
    }

    /// Deletes the integration and its credentials, unless a connection uses it; `false` when it did not exist.
    public func delete(id: String) async throws -> Bool {
        try await database.transaction { sql in
            let users =
                try await sql.raw("SELECT COUNT(*) AS n FROM connections WHERE integration_id = \(bind: id)").first()?
                .decode(column: "n", as: Int64.self) ?? 0
            guard users == 0 else { throw WriteError.inUse(connections: Int(users)) }
            try await sql.raw("DELETE FROM vault_secrets WHERE owner_id = \(bind: id)").run()
            return try await !sql.raw("DELETE FROM integrations WHERE id = \(bind: id) RETURNING id").all().isEmpty
        }
    }

    private func first(_ condition: SQLQueryString) async throws -> IntegrationRecord? {
        let query: SQLQueryString = "SELECT * FROM integrations WHERE " + condition
        return try await database.withSQL { sql in try await sql.raw(query).first() }.map(Self.record(from:))
    }

    static func record(from row: any SQLRow) throws -> IntegrationRecord {
        IntegrationRecord(
            id: try row.decode(column: "id", as: String.self),
            key: try row.decode(column: "key", as: String.self),
            provider: try row.decode(column: "provider", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            settings: (try? JSONValue.parse(try row.decode(column: "settings", as: String.self))) ?? .object([:]),
            createdAt: Date(epochMilliseconds: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(epochMilliseconds: try row.decode(column: "updated_at", as: Int64.self)))
    }
}
