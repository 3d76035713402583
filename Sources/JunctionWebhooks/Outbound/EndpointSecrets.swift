import Foundation
import JunctionCore

/// An endpoint's signing secrets as sealed in the vault: the current one and, for 24 hours after a rotation,
/// the previous one, which keeps signing alongside so receivers can switch at their own pace.
public struct EndpointSecrets: Sendable, Equatable {
    /// The secret new receivers use.
    public var current: String
    /// The secret before the last rotation.
    public var previous: String?
    /// When the previous secret stops signing.
    public var previousExpiresAt: Date?

    /// How long a rotated-out secret keeps signing.
    public static let overlap: TimeInterval = 24 * 3600

    /// Secrets with only a current one.
    public init(current: String, previous: String? = nil, previousExpiresAt: Date? = nil) {
        self.current = current
        self.previous = previous
        self.previousExpiresAt = previousExpiresAt
    }

    /// The secrets that sign a delivery made at `now`.
    public func signing(at now: Date) -> [String] {
        guard let previous, let expires = previousExpiresAt, expires > now else { return [current] }
        return [current, previous]
    }

    /// After a rotation to `newSecret` at `now`.
    public func rotated(to newSecret: String, at now: Date) -> EndpointSecrets {
        EndpointSecrets(current: newSecret, previous: current, previousExpiresAt: now.addingTimeInterval(Self.overlap))
    }

    /// The vault's representation.
    public var credentials: [String: JSONValue] {
        var members: [String: JSONValue] = ["current": .string(current)]
        if let previous, let previousExpiresAt {
            members["previous"] = .string(previous)
            members["previousExpiresAt"] = .number(Double(previousExpiresAt.epochMilliseconds))
        }
        return members
    }

    /// Reads the vault's representation.
    public init?(credentials: [String: JSONValue]) {
        guard let current = credentials["current"]?.stringValue else { return nil }
        self.current = current
        self.previous = credentials["previous"]?.stringValue
        self.previousExpiresAt = credentials["previousExpiresAt"]?.doubleValue.map { Date(epochMilliseconds: Int64($0)) }
    }
}
