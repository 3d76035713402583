import Foundation
import JunctionCore
import SQLKit

/// Small named values the server keeps about itself (such as the admin token's hash).
public struct SettingsRepository: Sendable {
    let database: Database

    /// A repository over `database`.
    public init(database: Database) {
        self.database = database
    }

    /// The value stored under `name`.
    public func value(named name: String) async throws -> String? {
        let row = try await database.withSQL { sql in
            try await sql.raw("SELECT value FROM junction_settings WHERE name = \(bind: name)").first()
        }
        return try row?.decode(column: "value", as: String.self)
    }

    /// Stores `value` under `name` unless a value is already there; returns whether this call stored it.
    /// When several nodes race at first start, exactly one wins.
    public func insertIfAbsent(name: String, value: String) async throws -> Bool {
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                """
                INSERT INTO junction_settings (name, value, updated_at)
                VALUES (\(bind: name), \(bind: value), \(bind: Date().epochMilliseconds))
                ON CONFLICT (name) DO NOTHING RETURNING name
                """
            ).all()
        }
        return !rows.isEmpty
    }

    /// Stores `value` under `name`, replacing any earlier value.
    public func set(name: String, value: String) async throws {
        try await database.withSQL { sql in
            try await sql.raw(
                """
                INSERT INTO junction_settings (name, value, updated_at)
                VALUES (\(bind: name), \(bind: value), \(bind: Date().epochMilliseconds))
                ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """
            ).run()
        }
    }
}
