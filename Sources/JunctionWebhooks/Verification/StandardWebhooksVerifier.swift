import Foundation
import JunctionCore

/// Standard Webhooks (https://www.standardwebhooks.com, the spec Svix wrote): `webhook-id`, `webhook-timestamp` and
/// `webhook-signature: v1,<base64 HMAC-SHA256>` (space-separated for rotation) over `{id}.{timestamp}.{body}`, keyed
/// by the base64-decoded secret after `whsec_`. Svix senders use the same scheme under `svix-*` header names.
public struct StandardWebhooksVerifier: WebhookVerifier {
    /// Largest accepted distance between the signed timestamp and now, in seconds.
    public var tolerance: Int

    /// A verifier with the specification's tolerance of 5 minutes.
    public init(tolerance: Int = 300) {
        self.tolerance = tolerance
    }

    /// The header names a request uses: `webhook-*`, or `svix-*` from Svix senders.
    private func names(in webhook: InboundWebhook) -> (id: String, timestamp: String, signature: String) {
        webhook.header("webhook-id") == nil && webhook.header("svix-id") != nil
            ? ("svix-id", "svix-timestamp", "svix-signature")
            : ("webhook-id", "webhook-timestamp", "webhook-signature")
    }

    public func verify(_ webhook: InboundWebhook, secrets: [String], now: Date) throws(WebhookVerificationError) {
        guard !secrets.isEmpty else { throw .noSecret }
        let names = names(in: webhook)
        guard let id = webhook.header(names.id) else { throw .missingHeader(names.id) }
        guard let timestamp = webhook.header(names.timestamp) else { throw .missingHeader(names.timestamp) }
        guard let header = webhook.header(names.signature) else { throw .missingHeader(names.signature) }
        let signatures = header.split(separator: " ").compactMap { entry -> Substring? in
            let parts = entry.split(separator: ",", maxSplits: 1)
            return parts.count == 2 && parts[0] == "v1" ? parts[1] : nil
        }
        guard !signatures.isEmpty else { throw .malformedHeader(names.signature, reason: "no v1,<signature> entry") }
        let signed = Array("\(id).\(timestamp).".utf8) + webhook.body
        let matches = secrets.contains { secret in
            guard let key = Self.key(fromSecret: secret) else { return false }
            let expected = HMACSignature.encoded(HMACSignature.mac(.sha256, key: key, message: signed), as: .base64)
            return signatures.contains { HMACSignature.constantTimeEquals($0, expected) }
        }
        guard matches else { throw .signatureMismatch }
        try Self.checkTimestamp(timestamp, header: names.timestamp, now: now, tolerance: tolerance)
    }

    public func identify(_ webhook: InboundWebhook) -> WebhookIdentity {
        let json = webhook.json
        let names = names(in: webhook)
        let occurredAt =
            json?["timestamp"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) }
            ?? webhook.header(names.timestamp).flatMap(Double.init).map { Date(timeIntervalSince1970: $0) }
        return WebhookIdentity(
            eventID: webhook.header(names.id) ?? Self.contentID(of: webhook),
            type: json?["type"]?.stringValue ?? "unknown",
            occurredAt: occurredAt,
            data: json?["data"] ?? json ?? .null
        )
    }

    /// The HMAC key of a `whsec_<base64>` secret (a bare base64 secret is accepted too).
    static func key(fromSecret secret: String) -> [UInt8]? {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        return Data(base64Encoded: encoded).map(Array.init)
    }
}
