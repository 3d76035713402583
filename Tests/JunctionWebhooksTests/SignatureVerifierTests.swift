import Crypto
import Foundation
import HTTPTypes
import JunctionCore
import Testing

@testable import JunctionWebhooks

/// Every built-in verifier: a correct signature passes; a tampered body, a wrong secret, a stale timestamp and a
/// missing header are refused with an error naming the rule. Signatures here are computed independently with
/// swift-crypto from each provider's documented recipe; the reference libraries check the same in the peer tests.
@Suite("Webhook signature verifiers")
struct SignatureVerifierTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let body = Array(#"{"id":"evt_1","type":"customer.created","created":1800000000,"data":{"object":{"id":"cus_1"}}}"#.utf8)

    static func hexHMAC(_ key: String, _ message: [UInt8]) -> String {
        HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(key.utf8))).map { String(format: "%02x", $0) }
            .joined()
    }

    static func webhook(_ headers: [(String, String)], body: [UInt8] = body) -> InboundWebhook {
        var fields = HTTPFields()
        for (name, value) in headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return InboundWebhook(headers: fields, body: body)
    }

    // MARK: Stripe

    static func stripeHeader(secret: String, timestamp: Int = 1_800_000_000, body: [UInt8] = body) -> String {
        "t=\(timestamp),v1=\(hexHMAC(secret, Array("\(timestamp).".utf8) + body))"
    }

    @Test("Stripe: a correct signature passes and the identity comes from the event body")
    func stripeValid() throws {
        let verifier = StripeSignatureVerifier()
        let request = Self.webhook([("Stripe-Signature", Self.stripeHeader(secret: "whsec_test"))])
        try verifier.verify(request, secrets: ["whsec_test"], now: Self.now)
        let identity = verifier.identify(request)
        #expect(identity.eventID == "evt_1")
        #expect(identity.type == "customer.created")
        #expect(identity.occurredAt == Self.now)
        #expect(identity.data == ["id": "cus_1"])
        let stored = verifier.inboxIdentity(request)
        #expect(stored.eventID == identity.eventID && stored.type == identity.type && stored.occurredAt == identity.occurredAt)
        // The cached key state is copied, never shared: a second body under the same secret verifies on its own.
        let other = Array(#"{"id":"evt_2","type":"invoice.paid","created":1800000000,"data":{}}"#.utf8)
        try verifier.verify(
            Self.webhook([("Stripe-Signature", Self.stripeHeader(secret: "whsec_test", body: other))], body: other),
            secrets: ["whsec_test"],
            now: Self.now)
        try verifier.verify(request, secrets: ["whsec_test"], now: Self.now)
        #expect(throws: WebhookVerificationError.signatureMismatch) {
            try verifier.verify(
                Self.webhook([("Stripe-Signature", Self.stripeHeader(secret: "whsec_test", body: other))]), secrets: ["whsec_test"],
                now: Self.now)
        }
    }

    @Test("Stripe: tampered body, wrong secret, stale or future timestamp and missing header are refused")
    func stripeRefusals() {
        let verifier = StripeSignatureVerifier()
        let header = Self.stripeHeader(secret: "whsec_test")
        let tampered = Self.webhook([("Stripe-Signature", header)], body: Self.body + [0x20])
        #expect(throws: WebhookVerificationError.signatureMismatch) {
            try verifier.verify(tampered, secrets: ["whsec_test"], now: Self.now)
        }
        let request = Self.webhook([("Stripe-Signature", header)])
        #expect(throws: WebhookVerificationError.signatureMismatch) {
            try verifier.verify(request, secrets: ["whsec_other"], now: Self.now)
        }
        #expect(throws: WebhookVerificationError.timestampOutsideTolerance(seconds: 301, tolerance: 300)) {
            try verifier.verify(request, secrets: ["whsec_test"], now: Self.now.addingTimeInterval(301))
        }
        #expect(throws: WebhookVerificationError.timestampOutsideTolerance(seconds: 400, tolerance: 300)) {
            try verifier.verify(request, secrets: ["whsec_test"], now: Self.now.addingTimeInterval(-400))
        }
        #expect(throws: WebhookVerificationError.missingHeader("Stripe-Signature")) {
            try verifier.verify(Self.webhook([]), secrets: ["whsec_test"], now: Self.now)
        }
        #expect(throws: WebhookVerificationError.noSecret) { try verifier.verify(request, secrets: [], now: Self.now) }
        let noV1 = Self.webhook([("Stripe-Signature", "t=1800000000,v0=abc")])
        #expect(throws: WebhookVerificationError.malformedHeader("Stripe-Signature", reason: "no v1= signature")) {
            try verifier.verify(noV1, secrets: ["whsec_test"], now: Self.now)
        }
    }

    @Test("Stripe: during a roll, either of two v1 signatures and either of two configured secrets verifies")
    func stripeRotation() throws {
        let signedByOld = Self.stripeHeader(secret: "whsec_old")
        let newSignature = Self.hexHMAC("whsec_new", Array("1800000000.".utf8) + Self.body)
        let both = Self.webhook([("Stripe-Signature", signedByOld + ",v1=" + newSignature)])
        try StripeSignatureVerifier().verify(both, secrets: ["whsec_new"], now: Self.now)
        try StripeSignatureVerifier().verify(
            Self.webhook([("Stripe-Signature", signedByOld)]), secrets: ["whsec_new", "whsec_old"], now: Self.now)
    }

    @Test("Stripe: the header's elements may carry spaces, other schemes, uppercase hex and a bad v1 beside a good one")
    func stripeHeaderParsing() throws {
        let signature = Self.hexHMAC("whsec_test", Array("1800000000.".utf8) + Self.body)
        let verifier = StripeSignatureVerifier()
        for header in [
            " t = 1800000000 ,\tv1= \(signature) ", "v0=abc,t=1800000000,,v1=zz,junk,v1=\(signature)",
            "t=1800000000,v1=\(signature.uppercased())",
        ] {
            try verifier.verify(Self.webhook([("Stripe-Signature", header)]), secrets: ["whsec_test"], now: Self.now)
        }
        // The timestamp is signed as sent: a second t replaces the first, and then the signature no longer matches.
        #expect(throws: WebhookVerificationError.signatureMismatch) {
            try verifier.verify(
                Self.webhook([("Stripe-Signature", "t=1800000000,v1=\(signature),t=1800000001")]), secrets: ["whsec_test"], now: Self.now)
        }
        #expect(throws: WebhookVerificationError.signatureMismatch) {
            try verifier.verify(
                Self.webhook([("Stripe-Signature", "t=1800000000,v1=\(signature.dropLast())")]), secrets: ["whsec_test"], now: Self.now)
        }
        #expect(throws: WebhookVerificationError.malformedHeader("Stripe-Signature", reason: "no t= timestamp")) {
            try verifier.verify(Self.webhook([("Stripe-Signature", "t1800000000,v1=\(signature)")]), secrets: ["whsec_test"], now: Self.now)
        }
    }

    // MARK: Standard Webhooks and Svix

    static let standardSecret = "whsec_" + Data((0..<32).map { UInt8($0) }).base64EncodedString()

    @Test("Standard Webhooks: Junction's own signer verifies, under webhook-* and svix-* names, and tampering fails")
    func standardWebhooks() throws {
        let signature = StandardWebhookSigner.signature(
            id: "msg_1", timestamp: 1_800_000_000, body: Self.body, secrets: [Self.standardSecret])
        let verifier = StandardWebhooksVerifier()
        for prefix in ["webhook", "svix"] {
            let request = Self.webhook([
                ("\(prefix)-id", "msg_1"), ("\(prefix)-timestamp", "1800000000"), ("\(prefix)-signature", signature),
            ])
            try verifier.verify(request, secrets: [Self.standardSecret], now: Self.now)
            #expect(verifier.identify(request).eventID == "msg_1")
            #expect(verifier.identify(request).type == "customer.created")
            let forgedID = Self.webhook([
                ("\(prefix)-id", "msg_2"), ("\(prefix)-timestamp", "1800000000"), ("\(prefix)-signature", signature),
            ])
            #expect(throws: WebhookVerificationError.signatureMismatch) {
                try verifier.verify(forgedID, secrets: [Self.standardSecret], now: Self.now)
            }
        }
        let stale = Self.webhook([("webhook-id", "msg_1"), ("webhook-timestamp", "1800000000"), ("webhook-signature", signature)])
        #expect(throws: WebhookVerificationError.timestampOutsideTolerance(seconds: 3600, tolerance: 300)) {
            try verifier.verify(stale, secrets: [Self.standardSecret], now: Self.now.addingTimeInterval(3600))
        }
    }

    @Test("Standard Webhooks: the signature matches the specification's published example")
    func standardWebhooksSpecificationVector() {
        // From the Standard Webhooks specification's reference tests (python/standardwebhooks/tests).
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let signature = StandardWebhookSigner.signature(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8), secrets: [secret]
        )
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test("rotation: the signer emits one v1 entry per secret, space-separated")
    func signerRotation() {
        let second = "whsec_" + Data(repeating: 7, count: 24).base64EncodedString()
        let header = StandardWebhookSigner.signature(id: "msg_1", timestamp: 1, body: [], secrets: [Self.standardSecret, second])
        #expect(header.split(separator: " ").count == 2)
        #expect(header.split(separator: " ").allSatisfy { $0.hasPrefix("v1,") })
        #expect(StandardWebhookSigner.generateSecret().hasPrefix("whsec_"))
        #expect(StandardWebhooksVerifier.key(fromSecret: StandardWebhookSigner.generateSecret())?.count == 24)
    }

    // MARK: GitHub, Shopify, Slack

    @Test("GitHub: sha256=<hex> over the body; the delivery id and event plus action identify it")
    func github() throws {
        let body = Array(#"{"action":"opened","number":1}"#.utf8)
        let request = Self.webhook(
            [
                ("X-Hub-Signature-256", "sha256=" + Self.hexHMAC("gh-secret", body)), ("X-GitHub-Delivery", "d-1"),
                ("X-GitHub-Event", "pull_request"),
            ],
            body: body
        )
        try GitHubSignatureVerifier().verify(request, secrets: ["gh-secret"], now: Self.now)
        #expect(GitHubSignatureVerifier().identify(request).type == "pull_request.opened")
        #expect(GitHubSignatureVerifier().identify(request).eventID == "d-1")
        #expect(throws: WebhookVerificationError.signatureMismatch) {
            try GitHubSignatureVerifier().verify(request, secrets: ["nope"], now: Self.now)
        }
    }

    @Test("Shopify: base64 HMAC over the body; the topic becomes the type")
    func shopify() throws {
        let body = Array(#"{"id":820982911946154508}"#.utf8)
        let mac = Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array("shp-secret".utf8))))
            .base64EncodedString()
        let request = Self.webhook(
            [("X-Shopify-Hmac-Sha256", mac), ("X-Shopify-Topic", "orders/create"), ("X-Shopify-Webhook-Id", "w-1")], body: body
        )
        try ShopifySignatureVerifier().verify(request, secrets: ["shp-secret"], now: Self.now)
        #expect(ShopifySignatureVerifier().identify(request).type == "orders.create")
        #expect(ShopifySignatureVerifier().identify(request).eventID == "w-1")
        #expect(throws: WebhookVerificationError.signatureMismatch) {
            try ShopifySignatureVerifier().verify(
                Self.webhook([("X-Shopify-Hmac-Sha256", mac)], body: body + [0x20]), secrets: ["shp-secret"], now: Self.now)
        }
    }

    @Test("Slack: v0 over v0:<timestamp>:<body>, with the timestamp inside the tolerance; url_verification yields its challenge")
    func slack() throws {
        let body = Array(#"{"type":"url_verification","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}"#.utf8)
        let signature = "v0=" + Self.hexHMAC("slack-secret", Array("v0:1800000000:".utf8) + body)
        let request = Self.webhook([("X-Slack-Signature", signature), ("X-Slack-Request-Timestamp", "1800000000")], body: body)
        try SlackSignatureVerifier().verify(request, secrets: ["slack-secret"], now: Self.now)
        #expect(SlackSignatureVerifier.urlVerificationChallenge(in: request) == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
        #expect(throws: WebhookVerificationError.timestampOutsideTolerance(seconds: 600, tolerance: 300)) {
            try SlackSignatureVerifier().verify(request, secrets: ["slack-secret"], now: Self.now.addingTimeInterval(600))
        }
    }

    // MARK: Generic HMAC

    @Test("generic HMAC: header, algorithm, encoding, prefix and signed-content template are honoured")
    func genericHMAC() throws {
        let body = Array(#"{"event":{"id":"e-9","kind":"invoice.paid"}}"#.utf8)
        let signed = Array("1800000000.".utf8) + body
        let mac = Data(HMAC<SHA512>.authenticationCode(for: signed, using: SymmetricKey(data: Array("k".utf8)))).base64EncodedString()
        let verifier = GenericHMACVerifier(
            signatureHeader: "X-Sig", algorithm: .sha512, encoding: .base64, signaturePrefix: "sha512=",
            signedContent: "{timestamp}.{body}", timestampHeader: "X-Time", idField: "event.id", typeField: "event.kind"
        )
        let request = Self.webhook([("X-Sig", "sha512=" + mac), ("X-Time", "1800000000")], body: body)
        try verifier.verify(request, secrets: ["k"], now: Self.now)
        #expect(verifier.identify(request).eventID == "e-9")
        #expect(verifier.identify(request).type == "invoice.paid")
        #expect(throws: WebhookVerificationError.malformedHeader("X-Sig", reason: "expected the prefix 'sha512='")) {
            try verifier.verify(Self.webhook([("X-Sig", mac), ("X-Time", "1800000000")], body: body), secrets: ["k"], now: Self.now)
        }
        #expect(GenericHMACVerifier.render("a{b}{id}-{timestamp}{body}", body: [0x41], timestamp: "7", id: "i") == Array("a{b}i-7A".utf8))
    }

    @Test("a sender without event ids is deduplicated on the body's hash")
    func contentID() {
        let request = Self.webhook([])
        let identity = GenericHMACVerifier(signatureHeader: "X-Sig", idField: "missing").identify(request)
        #expect(identity.eventID.hasPrefix("sha256:"))
        #expect(identity.eventID == GenericHMACVerifier(signatureHeader: "X-Sig", idField: "missing").identify(request).eventID)
    }

    @Test("hex signatures decode in either case; odd lengths and non-hex digits are refused")
    func hexDecoding() {
        #expect(HMACSignature.bytes(fromHex: "00ff7Fa0") == [0x00, 0xFF, 0x7F, 0xA0])
        #expect(HMACSignature.bytes(fromHex: "") == [])
        #expect(HMACSignature.bytes(fromHex: "abc") == nil)
        #expect(HMACSignature.bytes(fromHex: "0g") == nil)
        #expect(HMACSignature.bytes(fromHex: "t=1,v1=ab".split(separator: "=").last ?? "") == [0xAB])
    }

    @Test("a header sent as several fields reads as their values joined, as HTTP combines them")
    func repeatedHeader() {
        var headers = HTTPFields()
        headers.append(HTTPField(name: HTTPField.Name("X-Sig")!, value: "a"))
        headers.append(HTTPField(name: .contentType, value: "application/json"))
        headers.append(HTTPField(name: HTTPField.Name("x-sig")!, value: "b"))
        let webhook = InboundWebhook(headers: headers, body: [])
        #expect(webhook.header(HTTPField.Name("x-SIG")!) == "a, b")
        #expect(webhook.header(HTTPField.Name("x-sig")!) == headers[HTTPField.Name("x-sig")!])
        #expect(webhook.header(HTTPField.Name("x-missing")!) == nil)
    }
}
