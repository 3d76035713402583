import Foundation
import HTTPTypes
import JunctionCore

/// A verified webhook on its way into the inbox.
public struct InboxEntry: Sendable, Equatable {
    /// Junction's id for the event (`evt_…`), chosen before the write so the sender's response can name it.
    public var id: String
    /// The connection it arrived for.
    public var connectionID: String
    /// The verifier's name (`stripe`, `github`…), which prefixes the normalized type.
    public var provider: String
    /// What the verifier read from it.
    public var identity: WebhookIdentity
    /// When Junction received it.
    public var receivedAt: Date
    /// The request headers worth keeping (credentials and cookies are dropped).
    public var headers: [String: String] {
        didSet { headersJSON = Self.json(of: headers) }
    }
    /// The headers as stored, serialized when the entry is made: in the request's task, which runs in parallel,
    /// rather than in the inbox's flush, which every waiting request shares.
    public private(set) var headersJSON: String
    /// The body as received.
    public var body: String

    /// The prefix of inbound event ids.
    public static let idPrefix = "evt"

    /// An entry for a webhook received now.
    public init(
        id: String = ResourceID.make(prefix: InboxEntry.idPrefix),
        connectionID: String,
        provider: String,
        identity: WebhookIdentity,
        receivedAt: Date = Date(),
        headers: [String: String],
        body: String
    ) {
        self.id = id
        self.connectionID = connectionID
        self.provider = provider
        self.identity = identity
        self.receivedAt = receivedAt
        self.headers = headers
        self.headersJSON = Self.json(of: headers)
        self.body = body
    }

    static func json(of headers: [String: String]) -> String {
        JSONValue.serialized(stringMembers: headers)
    }

    /// The headers to keep from a request: everything except credentials and cookies.
    public static func keptHeaders(of webhook: InboundWebhook) -> [String: String] {
        var kept: [String: String] = [:]
        for field in webhook.headers {
            let name = field.name.canonicalName
            guard name != "authorization", name != "proxy-authorization", name != "cookie" else { continue }
            kept[name] = kept[name].map { $0 + ", " + field.value } ?? field.value
        }
        return kept
    }
}
