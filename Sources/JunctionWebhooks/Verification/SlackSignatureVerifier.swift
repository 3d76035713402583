import Foundation
import JunctionCore

/// Slack's `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<timestamp>:<body>")>` with
/// `X-Slack-Request-Timestamp`. Follows https://api.slack.com/authentication/verifying-requests-from-slack.
public struct SlackSignatureVerifier: WebhookVerifier {
    /// Largest accepted distance between the signed timestamp and now, in seconds.
    public var tolerance: Int

    /// A verifier with Slack's recommended tolerance of 5 minutes.
    public init(tolerance: Int = 300) {
        self.tolerance = tolerance
    }

    public func verify(_ webhook: InboundWebhook, secrets: [String], now: Date) throws(WebhookVerificationError) {
        guard !secrets.isEmpty else { throw .noSecret }
        guard let timestamp = webhook.header("X-Slack-Request-Timestamp") else { throw .missingHeader("X-Slack-Request-Timestamp") }
        guard let header = webhook.header("X-Slack-Signature") else { throw .missingHeader("X-Slack-Signature") }
        guard header.hasPrefix("v0=") else { throw .malformedHeader("X-Slack-Signature", reason: "expected v0=<hex>") }
        let signed = Array("v0:\(timestamp):".utf8) + webhook.body
        let matches = secrets.contains { secret in
            let expected = "v0=" + HMACSignature.hex(HMACSignature.mac(.sha256, key: Array(secret.utf8), message: signed))
            return HMACSignature.constantTimeEquals(header, expected)
        }
        guard matches else { throw .signatureMismatch }
        try Self.checkTimestamp(timestamp, header: "X-Slack-Request-Timestamp", now: now, tolerance: tolerance)
    }

    public func identify(_ webhook: InboundWebhook) -> WebhookIdentity {
        let json = webhook.json
        return WebhookIdentity(
            eventID: json?["event_id"]?.stringValue ?? Self.contentID(of: webhook),
            type: json?["event"]?["type"]?.stringValue ?? json?["type"]?.stringValue ?? "unknown",
            occurredAt: json?["event_time"]?.doubleValue.map { Date(timeIntervalSince1970: $0) },
            data: json?["event"] ?? json ?? .null
        )
    }

    /// The challenge of Slack's `url_verification` handshake, which must be echoed back once the request is verified.
    public static func urlVerificationChallenge(in webhook: InboundWebhook) -> String? {
        guard let json = webhook.json, json["type"]?.stringValue == "url_verification" else { return nil }
        return json["challenge"]?.stringValue
    }
}
