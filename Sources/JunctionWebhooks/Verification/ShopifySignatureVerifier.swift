import Foundation
import JunctionCore

/// Shopify's `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(secret, body)>`. No signed timestamp: replays are refused
/// by dedup on `X-Shopify-Webhook-Id`.
/// Follows https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook.
public struct ShopifySignatureVerifier: WebhookVerifier {
    /// A verifier.
    public init() {}

    public func verify(_ webhook: InboundWebhook, secrets: [String], now: Date) throws(WebhookVerificationError) {
        guard !secrets.isEmpty else { throw .noSecret }
        guard let signature = webhook.header("X-Shopify-Hmac-Sha256") else { throw .missingHeader("X-Shopify-Hmac-Sha256") }
        let matches = secrets.contains { secret in
            let mac = HMACSignature.mac(.sha256, key: Array(secret.utf8), message: webhook.body)
            return HMACSignature.constantTimeEquals(signature, HMACSignature.encoded(mac, as: .base64))
        }
        guard matches else { throw .signatureMismatch }
    }

    public func identify(_ webhook: InboundWebhook) -> WebhookIdentity {
        WebhookIdentity(
            eventID: webhook.header("X-Shopify-Webhook-Id") ?? webhook.header("X-Shopify-Event-Id") ?? Self.contentID(of: webhook),
            type: (webhook.header("X-Shopify-Topic") ?? "unknown").replacingOccurrences(of: "/", with: "."),
            occurredAt: webhook.header("X-Shopify-Triggered-At").flatMap { try? Date($0, strategy: .iso8601) },
            data: webhook.json ?? .null
        )
    }
}
