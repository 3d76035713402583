import Foundation
import JunctionCore

/// Google push notifications from a watch channel (Calendar and the other APIs with `watch`), per
/// https://developers.google.com/calendar/api/guides/push. They carry no body and no signature: the channel's
/// `X-Goog-Channel-Token`, a secret Junction chose when it opened the channel, shows who sent them. Each is numbered
/// per channel (`X-Goog-Message-Number`), the dedup id; the type is the resource state (`sync` when the channel
/// opens, `exists` when the resource changed, `not_exists` when it is gone).
public struct GoogleChannelVerifier: WebhookVerifier {
    /// A verifier.
    public init() {}

    public func verify(_ webhook: InboundWebhook, secrets: [String], now: Date) throws(WebhookVerificationError) {
        guard !secrets.isEmpty else { throw .noSecret }
        guard let token = webhook.header("X-Goog-Channel-Token") else { throw .missingHeader("X-Goog-Channel-Token") }
        guard webhook.header("X-Goog-Channel-ID") != nil else { throw .missingHeader("X-Goog-Channel-ID") }
        guard secrets.contains(where: { HMACSignature.constantTimeEquals(Substring(token), $0) }) else { throw .signatureMismatch }
    }

    public func identify(_ webhook: InboundWebhook) -> WebhookIdentity {
        let channel = webhook.header("X-Goog-Channel-ID") ?? ""
        let number = webhook.header("X-Goog-Message-Number") ?? ""
        var data: [String: JSONValue] = ["channelId": .string(channel), "messageNumber": .string(number)]
        for (field, header) in [("resourceId", "X-Goog-Resource-ID"), ("resourceUri", "X-Goog-Resource-URI"), ("resourceState", "X-Goog-Resource-State")] {
            if let value = webhook.header(header) { data[field] = .string(value) }
        }
        return WebhookIdentity(
            eventID: number.isEmpty ? Self.contentID(of: webhook) : "\(channel):\(number)",
            type: webhook.header("X-Goog-Resource-State") ?? "unknown", occurredAt: nil, data: .object(data))
    }
}
