import Foundation
import HTTPTypes

/// Removes secrets from what the client logs: credential headers, secret query parameters, and token fields
/// in JSON and form bodies. Redaction is by name, so a new secret-bearing field with a familiar name
/// (`…token`, `…secret`, `…password`, `…key`) is covered without a code change.
public struct Redactor: Sendable {
    /// Replaces a secret value.
    public static let mask = "[REDACTED]"

    private static let secretHeaders: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-auth-token",
        "stripe-signature", "x-hub-signature-256", "x-shopify-hmac-sha256", "webhook-signature", "svix-signature",
    ]
    private static let harmlessKeyNames: Set<String> = ["idempotency-key", "idempotency_key", "key_id", "keyid", "token_type"]
    private static let secretFragments = [
        "token", "secret", "password", "passwd", "apikey", "api_key", "api-key", "assertion", "signature", "private",
    ]
    private static let exactSecretNames: Set<String> = ["key", "code", "code_verifier", "client_secret", "sig", "credentials"]

    private let extraSecretNames: Set<String>

    /// A redactor; `extraSecretNames` (lowercased) are masked as well as the names it recognizes.
    public init(extraSecretNames: Set<String> = []) {
        self.extraSecretNames = extraSecretNames
    }

    /// Whether a header, parameter or field of this name carries a secret.
    public func isSecret(name: String) -> Bool {
        let lowered = name.lowercased()
        if extraSecretNames.contains(lowered) { return true }
        if Self.harmlessKeyNames.contains(lowered) { return false }
        if Self.secretHeaders.contains(lowered) || Self.exactSecretNames.contains(lowered) { return true }
        return Self.secretFragments.contains { lowered.contains($0) }
    }

    /// Headers with secret values masked.
    public func redact(_ headers: HTTPFields) -> String {
        headers.map { field in
            "\(field.name.canonicalName): \(isSecret(name: field.name.canonicalName) ? Self.mask : field.value)"
        }.joined(separator: ", ")
    }

    /// A URL with secret query parameters (and any user:password) masked.
    public func redact(url: String) -> String {
        guard var components = URLComponents(string: url) else { return "(unparseable URL)" }
        if components.password != nil { components.password = Self.mask }
        if let items = components.queryItems {
            components.queryItems = items.map { item in
                isSecret(name: item.name) ? URLQueryItem(name: item.name, value: Self.mask) : item
            }
        }
        return components.string ?? "(unparseable URL)"
    }

    /// A body excerpt for logs: JSON and form bodies with secret fields masked, at most `limit` characters;
    /// anything else is described, not shown.
    public func redact(body: Data, contentType: String?, limit: Int = 2048) -> String {
        let type = contentType?.lowercased() ?? ""
        if type.contains("json"), let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) {
            let cleaned = redact(json: object)
            if let data = try? JSONSerialization.data(withJSONObject: cleaned, options: [.sortedKeys, .fragmentsAllowed]) {
                return String(decoding: data.prefix(limit), as: UTF8.self)
            }
        }
        if type.contains("x-www-form-urlencoded") {
            var components = URLComponents()
            components.percentEncodedQuery = String(decoding: body, as: UTF8.self)
            let items = (components.queryItems ?? []).map { item in
                isSecret(name: item.name) ? URLQueryItem(name: item.name, value: Self.mask) : item
            }
            components.queryItems = items
            return String((components.percentEncodedQuery ?? "").prefix(limit))
        }
        return "(\(body.count) bytes of \(contentType ?? "unknown type"))"
    }

    private func redact(json: Any) -> Any {
        if let object = json as? [String: Any] {
            var copy: [String: Any] = [:]
            for (key, value) in object {
                copy[key] = isSecret(name: key) && !(value is [String: Any]) && !(value is [Any]) ? Self.mask : redact(json: value)
            }
            return copy
        }
        if let array = json as? [Any] { return array.map(redact(json:)) }
        return json
    }
}
