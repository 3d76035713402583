import Foundation
import JunctionCore

/// The tokens of a connection, as kept (sealed) in the vault next to its other credentials.
public struct TokenSet: Sendable, Equatable {
    /// The bearer token for API calls.
    public var accessToken: String
    /// The token that obtains the next access token, if the provider issued one.
    public var refreshToken: String?
    /// When the access token stops working, if the provider said.
    public var expiresAt: Date?
    /// The scopes granted.
    public var scope: String?
    /// Provider extras worth keeping (Salesforce's `instance_url`, an `id_token`).
    public var extras: [String: String]

    /// A token set.
    public init(accessToken: String, refreshToken: String?, expiresAt: Date?, scope: String?, extras: [String: String] = [:]) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.scope = scope
        self.extras = extras
    }

    /// Whether the access token is missing or will expire within `margin`.
    public func needsRefresh(within margin: Duration, now: Date = Date()) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt.timeIntervalSince(now) <= Double(margin.components.seconds)
    }

    /// Reads the tokens from stored credentials; `nil` when there is no access token yet.
    public init?(credentials: [String: JSONValue]) {
        guard let accessToken = credentials["accessToken"]?.stringValue else { return nil }
        self.accessToken = accessToken
        self.refreshToken = credentials["refreshToken"]?.stringValue
        self.expiresAt = credentials["accessTokenExpiresAt"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) }
        self.scope = credentials["tokenScope"]?.stringValue
        self.extras = (credentials["tokenExtras"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    /// The stored credentials with these tokens merged in. A response without a refresh token keeps the old one
    /// (RFC 6749 §6: the provider may keep it unchanged); one with a new refresh token replaces it (rotation).
    public func merged(into credentials: [String: JSONValue]) -> [String: JSONValue] {
        var merged = credentials
        merged["accessToken"] = .string(accessToken)
        if let refreshToken { merged["refreshToken"] = .string(refreshToken) }
        merged["accessTokenExpiresAt"] = expiresAt.map { .string($0.formatted(.iso8601)) } ?? nil
        merged["tokenScope"] = scope.map(JSONValue.string) ?? merged["tokenScope"]
        merged["tokenExtras"] = extras.isEmpty ? merged["tokenExtras"] : .object(extras.mapValues(JSONValue.string))
        merged.removeValue(forKey: "refreshFailedAt")
        return merged.filter { $0.value != .null }
    }

    /// Credential fields that are token bookkeeping, not secrets: shown unmasked.
    public static let metadataFields: Set<String> = ["accessTokenExpiresAt", "tokenScope", "refreshFailedAt"]
}
