import Foundation
import JunctionCore
import SQLKit

/// An event an operator should see: not a webhook, but something about Junction itself.
public struct OperationalEvent: Sendable, Equatable {
    /// `opev_…`.
    public var id: String
    /// `connection.reauthorization_required`, `endpoint.disabled`, …
    public var type: String
    /// The connection concerned, if any.
    public var connectionID: String?
    /// What happened, for a person; never a secret.
    public var message: String
    /// When.
    public var createdAt: Date

    /// The prefix of event ids.
    public static let idPrefix = "opev"

    /// An event.
    public init(id: String, type: String, connectionID: String?, message: String, createdAt: Date) {
        self.id = id
        self.type = type
        self.connectionID = connectionID
        self.message = message
        self.createdAt = createdAt
    }
}

/// Records operational events and lists the recent ones.
public struct OperationalEventRepository: Sendable {
    let database: Database

    /// A repository over `database`.
    public init(database: Database) {
        self.database = database
    }

    /// Records an event and returns it.
    @discardableResult
    public func record(type: String, connectionID: String?, message: String) async throws -> OperationalEvent {
        try await database.withSQL { sql in try await Self.record(type: type, connectionID: connectionID, message: message, using: sql) }
    }

    /// Records an event with `sql`, inside the caller's transaction: the change it reports and the event commit together.
    @discardableResult
    public static func record(type: String, connectionID: String?, message: String, using sql: any SQLDatabase) async throws
        -> OperationalEvent
    {
        let event = OperationalEvent(
            id: ResourceID.make(prefix: OperationalEvent.idPrefix), type: type, connectionID: connectionID, message: message, createdAt: Date()
        )
        try await sql.raw(
            """
            INSERT INTO operational_events (id, type, connection_id, message, created_at)
            VALUES (\(bind: event.id), \(bind: event.type), \(bind: event.connectionID), \(bind: event.message), \
            \(bind: event.createdAt.epochMilliseconds))
            """
        ).run()
        return event
    }

    /// The newest events first, optionally of one connection.
    public func recent(connectionID: String? = nil, limit: Int = 50) async throws -> [OperationalEvent] {
        try await page(before: nil, connectionID: connectionID, type: nil, limit: limit)
    }

    /// A page of events, newest first, older than the id `cursor`, of one connection and one type when given.
    public func page(before cursor: String?, connectionID: String?, type: String?, limit: Int) async throws -> [OperationalEvent] {
        let query = PageQuery.sql(
            from: "operational_events", after: cursor, filters: [("connection_id", connectionID), ("type", type)], limit: limit,
            newestFirst: true)
        let rows = try await database.withSQL { sql in try await sql.raw(query).all() }
        return try rows.map { row in
            OperationalEvent(
                id: try row.decode(column: "id", as: String.self),
                type: try row.decode(column: "type", as: String.self),
                connectionID: try row.decode(column: "connection_id", as: String?.self),
                message: try row.decode(column: "message", as: String.self),
                createdAt: Date(epochMilliseconds: try row.decode(column: "created_at", as: Int64.self))
            )
        }
    }
}
