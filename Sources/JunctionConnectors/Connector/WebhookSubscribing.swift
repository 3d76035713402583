import Foundation
import JunctionCore

/// A connector whose provider can be asked to send notifications about a resource (Google's watch channels): what a
/// real-time sync subscribes through, where the provider has such an API.
public protocol WebhookSubscribing: Connector {
    /// Whether `resource` can be subscribed to.
    func canSubscribe(_ resource: ResourceDescriptor) -> Bool
    /// Asks the provider to notify `address` of changes to `resource`, signing (or tokening) each notification with
    /// `secret`.
    func subscribe(_ resource: ResourceDescriptor, address: String, secret: String, session: ConnectorSession) async throws
        -> ProviderSubscription
    /// Stops a subscription; one the provider no longer has counts as stopped.
    func unsubscribe(_ subscription: ProviderSubscription, session: ConnectorSession) async throws
}

/// A subscription as the provider knows it.
public struct ProviderSubscription: Sendable, Equatable {
    /// The subscription's id (a channel id).
    public var id: String
    /// The provider's id of what is watched (Google's `resourceId`), needed to stop it.
    public var resourceID: String?
    /// When the provider ends it unless it is renewed.
    public var expiresAt: Date?

    /// A subscription.
    public init(id: String, resourceID: String?, expiresAt: Date?) {
        self.id = id
        self.resourceID = resourceID
        self.expiresAt = expiresAt
    }
}
