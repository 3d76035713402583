import Foundation
import JunctionCore
import SQLKit

/// Named, expiring leases in the store: a mutual exclusion that holds across every node and survives a
/// crashed holder (its lease simply expires). Token refresh takes one per connection.
public struct LeaseRepository: Sendable {
    let database: Database

    /// A repository over `database`.
    public init(database: Database) {
        self.database = database
    }

    /// Takes the lease `name` for `holder` until `duration` from now, if it is free or expired. Returns
    /// whether `holder` has it now. One statement, so two nodes can never both succeed.
    public func acquire(_ name: String, holder: String, for duration: Duration) async throws -> Bool {
        let now = Date().epochMilliseconds
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                """
                INSERT INTO leases (name, holder, expires_at) VALUES (\(bind: name), \(bind: holder), \(bind: now + duration.milliseconds))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE leases.expires_at <= \(bind: now) OR leases.holder = excluded.holder
                RETURNING holder
                """
            ).all()
        }
        return try rows.first?.decode(column: "holder", as: String.self) == holder
    }

    /// Gives the lease back, if `holder` still has it.
    public func release(_ name: String, holder: String) async throws {
        try await database.withSQL { sql in
            try await sql.raw("DELETE FROM leases WHERE name = \(bind: name) AND holder = \(bind: holder)").run()
        }
    }
}
