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
}
