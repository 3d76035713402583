import Foundation
import HTTPTypes
import JunctionCore

/// A webhook request as it arrived: the headers, the raw body bytes (signatures cover them exactly) and the query.
public struct InboundWebhook: Sendable {
    /// The request headers.
    public var headers: HTTPFields
    /// The body, byte for byte as received.
    public var body: [UInt8] {
        didSet { text = String(validating: body, as: UTF8.self) }
    }
    /// The body as text, `nil` when it is not UTF-8: checked once, when the body is set, for the identity read and
    /// the inbox alike.
    public private(set) var text: String?
    /// The query parameters.
    public var query: [String: String]

    /// A received webhook.
    public init(headers: HTTPFields, body: [UInt8], query: [String: String] = [:]) {
        self.headers = headers
        self.body = body
        self.text = String(validating: body, as: UTF8.self)
        self.query = query
    }

    /// A stored webhook, its headers as kept in the inbox.
    public init(storedHeaders: [String: String], body: [UInt8]) {
        var fields = HTTPFields()
        for (name, value) in storedHeaders.sorted(by: { $0.key < $1.key }) {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        self.init(headers: fields, body: body)
    }

    /// The header's value, looked up case-insensitively; `nil` when absent or not a valid field name.
    public func header(_ name: String) -> String? {
        guard let field = HTTPField.Name(name) else { return nil }
        return headers[field]
    }

    /// The header's value; the built-in verifiers pass names made once, not parsed per request. Several fields of
    /// the name are joined with ", ", as HTTP combines repeated fields (`HTTPFields`' own lookup joins even a single
    /// value through a generic path that showed in ingest profiles).
    public func header(_ name: HTTPField.Name) -> String? {
        var value: String?
        for field in headers where field.name == name {
            value = value.map { $0 + ", " + field.value } ?? field.value
        }
        return value
    }

    /// The body parsed as JSON, or `nil` when it is not JSON (form-encoded Slack payloads, say).
    public var json: JSONValue? {
        guard let text else { return nil }
        return try? JSONValue.parse(text)
    }

    /// Only the named top-level members of a JSON object body (the rest is checked, not built); `nil` when the body
    /// is not a JSON object or not UTF-8.
    public func jsonMembers(_ names: Set<String>) -> [String: JSONValue]? {
        guard text != nil else { return nil }
        return body.withUnsafeBufferPointer { bytes in try? JSONValue.members(names, utf8: bytes) }
    }
}

/// What identifies a verified webhook: the provider's event id (for dedup), its type and when it happened.
public struct WebhookIdentity: Sendable, Equatable {
    /// The provider's id for the event; the same delivery sent twice carries the same id.
    public var eventID: String
    /// The provider's event type, without Junction's provider prefix (`customer.created`).
    public var type: String
    /// When the provider says the event happened, when it says.
    public var occurredAt: Date?
    /// The part of the body that is the event's data (Stripe's `data.object`, Slack's `event`).
    public var data: JSONValue

    /// An identity.
    public init(eventID: String, type: String, occurredAt: Date?, data: JSONValue) {
        self.eventID = eventID
        self.type = type
        self.occurredAt = occurredAt
        self.data = data
    }
}

/// Why a webhook was refused. The messages name the header or rule, never the secret or the signature.
public enum WebhookVerificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A header the scheme needs is absent.
    case missingHeader(String)
    /// A header is present but cannot be parsed.
    case malformedHeader(String, reason: String)
    /// No configured secret produces the signature.
    case signatureMismatch
    /// The signed timestamp is further from now than the tolerance allows: a replay or a badly skewed clock.
    case timestampOutsideTolerance(seconds: Int, tolerance: Int)
    /// The connection has no webhook secret to verify with.
    case noSecret

    public var description: String {
        switch self {
        case .missingHeader(let name): "the \(name) header is missing"
        case .malformedHeader(let name, let reason): "the \(name) header is malformed: \(reason)"
        case .signatureMismatch: "the signature does not match the body with any configured webhook secret"
        case .timestampOutsideTolerance(let seconds, let tolerance):
            "the signed timestamp is \(seconds) s away from now, outside the tolerance of \(tolerance) s (a replay, or a skewed clock)"
        case .noSecret: "the connection has no webhook secret; set credentials.webhookSecret"
        }
    }
}

/// Checks one provider's webhook signatures and reads the event's identity from a verified request.
///
/// Verifiers are pure values: the caller supplies the secrets and the time, so every rule is testable alone.
public protocol WebhookVerifier: Sendable {
    /// Throws unless one of `secrets` signed this request, within the timestamp tolerance where the scheme signs one.
    func verify(_ webhook: InboundWebhook, secrets: [String], now: Date) throws(WebhookVerificationError)
    /// The event's id, type and data, read from a request that passed ``verify(_:secrets:now:)``.
    func identify(_ webhook: InboundWebhook) -> WebhookIdentity
    /// What the inbox stores for the event: its id, type and time. The data may be left out (`.null`), since the
    /// body is stored and processing reads the data again; by default, ``identify(_:)``.
    func inboxIdentity(_ webhook: InboundWebhook) -> WebhookIdentity
}

extension WebhookVerifier {
    public func inboxIdentity(_ webhook: InboundWebhook) -> WebhookIdentity {
        identify(webhook)
    }
}

extension WebhookVerifier {
    /// Checks a signed timestamp (Unix seconds, as text) against `now`.
    static func checkTimestamp(_ text: some StringProtocol, header: String, now: Date, tolerance: Int) throws(WebhookVerificationError) {
        guard let seconds = Int64(Substring(text).asciiTrimmed) else {
            throw .malformedHeader(header, reason: "the timestamp is not Unix seconds")
        }
        let skew = Int(now.timeIntervalSince1970.rounded()) - Int(clamping: seconds)
        guard abs(skew) <= tolerance else { throw .timestampOutsideTolerance(seconds: abs(skew), tolerance: tolerance) }
    }

    /// An id for events whose sender gives none: the body's SHA-256, so an identical resend is still one event.
    static func contentID(of webhook: InboundWebhook) -> String {
        "sha256:" + HMACSignature.hex(of: webhook.body)
    }
}

extension BidirectionalCollection where Element == UInt8, SubSequence == Self {
    /// Without leading and trailing spaces and tabs, as bytes; headers are ASCII, and Foundation's Unicode-aware
    /// trimming was a measurable share of webhook verification.
    var asciiTrimmed: Self {
        var result = self
        while let first = result.first, first == 0x20 || first == 0x09 { result = result.dropFirst() }
        while let last = result.last, last == 0x20 || last == 0x09 { result = result.dropLast() }
        return result
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    var asciiTrimmed: Substring { Substring(utf8.asciiTrimmed) }
}
