import Foundation
import JunctionCore
import NIOCore
import Testing

@testable import JunctionWebhooks

/// The pure rules around webhooks: settings, event-type patterns, retry schedules and the SSRF guard.
@Suite("Webhook policies")
struct WebhookPolicyTests {
    @Test("settings: Stripe and providers whose definition names a verifier need none; others name one; every mistake names its field")
    func settings() throws {
        #expect(try WebhookSourceSettings(provider: "stripe", settings: [:]).verifierName == "stripe")
        #expect(try WebhookSourceSettings(provider: "my-crm", settings: [:], defaultVerifier: "github").verifierName == "github")
        #expect(
            try WebhookSourceSettings(provider: "my-crm", settings: ["webhook": ["verifier": "shopify"]], defaultVerifier: "github")
                .verifierName
                == "shopify")
        #expect(try WebhookSourceSettings(provider: "rest", settings: ["webhook": ["verifier": "github"]]).verifierName == "github")
        let cases: [(JSONValue, String)] = [
            ([:], "settings.webhook.verifier"),
            (["webhook": ["verifier": "pgp"]], "settings.webhook.verifier"),
            (["webhook": ["verifier": "hmac"]], "settings.webhook.hmac"),
            (["webhook": ["verifier": "hmac", "hmac": ["header": "X-S", "algorithm": "md5"]]], "settings.webhook.hmac.algorithm"),
            (
                ["webhook": ["verifier": "hmac", "hmac": ["header": "X-S", "signedContent": "{timestamp}"]]],
                "settings.webhook.hmac.signedContent"
            ),
            (
                ["webhook": ["verifier": "hmac", "hmac": ["header": "X-S", "signedContent": "{timestamp}.{body}"]]],
                "settings.webhook.hmac.timestampHeader"
            ),
            (["webhook": ["verifier": "hmac", "hmac": ["header": "X-S", "colour": "red"]]], "settings.webhook.hmac.colour"),
            (["webhook": ["verifier": "github", "toleranceSeconds": 0]], "settings.webhook.toleranceSeconds"),
            (["webhook": ["verifier": "github", "rateLimit": 1.5]], "settings.webhook.rateLimit"),
            (["webhook": "github"], "settings.webhook"),
        ]
        for (settings, path) in cases {
            #expect(throws: WebhookSettingsError.self, "\(settings)") { try WebhookSourceSettings(provider: "rest", settings: settings) }
            do {
                _ = try WebhookSourceSettings(provider: "rest", settings: settings)
            } catch {
                #expect(error.path == path, "\(settings): \(error)")
            }
        }
        try WebhookSourceSettings.validate(provider: "rest", settings: [:])
    }

    @Test("event type patterns: exact, prefix wildcard and everything; malformed ones are refused")
    func patterns() throws {
        let stripe = try #require(EventTypePattern("stripe.*"))
        #expect(stripe.matches("stripe.customer.created"))
        #expect(!stripe.matches("stripeX.customer"))
        #expect(!stripe.matches("github.push"))
        #expect(try #require(EventTypePattern("*")).matches("anything"))
        #expect(try #require(EventTypePattern("record.updated")).matches("record.updated"))
        #expect(!(try #require(EventTypePattern("record.updated")).matches("record.updated.more")))
        for bad in ["", "str*pe", "*.created", "a b", "stripe.**"] { #expect(EventTypePattern(bad) == nil, "\(bad)") }
    }

    @Test("retry schedule: Svix's default delays, jitter within ±20%, and the end of attempts")
    func schedule() throws {
        var generator = SystemRandomNumberGenerator()
        #expect(RetrySchedule.standard.attempts == 8)
        for (index, base) in RetrySchedule.standard.delays.enumerated() {
            let delay = try #require(RetrySchedule.standard.delay(afterAttempt: index + 1, using: &generator))
            #expect(delay >= .milliseconds(Int64(Double(base) * 800)) && delay <= .milliseconds(Int64(Double(base) * 1200)))
        }
        #expect(RetrySchedule.standard.delay(afterAttempt: 8, using: &generator) == nil)
        #expect(RetrySchedule(delays: [-1]) == nil)
        #expect(RetrySchedule(delays: Array(repeating: 1, count: 21)) == nil)
        #expect(RetrySchedule(delays: [RetrySchedule.maximumDelay + 1]) == nil)
    }

    @Test("SSRF guard: loopback, private, link-local, metadata, CGNAT and embedded IPv4 are refused; public addresses pass")
    func addressClassification() throws {
        let refused = [
            "127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
        ]
        for text in refused {
            #expect(EndpointAddressPolicy.isRefused(try SocketAddress(ipAddress: text, port: 80)), "\(text)")
        }
        for text in [
            "::1", "::", "fe80::1", "fd00:ec2::254", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "ff02::1",
        ] {
            #expect(EndpointAddressPolicy.isRefused(try SocketAddress(ipAddress: text, port: 80)), "\(text)")
        }
        for text in ["8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            #expect(!EndpointAddressPolicy.isRefused(try SocketAddress(ipAddress: text, port: 80)), "\(text)")
        }
    }

    @Test("SSRF guard: URLs are checked for scheme, host and credentials; names resolving to loopback are refused")
    func urlChecks() async throws {
        let policy = EndpointAddressPolicy(allowPrivate: false)
        for text in [
            "ftp://example.com/", "/relative", "http://", "https://user:pass@example.com/", "HTTP://0*", "http://a/%zz",
            "http://a:123456/", "http://a/b#fragment", "http://a/ b",
        ] {
            await #expect(throws: EndpointAddressPolicy.Refusal.self, "\(text)") { _ = try await policy.check(text) }
        }
        await #expect(throws: EndpointAddressPolicy.Refusal.privateAddress(host: "127.0.0.1", address: "127.0.0.1")) {
            _ = try await policy.check("http://127.0.0.1:9/hook")
        }
        await #expect(throws: EndpointAddressPolicy.Refusal.self) { _ = try await policy.check("http://localhost:9/hook") }
        #expect(try await EndpointAddressPolicy(allowPrivate: true).check("http://127.0.0.1:9/hook").port == 9)
        let withQuery = "HTTPS://hooks.example.com:8443/in/%7Eteam?token=a%2Fb&x=1"
        #expect(try EndpointAddressPolicy.parse(withQuery).host == "hooks.example.com")
    }

    @Test("endpoint secrets: the previous secret signs for 24 hours after a rotation, then only the new one")
    func secretRotation() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let rotated = EndpointSecrets(current: "whsec_a").rotated(to: "whsec_b", at: now)
        #expect(rotated.signing(at: now) == ["whsec_b", "whsec_a"])
        #expect(rotated.signing(at: now.addingTimeInterval(EndpointSecrets.overlap + 1)) == ["whsec_b"])
        #expect(EndpointSecrets(credentials: rotated.credentials) == rotated)
    }
}
