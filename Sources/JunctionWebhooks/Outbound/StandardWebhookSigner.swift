import Crypto
import Foundation

/// Signs outbound deliveries per Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`
/// where the key is the base64-decoded part of the `whsec_` secret. During a rotation both secrets sign, space-separated,
/// so a receiver holding either verifies.
public enum StandardWebhookSigner {
    /// The `webhook-signature` value for a delivery, one `v1,` entry per secret that decodes.
    public static func signature(id: String, timestamp: Int64, body: [UInt8], secrets: [String]) -> String {
        let signed = Array("\(id).\(timestamp).".utf8) + body
        return secrets.compactMap { secret -> String? in
            guard let key = StandardWebhooksVerifier.key(fromSecret: secret) else { return nil }
            return "v1," + HMACSignature.encoded(HMACSignature.mac(.sha256, key: key, message: signed), as: .base64)
        }.joined(separator: " ")
    }

    /// A new endpoint secret: `whsec_` and the base64 of 24 random bytes (192 bits).
    public static func generateSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }
}
