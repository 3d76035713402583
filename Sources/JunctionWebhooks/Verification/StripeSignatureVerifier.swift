import Foundation
import Crypto
import HTTPTypes
import JunctionCore

/// Stripe's `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>[,v1=…]`. The key is the `whsec_…`
/// string as given; a rolled secret signs with both until it expires, hence several `v1` values.
/// Follows https://docs.stripe.com/webhooks#verify-manually.
public struct StripeSignatureVerifier: WebhookVerifier {
    /// Largest accepted distance between the signed timestamp and now, in seconds.
    public var tolerance: Int

    /// A verifier with Stripe's default tolerance of 300 s.
    public init(tolerance: Int = 300) {
        self.tolerance = tolerance
    }

    public func verify(_ webhook: InboundWebhook, secrets: [String], now: Date) throws(WebhookVerificationError) {
        guard !secrets.isEmpty else { throw .noSecret }
        guard let header = webhook.header(Self.headerName) else { throw .missingHeader("Stripe-Signature") }
        let parts = StripeSignatureHeader(header)
        guard let timestamp = parts.timestamp else { throw .malformedHeader("Stripe-Signature", reason: "no t= timestamp") }
        guard !parts.signatures.isEmpty else { throw .malformedHeader("Stripe-Signature", reason: "no v1= signature") }
        // Signatures compared as bytes: hex-decoded once instead of hex-encoding every candidate MAC.
        let expected = parts.signatures.compactMap { $0 }
        // The signed content in one buffer, fed to the MAC in one call: each call goes through swift-crypto's generic
        // `DataProtocol` path, which cost more than copying the few hundred bytes.
        var signed: [UInt8] = []
        signed.reserveCapacity(timestamp.count + 1 + webhook.body.count)
        signed.append(contentsOf: timestamp)
        signed.append(UInt8(ascii: "."))
        signed.append(contentsOf: webhook.body)
        let matches = secrets.contains { secret in
            var mac = HMACSignature.sha256State(key: secret)
            signed.withUnsafeBytes { mac.update(data: $0) }
            let code = mac.finalize()
            return expected.contains { HMACSignature.constantTimeEquals(code, $0) }
        }
        guard matches else { throw .signatureMismatch }
        // Checked after the signature, so an unsigned request cannot probe the clock.
        try Self.checkTimestamp(String(decoding: timestamp, as: UTF8.self), header: "Stripe-Signature", now: now, tolerance: tolerance)
    }

    static let headerName = HTTPField.Name("Stripe-Signature")!
    /// The members the inbox reads, made once rather than hashed into a new set per request.
    static let identityMembers: Set<String> = ["id", "type", "created"]

    public func inboxIdentity(_ webhook: InboundWebhook) -> WebhookIdentity {
        let members = webhook.jsonMembers(Self.identityMembers)
        return WebhookIdentity(
            eventID: members?["id"]?.stringValue ?? Self.contentID(of: webhook),
            type: members?["type"]?.stringValue ?? "unknown",
            occurredAt: members?["created"]?.doubleValue.map { Date(timeIntervalSince1970: $0) },
            data: .null
        )
    }

    public func identify(_ webhook: InboundWebhook) -> WebhookIdentity {
        let json = webhook.json
        return WebhookIdentity(
            eventID: json?["id"]?.stringValue ?? Self.contentID(of: webhook),
            type: json?["type"]?.stringValue ?? "unknown",
            occurredAt: json?["created"]?.doubleValue.map { Date(timeIntervalSince1970: $0) },
            data: json?["data"]?["object"] ?? json ?? .null
        )
    }
}

/// The parts of a `Stripe-Signature` header (`t=<unix>,v1=<hex>[,v1=<hex>…]`, other schemes ignored), read in one
/// pass over its bytes: splitting it into trimmed substrings was a visible share of each verified webhook.
struct StripeSignatureHeader {
    /// The last `t` value as sent, trimmed: the signed content starts with these bytes.
    private(set) var timestamp: ArraySlice<UInt8>?
    /// Each `v1` value hex-decoded, in order; `nil` for one that is not hex, which matches nothing.
    private(set) var signatures: [[UInt8]?] = []

    init(_ header: String) {
        let bytes = Array(header.utf8)
        var start = bytes.startIndex
        while start <= bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: ",")) ?? bytes.endIndex
            let element = bytes[start..<end]
            if let equals = element.firstIndex(of: UInt8(ascii: "=")) {
                let key = element[..<equals].asciiTrimmed
                let value = element[(equals + 1)...].asciiTrimmed
                if key.elementsEqual("t".utf8) {
                    timestamp = value
                } else if key.elementsEqual("v1".utf8) {
                    signatures.append(HMACSignature.bytes(fromHexDigits: value))
                }
            }
            start = end + 1
        }
    }
}
