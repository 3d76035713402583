import Foundation
import JunctionCore
import JunctionStore
import SQLKit

/// Reads and writes endpoints, with their sealed secrets in the same transaction.
public struct EndpointRepository: Sendable {
    let database: Database

    /// A repository over `database`.
    public init(database: Database) {
        self.database = database
    }

    /// Stores a new endpoint and its sealed secret atomically.
    public func insert(_ endpoint: EndpointRecord, secret: SealedSecret) async throws {
        try await database.transaction { sql in
            try await sql.raw(
                """
                INSERT INTO webhook_endpoints (id, url, description, event_types, rate_limit, retry_schedule, ordered, status, \
                disabled_reason, failing_since, secret_version, created_at, updated_at) VALUES \(try Self.values(endpoint))
                """
            ).run()
            try await VaultSecretRepository.upsert(secret, at: endpoint.createdAt, using: sql)
        }
    }

    /// The endpoint with `id`.
    public func find(id: String) async throws -> EndpointRecord? {
        let row = try await database.withSQL { sql in
            try await sql.raw("SELECT * FROM webhook_endpoints WHERE id = \(bind: id)").first()
        }
        return try row.map(Self.record)
    }

    /// Endpoints in id order after `cursor`.
    public func list(after cursor: String?, limit: Int) async throws -> [EndpointRecord] {
        let rows = try await database.withSQL { sql in
            try await sql.raw(
                "SELECT * FROM webhook_endpoints WHERE id > \(bind: cursor ?? "") ORDER BY id LIMIT \(bind: limit)"
            ).all()
        }
        return try rows.map(Self.record)
    }

    /// Every endpoint that receives messages, for fan-out: enabled ones, and paused ones, whose deliveries wait.
    public static func receiving(using sql: any SQLDatabase) async throws -> [EndpointRecord] {
        try await sql.raw("SELECT * FROM webhook_endpoints WHERE status <> 'disabled'").all().map(Self.record)
    }

    /// Saves an edited endpoint; with `secret`, replaces its sealed secret in the same transaction. `false` when
    /// the endpoint no longer exists.
    public func update(_ endpoint: EndpointRecord, secret: SealedSecret? = nil) async throws -> Bool {
        try await database.transaction { sql in
            let rows = try await sql.raw(
                """
                UPDATE webhook_endpoints SET url = \(bind: endpoint.url), description = \(bind: endpoint.description), \
                event_types = \(bind: try Self.eventTypesText(endpoint.eventTypes)), rate_limit = \(bind: endpoint.rateLimit), \
                retry_schedule = \(bind: try endpoint.retrySchedule.map(Self.scheduleText)), ordered = \(bind: endpoint.ordered ? 1 : 0), \
                status = \(bind: endpoint.status.rawValue), \
                disabled_reason = \(bind: endpoint.disabledReason), failing_since = \(bind: endpoint.failingSince?.epochMilliseconds), \
                secret_version = \(bind: endpoint.secretVersion), updated_at = \(bind: endpoint.updatedAt.epochMilliseconds) \
                WHERE id = \(bind: endpoint.id) RETURNING id
                """
            ).all()
            guard !rows.isEmpty else { return false }
            if let secret { try await VaultSecretRepository.upsert(secret, at: endpoint.updatedAt, using: sql) }
            return true
        }
    }

    /// Deletes the endpoint, its secret and its deliveries' pending state. `false` when there was none.
    public func delete(id: String) async throws -> Bool {
        try await database.transaction { sql in
            try await sql.raw("DELETE FROM vault_secrets WHERE owner_id = \(bind: id)").run()
            try await sql.raw("DELETE FROM webhook_deliveries WHERE endpoint_id = \(bind: id) AND status = 'pending'").run()
            return !(try await sql.raw("DELETE FROM webhook_endpoints WHERE id = \(bind: id) RETURNING id").all()).isEmpty
        }
    }

    /// Disables an endpoint, unless it already is, and records the `endpoint.disabled` operational event in the same
    /// transaction, so no disabled endpoint goes unreported (and one event is emitted however many workers try).
    /// `true` when this call disabled it.
    public func disable(id: String, reason: String, at now: Date = Date()) async throws -> Bool {
        try await database.transaction { sql in
            let rows = try await sql.raw(
                """
                UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = \(bind: reason), \
                updated_at = \(bind: now.epochMilliseconds) WHERE id = \(bind: id) AND status = 'enabled' RETURNING id
                """
            ).all()
            guard !rows.isEmpty else { return false }
            try await OperationalEventRepository.record(
                type: "endpoint.disabled", connectionID: nil, message: "endpoint \(id) disabled: \(reason)", using: sql)
            return true
        }
    }

    static func values(_ endpoint: EndpointRecord) throws -> SQLQueryString {
        """
        (\(bind: endpoint.id), \(bind: endpoint.url), \(bind: endpoint.description), \(bind: try eventTypesText(endpoint.eventTypes)), \
        \(bind: endpoint.rateLimit), \(bind: try endpoint.retrySchedule.map(scheduleText)), \(bind: endpoint.ordered ? 1 : 0), \
        \(bind: endpoint.status.rawValue), \
        \(bind: endpoint.disabledReason), \(bind: endpoint.failingSince?.epochMilliseconds), \(bind: endpoint.secretVersion), \
        \(bind: endpoint.createdAt.epochMilliseconds), \(bind: endpoint.updatedAt.epochMilliseconds))
        """
    }

    static func eventTypesText(_ patterns: [EventTypePattern]) throws -> String {
        try JSONValue.array(patterns.map { .string($0.text) }).serialized()
    }

    static func scheduleText(_ delays: [Int]) throws -> String {
        try JSONValue.array(delays.map { .number(Double($0)) }).serialized()
    }

    static func record(_ row: any SQLRow) throws -> EndpointRecord {
        let types = (try? JSONValue.parse(try row.decode(column: "event_types", as: String.self)))?.arrayValue ?? []
        let schedule = try row.decode(column: "retry_schedule", as: String?.self)
            .flatMap { try? JSONValue.parse($0) }?.arrayValue?.compactMap { $0.doubleValue.map { Int($0) } }
        return EndpointRecord(
            id: try row.decode(column: "id", as: String.self),
            url: try row.decode(column: "url", as: String.self),
            description: try row.decode(column: "description", as: String.self),
            eventTypes: types.compactMap { $0.stringValue.flatMap(EventTypePattern.init) },
            rateLimit: try row.decode(column: "rate_limit", as: Int?.self),
            retrySchedule: schedule,
            ordered: try row.decode(column: "ordered", as: Int.self) != 0,
            status: try row.decode(column: "status", as: EndpointStatus.self),
            disabledReason: try row.decode(column: "disabled_reason", as: String?.self),
            failingSince: try row.decode(column: "failing_since", as: Int64?.self).map(Date.init(epochMilliseconds:)),
            secretVersion: try row.decode(column: "secret_version", as: Int.self),
            createdAt: Date(epochMilliseconds: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(epochMilliseconds: try row.decode(column: "updated_at", as: Int64.self))
        )
    }
}
