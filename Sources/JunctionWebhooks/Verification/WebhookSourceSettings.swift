import Foundation
import JunctionCore

/// How a connection receives webhooks, read from its `settings.webhook`:
///
///     "webhook": {
///       "verifier": "stripe" | "standard-webhooks" | "svix" | "github" | "shopify" | "slack" | "google-channel" | "hmac",
///       "toleranceSeconds": 300,          // signed-timestamp tolerance
///       "rateLimit": 100,                 // requests per second for this connection
///       "challengeParameter": "challenge", // GET echo handshake (hmac only)
///       "hmac": {"header": "X-Signature", "algorithm": "sha256", "encoding": "hex", "prefix": "sha256=",
///                "signedContent": "{timestamp}.{body}", "timestampHeader": "X-Timestamp",
///                "idHeader": "X-Event-Id", "idField": "id", "typeField": "type"}
///     }
///
/// Stripe connections verify Stripe signatures without any of this; other providers name their verifier.
public struct WebhookSourceSettings: Sendable {
    /// The scheme's name as configured, for logs and the event's `provider`.
    public var verifierName: String
    /// The signature check.
    public var verifier: any WebhookVerifier
    /// Requests per second accepted for this connection; `nil` takes the server's default.
    public var rateLimit: Double?
    /// The query parameter a GET handshake echoes back, when the sender uses one.
    public var challengeParameter: String?

    /// The verifier names accepted in `settings.webhook.verifier`.
    public static let verifierNames = ["stripe", "standard-webhooks", "svix", "github", "shopify", "slack", "google-channel", "hmac"]

    /// Reads the settings of a connection to `provider`, whose definition may name its verifier (`defaultVerifier`)
    /// so its connections need not. Throws ``WebhookSettingsError`` naming the first wrong field.
    public init(provider: String, settings: JSONValue, defaultVerifier: String? = nil) throws(WebhookSettingsError) {
        let webhook = settings["webhook"] ?? .null
        guard webhook == .null || webhook.objectValue != nil else {
            throw WebhookSettingsError(path: "settings.webhook", message: "must be an object, not \(webhook.typeName)")
        }
        let name: String
        switch webhook["verifier"] {
        case .string(let value): name = value
        case nil, .null:
            guard let fallback = defaultVerifier ?? (provider == "stripe" ? "stripe" : nil) else {
                throw WebhookSettingsError(
                    path: "settings.webhook.verifier",
                    message: "is required for provider '\(provider)'; one of \(Self.verifierNames.joined(separator: ", "))"
                )
            }
            name = fallback
        case let other?:
            throw WebhookSettingsError(path: "settings.webhook.verifier", message: "must be a string, not \(other.typeName)")
        }
        let tolerance = try Self.integer(webhook["toleranceSeconds"], path: "settings.webhook.toleranceSeconds", range: 1...86_400) ?? 300
        switch name {
        case "stripe": verifier = StripeSignatureVerifier(tolerance: tolerance)
        case "standard-webhooks", "svix": verifier = StandardWebhooksVerifier(tolerance: tolerance)
        case "github": verifier = GitHubSignatureVerifier()
        case "shopify": verifier = ShopifySignatureVerifier()
        case "slack": verifier = SlackSignatureVerifier(tolerance: tolerance)
        case "google-channel": verifier = GoogleChannelVerifier()
        case "hmac": verifier = try Self.genericVerifier(webhook["hmac"] ?? .null, tolerance: tolerance)
        default:
            throw WebhookSettingsError(
                path: "settings.webhook.verifier",
                message: "'\(name)' is not a verifier; one of \(Self.verifierNames.joined(separator: ", "))"
            )
        }
        verifierName = name
        rateLimit = try Self.integer(webhook["rateLimit"], path: "settings.webhook.rateLimit", range: 1...1_000_000).map(Double.init)
        switch webhook["challengeParameter"] {
        case nil, .null: challengeParameter = nil
        case .string(let value) where !value.isEmpty: challengeParameter = value
        case let other?:
            throw WebhookSettingsError(
                path: "settings.webhook.challengeParameter", message: "must be a non-empty string, not \(other.typeName)")
        }
    }

    /// Checks `settings.webhook` when a connection is saved, so mistakes surface then and not at the first webhook.
    /// A connection without a `webhook` member is valid: it simply receives none (except Stripe's).
    public static func validate(provider: String, settings: JSONValue, defaultVerifier: String? = nil) throws(WebhookSettingsError) {
        guard settings["webhook"] != nil else { return }
        _ = try WebhookSourceSettings(provider: provider, settings: settings, defaultVerifier: defaultVerifier)
    }

    /// A verifier of scheme `name` for reading a stored event's data, which no setting affects.
    public static func identifyingVerifier(named name: String) -> any WebhookVerifier {
        switch name {
        case "stripe": StripeSignatureVerifier()
        case "standard-webhooks", "svix": StandardWebhooksVerifier()
        case "github": GitHubSignatureVerifier()
        case "shopify": ShopifySignatureVerifier()
        case "slack": SlackSignatureVerifier()
        case "google-channel": GoogleChannelVerifier()
        default: GenericHMACVerifier(signatureHeader: "X-Signature")
        }
    }

    private static func genericVerifier(_ hmac: JSONValue, tolerance: Int) throws(WebhookSettingsError) -> GenericHMACVerifier {
        guard let members = hmac.objectValue else {
            throw WebhookSettingsError(path: "settings.webhook.hmac", message: "is required for the hmac verifier and must be an object")
        }
        let known: Set = [
            "header", "algorithm", "encoding", "prefix", "signedContent", "timestampHeader", "idHeader", "idField", "typeField",
        ]
        if let unknown = members.keys.sorted().first(where: { !known.contains($0) }) {
            throw WebhookSettingsError(
                path: "settings.webhook.hmac.\(unknown)",
                message: "is not a known field; known are \(known.sorted().joined(separator: ", "))")
        }
        func text(_ key: String) throws(WebhookSettingsError) -> String? {
            switch members[key] {
            case nil, .null: return nil
            case .string(let value): return value
            case let other?:
                throw WebhookSettingsError(path: "settings.webhook.hmac.\(key)", message: "must be a string, not \(other.typeName)")
            }
        }
        guard let header = try text("header"), !header.isEmpty else {
            throw WebhookSettingsError(path: "settings.webhook.hmac.header", message: "is required: the header holding the signature")
        }
        var algorithm = HMACSignature.Algorithm.sha256
        if let value = try text("algorithm") {
            guard let parsed = HMACSignature.Algorithm(rawValue: value) else {
                throw WebhookSettingsError(
                    path: "settings.webhook.hmac.algorithm", message: "'\(value)' is not one of sha1, sha256, sha512")
            }
            algorithm = parsed
        }
        var encoding = HMACSignature.Encoding.hex
        if let value = try text("encoding") {
            guard let parsed = HMACSignature.Encoding(rawValue: value) else {
                throw WebhookSettingsError(path: "settings.webhook.hmac.encoding", message: "'\(value)' is not one of hex, base64")
            }
            encoding = parsed
        }
        let signedContent = try text("signedContent") ?? "{body}"
        guard signedContent.contains("{body}") else {
            throw WebhookSettingsError(
                path: "settings.webhook.hmac.signedContent", message: "must contain {body}, or the body would not be signed")
        }
        let timestampHeader = try text("timestampHeader")
        if signedContent.contains("{timestamp}"), timestampHeader == nil {
            throw WebhookSettingsError(
                path: "settings.webhook.hmac.timestampHeader", message: "is required when signedContent uses {timestamp}")
        }
        let idHeader = try text("idHeader")
        if signedContent.contains("{id}"), idHeader == nil {
            throw WebhookSettingsError(path: "settings.webhook.hmac.idHeader", message: "is required when signedContent uses {id}")
        }
        return GenericHMACVerifier(
            signatureHeader: header,
            algorithm: algorithm,
            encoding: encoding,
            signaturePrefix: try text("prefix") ?? "",
            signedContent: signedContent,
            timestampHeader: timestampHeader,
            idHeader: idHeader,
            idField: try text("idField") ?? "id",
            typeField: try text("typeField") ?? "type",
            tolerance: tolerance
        )
    }

    private static func integer(_ value: JSONValue?, path: String, range: ClosedRange<Int>) throws(WebhookSettingsError) -> Int? {
        switch value {
        case nil, .null: return nil
        case .number(let number) where number == number.rounded() && range.contains(Int(exactly: number) ?? Int.min):
            return Int(number)
        case let other?:
            throw WebhookSettingsError(
                path: path,
                message:
                    "must be a whole number from \(range.lowerBound) to \(range.upperBound), not \((try? other.serialized()) ?? other.typeName)"
            )
        }
    }
}

/// A wrong field in `settings.webhook`, named by its path.
public struct WebhookSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field, such as `settings.webhook.hmac.header`.
    public var path: String
    /// What is wrong with it.
    public var message: String

    public var description: String { "field '\(path)' \(message)" }
}
