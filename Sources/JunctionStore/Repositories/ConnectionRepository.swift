import Foundation
import JunctionCore
import SQLKit

/// Reads and writes connections, together with their sealed credentials in the same transaction.
public struct ConnectionRepository: Sendable {
    let database: Database

    /// A repository over `database`.
    public init(database: Database) {
        self.database = database
    }

    /// Stores a new connection and its sealed credentials atomically.
    public func insert(_ connection: ConnectionRecord, secret: SealedSecret?) async throws {
        try await database.transaction { sql in
            try await sql.raw(
                """
                INSERT INTO connections (id, provider, name, settings, status, created_at, updated_at, integration_id, tenant, metadata)
                VALUES (\(bind: connection.id), \(bind: connection.provider), \(bind: connection.name), \
                \(bind: try connection.settings.serialized()), \(bind: connection.status), \
                \(bind: connection.createdAt.epochMilliseconds), \(bind: connection.updatedAt.epochMilliseconds), \
                \(bind: connection.integrationID), \(bind: connection.tenant), \(bind: try connection.metadata?.serialized()))
                """
            ).run()
            if let secret {
                try await VaultSecretRepository.upsert(secret, at: connection.updatedAt, using: sql)
            }
        }
    }

    /// The connection with `id`, if it exists.
    public func find(id: String) async throws -> ConnectionRecord? {
        let row = try await database.withSQL { sql in
            try await sql.raw("SELECT * FROM connections WHERE id = \(bind: id)").first()
        }
        return try row.map(Self.record(from:))
    }

    /// The connection with `id` with its effective settings (its own merged over its integration's), for readers of
    /// its settings alone (mappings, webhook settings); `nil` when it does not exist.
    public func findResolved(id: String) async throws -> ConnectionRecord? {
        guard var record = try await find(id: id) else { return nil }
        if let integrationID = record.integrationID, let integration = try await IntegrationRepository(database: database).find(id: integrationID) {
            record.settings = IntegrationRecord.settings(integration.settings, beneath: record.settings)
        }
        return record
    }

    /// Which connections a listing shows: each member set narrows it (all of them must match).
    public struct Filter: Sendable, Equatable {
        /// The application's customer.
        public var tenant: String?
        /// The provider's name.
        public var provider: String?
        /// The integration's id.
        public var integrationID: String?
        /// The status (`active`, `reauthorization_required`).
        public var status: String?

        /// A filter; no member set lists every connection.
        public init(tenant: String? = nil, provider: String? = nil, integrationID: String? = nil, status: String? = nil) {
            self.tenant = tenant
            self.provider = provider
            self.integrationID = integrationID
            self.status = status
        }
    }

    /// A page of the connections `filter` selects, in id (creation) order, starting after `cursor`. Each filter has
    /// an index leading with it, so a page reads no more rows than it shows.
    public func list(after cursor: String?, limit: Int, filter: Filter = Filter()) async throws -> [ConnectionRecord] {
        var condition: SQLQueryString = "1 = 1"
        if let cursor { condition = condition + " AND id > \(bind: cursor)" }
        if let tenant = filter.tenant { condition = condition + " AND tenant = \(bind: tenant)" }
        if let provider = filter.provider { condition = condition + " AND provider = \(bind: provider)" }
        if let integration = filter.integrationID { condition = condition + " AND integration_id = \(bind: integration)" }
        if let status = filter.status { condition = condition + " AND status = \(bind: status)" }
        let query: SQLQueryString = "SELECT * FROM connections WHERE " + condition + " ORDER BY id LIMIT \(bind: limit)"
        let rows = try await database.withSQL { sql in try await sql.raw(query).all() }
        return try rows.map(Self.record(from:))
    }

    /// How many connections use the integration with `id`.
    public func count(usingIntegration id: String) async throws -> Int {
        try await database.withSQL { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM connections WHERE integration_id = \(bind: id)").first()?
                .decode(column: "n", as: Int64.self)
        }.map(Int.init) ?? 0
    }

    /// Saves name, settings, integration, tenant and metadata, and replaces the sealed credentials when `secret` is given, atomically. The
    /// status is not written here: it belongs to the token manager (``setStatus(id:status:reason:)``), and a
    /// PATCH must not undo a status set while it ran.
    /// Returns `false` when the connection no longer exists.
    public func update(_ connection: ConnectionRecord, secret: SealedSecret?) async throws -> Bool {
        try await database.transaction { sql in
            let rows = try await sql.raw(
                """
                UPDATE connections SET name = \(bind: connection.name), \
                settings = \(bind: try connection.settings.serialized()), \
                integration_id = \(bind: connection.integrationID), tenant = \(bind: connection.tenant), \
                metadata = \(bind: try connection.metadata?.serialized()), \
                updated_at = \(bind: connection.updatedAt.epochMilliseconds)
                WHERE id = \(bind: connection.id) RETURNING id
                """
            ).all()
            guard !rows.isEmpty else { return false }
            if let secret {
                try await VaultSecretRepository.upsert(secret, at: connection.updatedAt, using: sql)
            }
            return true
        }
    }

    /// Deletes the connection with its credentials, its syncs (their runs and records) and its health, and resolves its
    /// alerts; returns `false` when it did not exist.
    public func delete(id: String) async throws -> Bool {
        try await database.transaction { sql in
            try await SyncRepository.deleteSyncs(ofConnection: id, using: sql)
            try await HealthRepository(database: database).forget(connectionID: id, using: sql)
            try await sql.raw(
                "UPDATE alerts SET status = 'resolved', resolved_at = \(bind: Date().epochMilliseconds) WHERE connection_id = \(bind: id) AND status <> 'resolved'"
            ).run()
            try await sql.raw("DELETE FROM vault_secrets WHERE owner_id = \(bind: id)").run()
            let rows = try await sql.raw("DELETE FROM connections WHERE id = \(bind: id) RETURNING id").all()
            return !rows.isEmpty
        }
    }

    /// Marks the connection as needing attention (`reauthorization_required`…) with a reason for people, or
    /// back to `active` with a `nil` reason.
    public func setStatus(id: String, status: String, reason: String?) async throws {
        try await database.withSQL { sql in
            try await sql.raw(
                """
                UPDATE connections SET status = \(bind: status), status_reason = \(bind: reason), \
                updated_at = \(bind: Date().epochMilliseconds) WHERE id = \(bind: id)
                """
            ).run()
        }
    }

    /// Notes that the connection's credentials were just used (shown as `lastUsedAt`). Coarse on purpose:
    /// written at most once a minute per connection, so hot paths do not write on every call.
    public func touch(id: String, at date: Date = Date()) async throws {
        let now = date.epochMilliseconds
        try await database.withSQL { sql in
            try await sql.raw(
                """
                UPDATE connections SET last_used_at = \(bind: now)
                WHERE id = \(bind: id) AND (last_used_at IS NULL OR last_used_at < \(bind: now - 60_000))
                """
            ).run()
        }
    }

    static func record(from row: any SQLRow) throws -> ConnectionRecord {
        let settingsText = try row.decode(column: "settings", as: String.self)
        return ConnectionRecord(
            id: try row.decode(column: "id", as: String.self),
            provider: try row.decode(column: "provider", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            settings: (try? JSONValue.parse(settingsText)) ?? .object([:]),
            status: try row.decode(column: "status", as: String.self),
            statusReason: try row.decode(column: "status_reason", as: String?.self),
            lastUsedAt: try row.decode(column: "last_used_at", as: Int64?.self).map(Date.init(epochMilliseconds:)),
            createdAt: Date(epochMilliseconds: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(epochMilliseconds: try row.decode(column: "updated_at", as: Int64.self)),
            integrationID: try row.decode(column: "integration_id", as: String?.self),
            tenant: try row.decode(column: "tenant", as: String?.self),
            metadata: try row.decode(column: "metadata", as: String?.self).flatMap { try? JSONValue.parse($0) }
        )
    }
}
