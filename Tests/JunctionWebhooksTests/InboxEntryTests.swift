import HTTPTypes
import JunctionCore
import Testing

@testable import JunctionWebhooks

/// What the inbox keeps of a request's headers.
@Suite("Inbox entry headers")
struct InboxEntryHeaderTests {
    @Test("credentials and cookies are dropped; names are lowercase and in order, a repeated one joined in the order sent")
    func keptHeaders() throws {
        let webhook = SignatureVerifierTests.webhook([
            ("X-Trace", "first"), ("Authorization", "Bearer secret"), ("Content-Type", "application/json"),
            ("Proxy-Authorization", "Basic c2VjcmV0"), ("x-trace", "second \"quoted\""), ("Cookie", "session=secret"),
            ("Stripe-Signature", "t=1,v1=ab"),
        ])
        let json = InboxEntry.keptHeadersJSON(of: webhook)
        #expect(json == #"{"content-type":"application/json","stripe-signature":"t=1,v1=ab","x-trace":"first, second \"quoted\""}"#)
        #expect(!json.contains("secret") && !json.contains("c2VjcmV0"))
        // The same text the general writer makes for these headers as a JSON object.
        let object = JSONValue.object([
            "x-trace": .string("first, second \"quoted\""), "stripe-signature": .string("t=1,v1=ab"),
            "content-type": .string("application/json"),
        ])
        #expect(json == (try object.serialized()))
    }
}
