import Foundation
import JunctionCore

/// Every way a call to a provider can fail, with provider error bodies mapped in, so callers branch on the
/// kind of failure and not on one provider's status codes. Messages never contain credentials.
public enum APIError: JunctionError, Equatable {
    /// The connection failed or broke (DNS, refused, reset).
    case transport(String)
    /// No response within the per-request or total time limit.
    case timeout(Duration)
    /// The provider throttled us; retry no earlier than `retryAfter` when it says.
    case rateLimited(retryAfter: Duration?, ProviderErrorDetails)
    /// Credentials are missing, expired or revoked (401).
    case unauthorized(ProviderErrorDetails)
    /// The credentials lack permission (403).
    case forbidden(ProviderErrorDetails)
    /// No such resource (404, 410).
    case notFound(ProviderErrorDetails)
    /// The request conflicts with the resource's state (409, 412), including idempotency-key reuse.
    case conflict(ProviderErrorDetails)
    /// The provider rejected the input (400, 422); `fields` names what it blamed.
    case validation(fields: [String], ProviderErrorDetails)
    /// The provider failed (5xx).
    case server(status: Int, ProviderErrorDetails)
    /// Another 4xx.
    case client(status: Int, ProviderErrorDetails)
    /// The host's circuit breaker is open; calls fail fast until it may probe again.
    case circuitOpen(host: String, retryAfter: Duration)
    /// The request could not be built (bad URL, unreadable body).
    case invalidRequest(String)
    /// The host is not on this server's egress allow-list; nothing was sent.
    case hostNotAllowed(String)

    public var title: String {
        switch self {
        case .transport: "Provider unreachable"
        case .timeout: "Provider timed out"
        case .rateLimited: "Provider rate limit"
        case .unauthorized: "Provider rejected the credentials"
        case .forbidden: "Provider refused access"
        case .notFound: "Not found at the provider"
        case .conflict: "Conflict at the provider"
        case .validation: "Provider rejected the input"
        case .server: "Provider error"
        case .client: "Provider refused the request"
        case .circuitOpen: "Provider circuit open"
        case .invalidRequest: "Invalid provider request"
        case .hostNotAllowed: "Host not allowed"
        }
    }

    public var detail: String {
        switch self {
        case .transport(let reason): "could not reach the provider: \(reason)"
        case .timeout(let limit): "the provider did not answer within \(limit)"
        case .rateLimited(let retryAfter, let details):
            "the provider is rate limiting requests\(retryAfter.map { "; retry after \($0)" } ?? "")\(details.suffix)"
        case .unauthorized(let details): "the provider rejected the credentials (401)\(details.suffix)"
        case .forbidden(let details): "the provider refused access (403)\(details.suffix)"
        case .notFound(let details): "the provider has no such resource\(details.suffix)"
        case .conflict(let details): "the request conflicts with the resource's state\(details.suffix)"
        case .validation(let fields, let details):
            "the provider rejected the input\(fields.isEmpty ? "" : " (fields: \(fields.joined(separator: ", ")))")\(details.suffix)"
        case .server(let status, let details): "the provider failed with \(status)\(details.suffix)"
        case .client(let status, let details): "the provider refused the request with \(status)\(details.suffix)"
        case .circuitOpen(let host, let retryAfter):
            "calls to \(host) are failing, so the circuit is open; the next probe is in \(retryAfter)"
        case .invalidRequest(let reason): reason
        case .hostNotAllowed(let host):
            "this server does not call \(host): it is not on the outbound allow-list (--outbound-hosts)"
        }
    }

    /// The HTTP status the provider answered with, when it answered.
    public var status: Int? {
        switch self {
        case .rateLimited(_, let details), .unauthorized(let details), .forbidden(let details), .notFound(let details),
            .conflict(let details), .validation(_, let details), .server(_, let details), .client(_, let details):
            details.status
        default: nil
        }
    }

    /// Maps a provider's error response into the taxonomy.
    public static func from(status: Int, body: Data, contentType: String?, retryAfter: Duration?) -> APIError {
        from(
            status: status, details: ProviderErrorDetails.parse(status: status, body: body, contentType: contentType),
            retryAfter: retryAfter)
    }

    /// Maps a provider's error status into the taxonomy with details already read (a connector that knows where its
    /// provider keeps the message reads them itself).
    public static func from(status: Int, details: ProviderErrorDetails, retryAfter: Duration?) -> APIError {
        switch status {
        case 401: return .unauthorized(details)
        case 403: return .forbidden(details)
        case 404, 410: return .notFound(details)
        case 409, 412: return .conflict(details)
        case 400, 422: return .validation(fields: details.fields, details)
        case 429: return .rateLimited(retryAfter: retryAfter, details)
        case 500...599: return .server(status: status, details)
        default: return .client(status: status, details)
        }
    }
}

/// What a provider's error body said, in one shape: Stripe's `{"error": {"message", "code", "param"}}`,
/// Google's `{"error": {"code", "message", "status"}}`, Salesforce's `[{"message", "errorCode", "fields"}]`,
/// OAuth2's `{"error", "error_description"}`, or a plain `{"message"}`.
public struct ProviderErrorDetails: Sendable, Equatable {
    /// The HTTP status.
    public var status: Int
    /// The provider's human message.
    public var message: String?
    /// The provider's machine code (`card_declined`, `INVALID_FIELD`, `invalid_grant`).
    public var code: String?
    /// Fields the provider blamed.
    public var fields: [String]

    /// Details.
    public init(status: Int, message: String?, code: String?, fields: [String] = []) {
        self.status = status
        self.message = message
        self.code = code
        self.fields = fields
    }

    var suffix: String {
        var parts: [String] = []
        if let code { parts.append(code) }
        if let message { parts.append(String(message.prefix(300))) }
        return parts.isEmpty ? "" : ": " + parts.joined(separator: ": ")
    }

    /// Reads the details from an error body; unknown shapes give just the status.
    public static func parse(status: Int, body: Data, contentType: String?) -> ProviderErrorDetails {
        var details = ProviderErrorDetails(status: status, message: nil, code: nil)
        guard let json = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else {
            if contentType?.contains("text/plain") == true, !body.isEmpty {
                details.message = String(decoding: body.prefix(300), as: UTF8.self)
            }
            return details
        }
        if let list = json as? [[String: Any]], let first = list.first {
            // Salesforce REST: [{"message": "...", "errorCode": "INVALID_FIELD", "fields": ["Name"]}]
            details.message = first["message"] as? String
            details.code = first["errorCode"] as? String
            details.fields = list.flatMap { ($0["fields"] as? [String]) ?? [] }
            return details
        }
        guard let object = json as? [String: Any] else { return details }
        if let error = object["error"] as? [String: Any] {
            details.message = error["message"] as? String
            details.code = (error["code"] as? String) ?? (error["status"] as? String) ?? (error["type"] as? String)
            if let param = error["param"] as? String { details.fields = [param] }
            if let errors = error["errors"] as? [[String: Any]] {
                details.fields += errors.compactMap { $0["location"] as? String }
            }
        } else if let error = object["error"] as? String {
            details.code = error
            details.message = object["error_description"] as? String
        } else {
            details.message = (object["message"] as? String) ?? (object["detail"] as? String)
            details.code = (object["code"] as? String) ?? (object["errorCode"] as? String)
            if let errors = object["errors"] as? [[String: Any]] {
                details.fields = errors.compactMap { ($0["field"] as? String) ?? ($0["name"] as? String) }
            }
        }
        return details
    }
}
