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
    /// The request headers worth keeping (credentials and cookies are dropped), as the inbox stores them: a JSON
    /// object of lowercase names in order. Serialized when the entry is made: in the request's task, which runs in
    /// parallel, rather than in the inbox's flush, which every waiting request shares.
    public private(set) var headersJSON: String
    /// The body as received.
    public var body: String
    /// The span of the request that delivered it (taken where the entry is made, in that request's task).
    public var trace: TraceContext?

    /// The prefix of inbound event ids.
    public static let idPrefix = "evt"

    /// An entry for a webhook received now, its kept headers already serialized (``keptHeadersJSON(of:)``, or
    /// `"{}"` for none).
    public init(
        id: String = ResourceID.make(prefix: InboxEntry.idPrefix),
        connectionID: String,
        provider: String,
        identity: WebhookIdentity,
        receivedAt: Date = Date(),
        headersJSON: String,
        body: String,
        trace: TraceContext? = .current
    ) {
        self.id = id
        self.connectionID = connectionID
        self.provider = provider
        self.identity = identity
        self.receivedAt = receivedAt
        self.headersJSON = headersJSON
        self.body = body
        self.trace = trace
    }

    /// A request's headers as ``headersJSON`` keeps them: everything except credentials and cookies, a name sent
    /// several times once, its values joined with ", " in the order sent. Written from the fields as they come, with
    /// no dictionary in between (building one showed in ingest profiles).
    public static func keptHeadersJSON(of webhook: InboundWebhook) -> String {
        var kept: [(name: String, value: String)] = []
        kept.reserveCapacity(webhook.headers.count)
        for field in webhook.headers {
            let name = field.name.canonicalName
            guard name != "authorization", name != "proxy-authorization", name != "cookie" else { continue }
            kept.append((name, field.value))
        }
        // Swift's sort is stable: a repeated name's values stay in the order sent.
        kept.sort { $0.name < $1.name }
        var merged: [(key: String, value: String)] = []
        merged.reserveCapacity(kept.count)
        for field in kept {
            if let last = merged.last, last.key == field.name {
                merged[merged.count - 1].value = last.value + ", " + field.value
            } else {
                merged.append((field.name, field.value))
            }
        }
        return JSONValue.serialized(stringMembers: merged)
    }
}
