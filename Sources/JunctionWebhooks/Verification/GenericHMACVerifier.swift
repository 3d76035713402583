import Foundation
import JunctionCore

/// Any HMAC scheme, described by settings: which header holds the MAC, the hash, hex or base64, a prefix such as
/// `sha256=`, and the signed content as a template over `{body}`, `{timestamp}` and `{id}`.
public struct GenericHMACVerifier: WebhookVerifier {
    /// The header holding the MAC.
    public var signatureHeader: String
    /// The hash function.
    public var algorithm: HMACSignature.Algorithm
    /// How the MAC is written.
    public var encoding: HMACSignature.Encoding
    /// Text before the MAC in the header (`sha256=`), stripped before comparing.
    public var signaturePrefix: String
    /// What is signed: a template over `{body}`, `{timestamp}` and `{id}`.
    public var signedContent: String
    /// The header holding the signed Unix timestamp; when set, the tolerance applies.
    public var timestampHeader: String?
    /// The header holding the event id; otherwise `idField` in the body, otherwise the body's hash.
    public var idHeader: String?
    /// The dotted path of the event id in a JSON body.
    public var idField: String
    /// The dotted path of the event type in a JSON body.
    public var typeField: String
    /// Largest accepted distance between the signed timestamp and now, in seconds.
    public var tolerance: Int

    /// A generic HMAC verifier.
    public init(
        signatureHeader: String,
        algorithm: HMACSignature.Algorithm = .sha256,
        encoding: HMACSignature.Encoding = .hex,
        signaturePrefix: String = "",
        signedContent: String = "{body}",
        timestampHeader: String? = nil,
        idHeader: String? = nil,
        idField: String = "id",
        typeField: String = "type",
        tolerance: Int = 300
    ) {
        self.signatureHeader = signatureHeader
        self.algorithm = algorithm
        self.encoding = encoding
        self.signaturePrefix = signaturePrefix
        self.signedContent = signedContent
        self.timestampHeader = timestampHeader
        self.idHeader = idHeader
        self.idField = idField
        self.typeField = typeField
        self.tolerance = tolerance
    }

    public func verify(_ webhook: InboundWebhook, secrets: [String], now: Date) throws(WebhookVerificationError) {
        guard !secrets.isEmpty else { throw .noSecret }
        guard let header = webhook.header(signatureHeader) else { throw .missingHeader(signatureHeader) }
        guard header.hasPrefix(signaturePrefix) else {
            throw .malformedHeader(signatureHeader, reason: "expected the prefix '\(signaturePrefix)'")
        }
        let signature = header.dropFirst(signaturePrefix.count)
        var timestamp = ""
        if let timestampHeader {
            guard let value = webhook.header(timestampHeader) else { throw .missingHeader(timestampHeader) }
            timestamp = value
        }
        var id = ""
        if signedContent.contains("{id}") {
            guard let idHeader, let value = webhook.header(idHeader) else { throw .missingHeader(idHeader ?? "id") }
            id = value
        }
        let signed = Self.render(signedContent, body: webhook.body, timestamp: timestamp, id: id)
        let matches = secrets.contains { secret in
            let expected = HMACSignature.encoded(HMACSignature.mac(algorithm, key: Array(secret.utf8), message: signed), as: encoding)
            // Hex may arrive in either case; base64 is case-sensitive.
            return encoding == .hex
                ? HMACSignature.constantTimeEquals(signature.lowercased(), expected)
                : HMACSignature.constantTimeEquals(signature, expected)
        }
        guard matches else { throw .signatureMismatch }
        if let timestampHeader {
            try Self.checkTimestamp(timestamp, header: timestampHeader, now: now, tolerance: tolerance)
        }
    }

    public func identify(_ webhook: InboundWebhook) -> WebhookIdentity {
        let json = webhook.json
        let id = idHeader.flatMap(webhook.header) ?? json.flatMap { Self.lookup(idField, in: $0) }.flatMap(Self.text)
        let occurredAt = timestampHeader.flatMap(webhook.header).flatMap(Double.init).map { Date(timeIntervalSince1970: $0) }
        return WebhookIdentity(
            eventID: id ?? Self.contentID(of: webhook),
            type: json.flatMap { Self.lookup(typeField, in: $0) }.flatMap(Self.text) ?? "unknown",
            occurredAt: occurredAt,
            data: json ?? .null
        )
    }

    /// The signed bytes: the template with its placeholders filled in, the body inserted byte for byte.
    static func render(_ template: String, body: [UInt8], timestamp: String, id: String) -> [UInt8] {
        var output: [UInt8] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            output += Array(rest[..<open].utf8)
            let tail = rest[open...]
            if tail.hasPrefix("{body}") {
                output += body
                rest = tail.dropFirst(6)
            } else if tail.hasPrefix("{timestamp}") {
                output += Array(timestamp.utf8)
                rest = tail.dropFirst(11)
            } else if tail.hasPrefix("{id}") {
                output += Array(id.utf8)
                rest = tail.dropFirst(4)
            } else {
                output.append(UInt8(ascii: "{"))
                rest = tail.dropFirst()
            }
        }
        return output + Array(rest.utf8)
    }

    /// The value at a dotted path (`data.event.id`) in a JSON document.
    static func lookup(_ path: String, in json: JSONValue) -> JSONValue? {
        path.split(separator: ".").reduce(Optional(json)) { value, key in value?[String(key)] }
    }

    private static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .number, .integer: value.numberText
        default: nil
        }
    }
}
