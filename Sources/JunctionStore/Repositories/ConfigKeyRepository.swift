import Foundation
import JunctionCore
import SQLKit

/// What a configuration file made: each of its entries (a kind and a name) to the resource it became, with a keyed
/// fingerprint of the entry as last applied. Only resources named here are ever pruned.
public struct ConfigKeyRepository: Sendable {
    /// One entry applied from a file.
    public struct Entry: Sendable, Equatable {
        /// `integration`, `connection`, `endpoint` or `sync`.
        public var kind: String
        /// The entry's name in the file.
        public var name: String
        /// The resource's id (an integration's key).
        public var resourceID: String
        /// The keyed fingerprint of the entry as last applied.
        public var fingerprint: String
        /// When it was last applied.
        public var appliedAt: Date

        /// An entry.
        public init(kind: String, name: String, resourceID: String, fingerprint: String, appliedAt: Date) {
            (self.kind, self.name, self.resourceID, self.fingerprint, self.appliedAt) = (kind, name, resourceID, fingerprint, appliedAt)
        }
    }

    let database: Database

    /// A repository over `database`.
    public init(database: Database) {
        self.database = database
    }

    /// Every entry applied so far, by kind and name.
    public func all() async throws -> [Entry] {
        let rows = try await database.withSQL { sql in
            try await sql.raw("SELECT * FROM config_keys ORDER BY kind, name").all()
        }
        return try rows.map { row in
            Entry(
                kind: try row.decode(column: "kind", as: String.self), name: try row.decode(column: "name", as: String.self),
                resourceID: try row.decode(column: "resource_id", as: String.self),
                fingerprint: try row.decode(column: "fingerprint", as: String.self),
                appliedAt: Date(epochMilliseconds: try row.decode(column: "applied_at", as: Int64.self)))
        }
    }

    /// Records `entry`, replacing what was recorded for its kind and name.
    public func save(_ entry: Entry) async throws {
        try await database.withSQL { sql in
            try await sql.raw(
                """
                INSERT INTO config_keys (kind, name, resource_id, fingerprint, applied_at)
                VALUES (\(bind: entry.kind), \(bind: entry.name), \(bind: entry.resourceID), \(bind: entry.fingerprint), \
                \(bind: entry.appliedAt.epochMilliseconds))
                ON CONFLICT (kind, name) DO UPDATE SET resource_id = excluded.resource_id, fingerprint = excluded.fingerprint, \
                applied_at = excluded.applied_at
                """
            ).run()
        }
    }

    /// Forgets the entry `name` of `kind`.
    public func delete(kind: String, name: String) async throws {
        try await database.withSQL { sql in
            try await sql.raw("DELETE FROM config_keys WHERE kind = \(bind: kind) AND name = \(bind: name)").run()
        }
    }
}
