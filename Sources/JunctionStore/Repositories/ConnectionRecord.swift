import Foundation
import JunctionCore

/// A configured link to one account at one provider: the central resource every other feature hangs off.
/// Its credentials are not here: they live sealed in the vault under the connection's id.
public struct ConnectionRecord: Sendable, Equatable {
    /// `conn_…`, time-ordered.
    public var id: String
    /// The provider's registered name, e.g. `stripe`.
    public var provider: String
    /// A human name chosen by the user.
    public var name: String
    /// Non-secret configuration (base URL, API version, OAuth endpoints), as JSON.
    public var settings: JSONValue
    /// `active`, or a state later issues add (e.g. `reauthorization_required`).
    public var status: String
    /// Why the status is what it is, when it needs attention (never a secret).
    public var statusReason: String?
    /// When its credentials were last used for a provider call (to the minute).
    public var lastUsedAt: Date?
    /// When the connection was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date
    /// The integration whose settings and credentials it uses beneath its own.
    public var integrationID: String?
    /// The application's customer it belongs to, for filtering.
    public var tenant: String?
    /// The application's own data about it (a JSON object), kept as given.
    public var metadata: JSONValue?

    /// A connection record.
    public init(
        id: String,
        provider: String,
        name: String,
        settings: JSONValue,
        status: String = "active",
        statusReason: String? = nil,
        lastUsedAt: Date? = nil,
        createdAt: Date,
        updatedAt: Date,
        integrationID: String? = nil,
        tenant: String? = nil,
        metadata: JSONValue? = nil
    ) {
        self.integrationID = integrationID
        self.tenant = tenant
        self.metadata = metadata
        self.id = id
        self.provider = provider
        self.name = name
        self.settings = settings
        self.status = status
        self.statusReason = statusReason
        self.lastUsedAt = lastUsedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The prefix of connection ids.
    public static let idPrefix = "conn"
}

/// A secret as the vault stores it: the payload sealed with a per-record data key (AES-GCM), and that data key
/// sealed with the master key named by `keyID`. Nothing here is readable without the master key.
public struct SealedSecret: Sendable, Equatable {
    /// Whose secret this is (a connection id, an endpoint id).
    public var ownerID: String
    /// Fingerprint of the master key that wrapped `wrappedKey`.
    public var keyID: String
    /// The data key, sealed by the master key, base64.
    public var wrappedKey: String
    /// The secret payload, sealed by the data key, base64.
    public var ciphertext: String

    /// A sealed secret.
    public init(ownerID: String, keyID: String, wrappedKey: String, ciphertext: String) {
        self.ownerID = ownerID
        self.keyID = keyID
        self.wrappedKey = wrappedKey
        self.ciphertext = ciphertext
    }
}
