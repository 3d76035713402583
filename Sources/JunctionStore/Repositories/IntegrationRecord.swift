import Foundation
import JunctionCore

/// A provider-level configuration that connections reference, so an OAuth app (its URLs, scopes and client
/// credentials), health thresholds and a pinned API version are set once for all of them. Its secrets are not here:
/// they live sealed in the vault under the integration's id.
public struct IntegrationRecord: Sendable, Equatable {
    /// `int_…`, time-ordered.
    public var id: String
    /// The unique name people and configuration files use, e.g. `salesforce-prod`.
    public var key: String
    /// The provider's registered name, e.g. `salesforce`.
    public var provider: String
    /// A human name.
    public var name: String
    /// Settings every connection of the integration starts from (`oauth`, `apiVersion`, `health`, `baseURL`…); a
    /// connection's own settings are merged over them.
    public var settings: JSONValue
    /// When the integration was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// An integration record.
    public init(id: String, key: String, provider: String, name: String, settings: JSONValue, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.key = key
        self.provider = provider
        self.name = name
        self.settings = settings
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The prefix of integration ids.
    public static let idPrefix = "int"

    /// The settings a connection of an integration works with: the connection's merged over the integration's (RFC
    /// 7396, nested objects member by member; the connection's stored settings hold no deliberate nulls, so none is
    /// read as "remove the integration's value").
    public static func settings(_ integration: JSONValue, beneath connection: JSONValue) -> JSONValue {
        integration.merging(patch: connection.withoutNulls)
    }
}

extension JSONValue {
    /// The value with `null` members removed at every depth.
    fileprivate var withoutNulls: JSONValue {
        guard case .object(let members) = self else { return self }
        return .object(members.compactMapValues { $0 == .null ? nil : $0.withoutNulls })
    }
}
