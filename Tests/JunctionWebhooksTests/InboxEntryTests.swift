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
        // The same headers given as a dictionary serialize to the same text.
        let entry = InboxEntry(
            connectionID: "conn_1", provider: "stripe",
            identity: WebhookIdentity(eventID: "evt_1", type: "t", occurredAt: nil, data: .null),
            headers: ["x-trace": "first, second \"quoted\"", "stripe-signature": "t=1,v1=ab", "content-type": "application/json"],
            body: "{}")
        #expect(entry.headersJSON == json)
    }
}
