import Foundation
import JunctionCore

/// GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`. GitHub signs no timestamp, so replays
/// are refused by dedup on `X-GitHub-Delivery`.
/// Follows https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries.
public struct GitHubSignatureVerifier: WebhookVerifier {
    /// A verifier.
    public init() {}

    public func verify(_ webhook: InboundWebhook, secrets: [String], now: Date) throws(WebhookVerificationError) {
        guard !secrets.isEmpty else { throw .noSecret }
        guard let header = webhook.header("X-Hub-Signature-256") else { throw .missingHeader("X-Hub-Signature-256") }
        guard header.hasPrefix("sha256=") else { throw .malformedHeader("X-Hub-Signature-256", reason: "expected sha256=<hex>") }
        let signature = header.dropFirst(7)
        let matches = secrets.contains { secret in
            let expected = HMACSignature.hex(HMACSignature.mac(.sha256, key: Array(secret.utf8), message: webhook.body))
            return HMACSignature.constantTimeEquals(signature, expected)
        }
        guard matches else { throw .signatureMismatch }
    }

    public func identify(_ webhook: InboundWebhook) -> WebhookIdentity {
        let json = webhook.json
        var type = webhook.header("X-GitHub-Event") ?? "unknown"
        if let action = json?["action"]?.stringValue { type += "." + action }
        return WebhookIdentity(
            eventID: webhook.header("X-GitHub-Delivery") ?? Self.contentID(of: webhook),
            type: type,
            occurredAt: nil,
            data: json ?? .null
        )
    }
}
