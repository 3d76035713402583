import Foundation
import HTTPTypes
import JunctionAuth
import JunctionConnectors
import JunctionCore
import JunctionHTTP
import JunctionStore

/// Subscribes a real-time sync to its provider's webhooks, where the provider has an API for it: Stripe webhook
/// endpoints (https://docs.stripe.com/api/webhook_endpoints), registered with this server's `/webhooks/{connectionId}`
/// URL for the resource's event types, and watch channels of connectors that open them (``WebhookSubscribing``:
/// Google Calendar), renewed before they expire; their signing secret or channel token is kept with the
/// connection's credentials in the vault. Elsewhere nothing is subscribed and the sync says what to configure at the
/// provider (``setupInstructions(_:)``).
public struct RealtimeSubscriptions: Sendable {
    /// What a subscription left to undo later, as a sync stores it.
    public struct Subscription: Sendable, Equatable {
        /// How it was made (`stripe-webhook-endpoint`, `watch-channel`).
        public var kind: String
        /// The provider's id of it (`we_…`, a channel id).
        public var id: String
        /// What the provider watches, for a channel (Google's `resourceId`).
        public var resourceID: String?
        /// When the provider ends it unless it is renewed.
        public var expiresAt: Date?

        /// As stored with the sync.
        public var json: JSONValue {
            var members: [String: JSONValue] = ["kind": .string(kind), "id": .string(id)]
            if let resourceID { members["resourceId"] = .string(resourceID) }
            if let expiresAt { members["expiresAt"] = .integer(exactly: expiresAt.epochMilliseconds) }
            return .object(members)
        }

        /// A subscription from its stored form.
        public init?(json: JSONValue?) {
            guard let kind = json?["kind"]?.stringValue, let id = json?["id"]?.stringValue else { return nil }
            self.kind = kind
            self.id = id
            resourceID = json?["resourceId"]?.stringValue
            expiresAt = json?["expiresAt"]?.doubleValue.map { Date(epochMilliseconds: Int64($0)) }
        }

        init(kind: String, id: String, resourceID: String? = nil, expiresAt: Date? = nil) {
            self.kind = kind
            self.id = id
            self.resourceID = resourceID
            self.expiresAt = expiresAt
        }

        /// The provider's view of a watch channel.
        var provider: ProviderSubscription { ProviderSubscription(id: id, resourceID: resourceID, expiresAt: expiresAt) }
    }

    static let stripeEndpoint = "stripe-webhook-endpoint"
    static let watchChannel = "watch-channel"
    /// How long before it expires a watch channel is replaced.
    public static let renewalMargin: TimeInterval = 24 * 3600

    private let database: Database
    private let runtime: ConnectionRuntime
    private let vault: CredentialVault
    private let publicURL: String

    /// Subscriptions made through `runtime`, pointing providers at `publicURL`.
    public init(database: Database, runtime: ConnectionRuntime, vault: CredentialVault, publicURL: String) {
        self.database = database
        self.runtime = runtime
        self.vault = vault
        self.publicURL = publicURL
    }

    /// Where the provider sends the connection's webhooks.
    public func webhookURL(connectionID: String) -> String {
        "\(publicURL)/webhooks/\(connectionID)"
    }

    /// Subscribes `resource` of the connection, when its provider can be asked to; `nil` when it cannot.
    public func subscribe(connectionID: String, resource: String) async throws -> Subscription? {
        let session = try await runtime.open(id: connectionID)
        if let subscribing = session.connector as? any WebhookSubscribing, let descriptor = try? subscribing.resource(named: resource),
            subscribing.canSubscribe(descriptor)
        {
            // The token is kept before the channel opens: the provider's first notification may come before its answer.
            let token = Self.channelToken()
            try await addWebhookSecret(token, connectionID: connectionID)
            let opened = try await subscribing.subscribe(
                descriptor, address: webhookURL(connectionID: connectionID), secret: token,
                session: runtime.connectorSession(session, connector: subscribing))
            return Subscription(kind: Self.watchChannel, id: opened.id, resourceID: opened.resourceID, expiresAt: opened.expiresAt)
        }
        guard session.connection.provider == "stripe", let connector = session.connector else { return nil }
        let events = Self.stripeEventTypes(resource: resource, provider: connector.descriptor)
        guard !events.isEmpty else { return nil }
        var form: [String: JSONValue] = [
            "url": .string(webhookURL(connectionID: connectionID)), "enabled_events": .array(events.map(JSONValue.string)),
            "description": .string("Junction real-time sync of \(resource)"),
        ]
        form["metadata"] = ["junction_connection": .string(connectionID), "junction_resource": .string(resource)]
        let connectorSession = runtime.connectorSession(session, connector: connector)
        let request = APIRequest(
            method: .post, url: session.baseURL + "/v1/webhook_endpoints", headers: [.contentType: "application/x-www-form-urlencoded"],
            body: Data(FormEncoding.encode(form).utf8))
        let answer = try await connectorSession.send(request).jsonBody()
        guard let id = answer["id"]?.stringValue, let secret = answer["secret"]?.stringValue else {
            throw ConnectorError.unexpectedResponse("Stripe's webhook endpoint answer has no id or secret")
        }
        try await addWebhookSecret(secret, connectionID: connectionID)
        return Subscription(kind: Self.stripeEndpoint, id: id)
    }

    /// Removes a subscription; one the provider no longer has counts as removed.
    public func unsubscribe(_ subscription: Subscription, connectionID: String) async throws {
        let session = try await runtime.open(id: connectionID)
        let connector = try session.requireConnector()
        if subscription.kind == Self.watchChannel, let subscribing = connector as? any WebhookSubscribing {
            return try await subscribing.unsubscribe(subscription.provider, session: runtime.connectorSession(session, connector: connector))
        }
        guard subscription.kind == Self.stripeEndpoint else { return }
        do {
            _ = try await runtime.connectorSession(session, connector: connector).send(
                APIRequest(method: .delete, url: session.baseURL + "/v1/webhook_endpoints/" + subscription.id))
        } catch APIError.notFound {
            return
        }
    }

    /// Stripe's event types about `resource`: the provider's event pattern for it (`customer.*` for customers) made
    /// explicit, as Stripe's `enabled_events` takes no wildcards but `*`.
    static func stripeEventTypes(resource: String, provider: ProviderDescriptor) -> [String] {
        provider.eventResources.filter { $0.value == resource && $0.key.hasSuffix(".*") }.keys.sorted().flatMap { pattern in
            let prefix = pattern.dropLast(2)
            return ["created", "updated", "deleted"].map { "\(prefix).\($0)" }
        }
    }

    /// Replaces the watch channels of real-time syncs that expire within ``renewalMargin``: a new channel first, then
    /// the old one stopped, so no notification is missed. Returns how many were renewed; one that fails is tried again
    /// at the next call.
    @discardableResult
    public func renewExpiring(now: Date = Date()) async throws -> Int {
        let repository = SyncRepository(database: database)
        var renewed = 0
        for sync in try await repository.subscribed() {
            guard let old = Subscription(json: sync.subscription), old.kind == Self.watchChannel, let expiresAt = old.expiresAt,
                expiresAt.timeIntervalSince(now) < Self.renewalMargin
            else { continue }
            guard let new = try await subscribe(connectionID: sync.connectionID, resource: sync.resource) else { continue }
            try await repository.setSubscription(id: sync.id, new.json)
            try? await unsubscribe(old, connectionID: sync.connectionID)
            renewed += 1
        }
        return renewed
    }

    /// A channel token: 128 random bits in hex.
    static func channelToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16).leftPadded(to: 16) }.joined()
    }

    /// Keeps `secret` among the connection's webhook signing secrets, beside any it has.
    private func addWebhookSecret(_ secret: String, connectionID: String) async throws {
        let secrets = VaultSecretRepository(database: database)
        var credentials = try await vault.credentials(of: connectionID, in: secrets)
        var list = credentials["webhookSecrets"]?.arrayValue ?? []
        if let one = credentials["webhookSecret"], one != .null, !list.contains(one) { list.append(one) }
        list.append(.string(secret))
        credentials["webhookSecrets"] = .array(list)
        let sealed = try vault.seal(credentials, ownerID: connectionID)
        try await database.withSQL { sql in try await VaultSecretRepository.upsert(sealed, at: Date(), using: sql) }
    }

    /// What to configure at the provider for a real-time sync that could not be subscribed.
    public func setupInstructions(_ sync: SyncDefinition) -> String? {
        guard sync.realtime else { return nil }
        if let subscription = Subscription(json: sync.subscription) {
            let until = subscription.expiresAt.map { ", renewed before \($0.formatted(.iso8601))" } ?? ""
            return "subscribed: the provider sends \(sync.resource) events to \(webhookURL(connectionID: sync.connectionID)) "
                + "(\(subscription.kind) \(subscription.id)\(until))"
        }
        return "point the provider's webhooks for \(sync.resource) at \(webhookURL(connectionID: sync.connectionID)), with their "
            + "signing secret in the connection's credentials (webhookSecret) and its scheme in settings.webhook; verified events about "
            + "\(sync.resource) then update the records"
    }
}

extension String {
    /// The string with leading zeros up to `length` characters.
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
