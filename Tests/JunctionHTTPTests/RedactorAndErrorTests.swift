import Foundation
import HTTPTypes
import JunctionCore
import JunctionHTTP
import Testing

@Suite("Redaction and provider errors")
struct RedactorAndErrorTests {
    let redactor = Redactor()

    @Test("credential headers, query parameters and body fields are masked")
    func redaction() {
        let headers: HTTPFields = [
            .authorization: "Bearer sk_live_SECRET1", .cookie: "session=SECRET2", .init("X-Api-Key")!: "SECRET3",
            .init("Idempotency-Key")!: "6f1c", .contentType: "application/json",
        ]
        let text = redactor.redact(headers)
        for secret in ["SECRET1", "SECRET2", "SECRET3"] { #expect(!text.contains(secret)) }
        #expect(text.contains("6f1c"), "idempotency keys are not secrets")
        #expect(text.contains("application/json"))

        let url = redactor.redact(url: "https://user:SECRET4@api.example.com/v1/x?api_key=SECRET5&access_token=SECRET6&limit=10")
        for secret in ["SECRET4", "SECRET5", "SECRET6"] { #expect(!url.contains(secret)) }
        #expect(url.contains("limit=10"))

        let json = Data(
            #"{"access_token": "SECRET7", "refresh_token": "SECRET8", "expires_in": 3600, "nested": {"client_secret": "SECRET9"}}"#.utf8)
        let body = redactor.redact(body: json, contentType: "application/json")
        for secret in ["SECRET7", "SECRET8", "SECRET9"] { #expect(!body.contains(secret)) }
        #expect(body.contains("3600"))

        let form = Data("grant_type=refresh_token&refresh_token=SECRETA&client_id=abc&client_secret=SECRETB&code_verifier=SECRETC".utf8)
        let formText = redactor.redact(body: form, contentType: "application/x-www-form-urlencoded")
        for secret in ["SECRETA", "SECRETB", "SECRETC"] { #expect(!formText.contains(secret)) }
        #expect(formText.contains("client_id=abc"))
        #expect(redactor.redact(body: Data([0, 1, 2]), contentType: "application/octet-stream") == "(3 bytes of application/octet-stream)")
    }

    @Test("provider error bodies map into the taxonomy")
    func errorMapping() {
        let stripe = APIError.from(
            status: 400,
            body: Data(
                #"{"error": {"type": "invalid_request_error", "code": "parameter_missing", "message": "Missing required param: amount.", "param": "amount"}}"#
                    .utf8),
            contentType: "application/json", retryAfter: nil
        )
        guard case .validation(let fields, let details) = stripe else {
            Issue.record("Stripe 400 should be validation: \(stripe)")
            return
        }
        #expect(fields == ["amount"])
        #expect(details.code == "parameter_missing")
        #expect(stripe.detail.contains("Missing required param: amount."))

        let salesforce = APIError.from(
            status: 400,
            body: Data(#"[{"message": "No such column 'Nme'", "errorCode": "INVALID_FIELD", "fields": ["Nme"]}]"#.utf8),
            contentType: "application/json", retryAfter: nil
        )
        #expect(
            salesforce
                == .validation(
                    fields: ["Nme"],
                    ProviderErrorDetails(status: 400, message: "No such column 'Nme'", code: "INVALID_FIELD", fields: ["Nme"])))

        let google = APIError.from(
            status: 403,
            body: Data(#"{"error": {"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}}"#.utf8),
            contentType: "application/json", retryAfter: nil
        )
        #expect(
            google
                == .forbidden(ProviderErrorDetails(status: 403, message: "The caller does not have permission", code: "PERMISSION_DENIED")))

        let oauth = APIError.from(
            status: 400, body: Data(#"{"error": "invalid_grant", "error_description": "refresh token revoked"}"#.utf8),
            contentType: "application/json", retryAfter: nil
        )
        #expect(
            oauth == .validation(fields: [], ProviderErrorDetails(status: 400, message: "refresh token revoked", code: "invalid_grant")))

        #expect(
            APIError.from(status: 429, body: Data(), contentType: nil, retryAfter: .seconds(3))
                == .rateLimited(retryAfter: .seconds(3), ProviderErrorDetails(status: 429, message: nil, code: nil)))
        #expect(APIError.from(status: 503, body: Data("down".utf8), contentType: "text/plain", retryAfter: nil).status == 503)
        #expect(
            APIError.from(status: 401, body: Data(), contentType: nil, retryAfter: nil)
                == .unauthorized(ProviderErrorDetails(status: 401, message: nil, code: nil)))
        #expect(APIError.from(status: 409, body: Data(), contentType: nil, retryAfter: nil).title == "Conflict at the provider")
        #expect(
            APIError.from(status: 418, body: Data(), contentType: nil, retryAfter: nil)
                == .client(status: 418, ProviderErrorDetails(status: 418, message: nil, code: nil)))
    }
}

@Suite("Hostile input")
struct HostileInputTests {
    @Test("absurd Retry-After and rate-limit values are clamped, never a crash")
    func clamped() {
        let month = Duration.seconds(30 * 86_400)
        #expect(RetryAfter.delay(from: "1e300") == month)
        #expect([nil, month].contains(RetryAfter.delay(from: "inf")), "ignored or clamped")
        #expect(RetryAfter.delay(from: "nan") == nil || RetryAfter.delay(from: "nan") == .zero)
        #expect(RateLimitHint.parse([.init("X-RateLimit-Reset")!: "1e300", .init("X-RateLimit-Remaining")!: "0"])?.resetAfter == month)
        #expect(RateLimitHint.parse([.init("RateLimit")!: "remaining=0, reset=99999999999999"])?.resetAfter == month)
        let policy = ClientPolicy(settings: ["client": ["maxDelayMs": 1e300, "requestTimeoutSeconds": 1e300, "maxAttempts": 1e300]])
        #expect(policy.retry.maximumAttempts == 100)
        #expect(policy.requestTimeout == .seconds(3600))
    }

    @Test("a credential under an unusual name is masked when the request says so")
    func extraSecretNames() {
        let redactor = Redactor(extraSecretNames: ["appid", "ocp-apim-subscription-key"])
        #expect(!redactor.redact(url: "https://api.example.com/x?appid=SECRETAPPID&q=1").contains("SECRETAPPID"))
        #expect(!redactor.redact([.init("Ocp-Apim-Subscription-Key")!: "SECRETSUB"]).contains("SECRETSUB"))
        #expect(
            Redactor().redact(url: "https://api.example.com/x?appid=VISIBLE").contains("VISIBLE"),
            "without the hint the name is not a secret")
    }
}
