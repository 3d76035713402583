import Foundation
import JunctionConnectors
import JunctionAuth
import JunctionCore
import JunctionStore
import JunctionWebhooks

/// The rules a connection must satisfy, checked before anything is stored.
public enum ConnectionValidation {
    /// A name: not blank, at most 200 characters.
    public static func validateName(_ name: String) throws(ApplicationError) {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .invalid("field 'name' must not be empty", code: "invalid-field") }
        guard name.count <= 200 else { throw .invalid("field 'name' is longer than 200 characters", code: "invalid-field") }
    }

    /// A tenant is the application's customer id: 1 to 200 characters, no control characters.
    public static func validateTenant(_ tenant: String?) throws(ApplicationError) {
        guard let tenant else { return }
        guard isPlainText(tenant, maximum: 200) else {
            throw .invalid("field 'tenant' must be 1 to 200 characters without control characters", code: "invalid-field")
        }
    }

    /// The settings of a connection that uses `integration`: its own may not say where calls, tokens or the
    /// integration's credentials go (`baseURL`, `auth`, the OAuth endpoints), or a connection could send the
    /// integration's secret, which the API never shows, to a host of its choosing; and merged over the
    /// integration's, they follow every rule.
    static func validateIntegrated(
        _ settings: [String: JSONValue], integration: IntegrationRecord, provider: ProviderDescriptor
    ) throws(ApplicationError) {
        var refused = ["baseURL", "auth"].filter { settings[$0] != nil }.map { "settings." + $0 }
        for member in ["authorizeURL", "tokenURL", "revocationURL"] where settings["oauth"]?[member] != nil {
            refused.append("settings.oauth." + member)
        }
        guard refused.isEmpty else {
            throw .invalid(
                "\(refused.joined(separator: ", ")) cannot be set on a connection that uses integration '\(integration.key)': set it on the integration",
                code: "invalid-field")
        }
        try validateSettings(
            ConnectionSetup.merged(integration: integration.settings, connection: .object(settings)).objectValue ?? [:], provider: provider)
    }

    /// A list filter's value: 1 to `maximum` characters without control characters.
    static func validateFilter(_ value: String?, parameter: String, maximum: Int) throws(ApplicationError) {
        guard let value else { return }
        guard isPlainText(value, maximum: maximum) else {
            throw .invalid("query parameter '\(parameter)' must be 1 to \(maximum) characters without control characters")
        }
    }

    /// 1 to `maximum` characters, none of them a control character.
    static func isPlainText(_ text: String, maximum: Int) -> Bool {
        !text.isEmpty && text.count <= maximum && !text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    /// The provider a connection names; an unknown one is invalid input listing the known ones.
    public static func provider(named name: String, in catalog: ProviderCatalog) throws(ApplicationError) -> ProviderDescriptor {
        guard let provider = catalog.provider(named: name) else {
            throw .invalid(
                "unknown provider '\(name.prefix(64))'; known providers are \(catalog.names.joined(separator: ", "))",
                code: "unknown-provider",
                details: ["knownProviders": .array(catalog.names.map(JSONValue.string))]
            )
        }
        return provider
    }

    /// Settings the provider accepts: webhook settings, base URL, API version, time zone, mappings.
    public static func validateSettings(_ settings: [String: JSONValue], provider: ProviderDescriptor) throws(ApplicationError) {
        do {
            try WebhookSourceSettings.validate(
                provider: provider.name, settings: .object(settings), defaultVerifier: provider.webhookVerifier)
        } catch {
            throw .invalid(error.description, code: "invalid-field")
        }
        if let baseURL = settings["baseURL"] {
            guard case .string(let text) = baseURL else {
                throw .invalid("field 'settings.baseURL' must be a string", code: "invalid-field")
            }
            guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
                scheme == "https" || scheme == "http", let host = url.host, !host.isEmpty
            else {
                throw .invalid("field 'settings.baseURL' must be an absolute http or https URL, not '\(text)'", code: "invalid-field")
            }
        }
        if let version = settings["apiVersion"] {
            guard let text = version.stringValue, !text.isEmpty, text.count <= 64 else {
                throw .invalid("field 'settings.apiVersion' must be a non-empty string of at most 64 characters", code: "invalid-field")
            }
        }
        if let zone = settings["timeZone"] {
            guard let name = zone.stringValue, TimeZone(identifier: name) != nil else {
                throw .invalid("field 'settings.timeZone' must be an IANA time zone name like Europe/Berlin", code: "invalid-field")
            }
        }
        if let mappings = settings["mappings"] {
            _ = try ResourceMappings(settings: mappings, provider: provider)
        }
        _ = try HealthSettings(settings: .object(settings))
        if let allowed = settings["oauth"]?["allowedReturnUrls"] {
            guard let list = allowed.arrayValue, list.allSatisfy({ $0.stringValue.map(ReturnURL.isAllowedEntry) ?? false }) else {
                throw .invalid(
                    "field 'settings.oauth.allowedReturnUrls' must be a list of absolute https URLs (http only to a loopback address), without a fragment",
                    code: "invalid-field")
            }
        }
    }

    /// Checks credential fields against the provider; `allowNull` admits the removals of a merge patch.
    public static func validateCredentials(
        _ credentials: [String: JSONValue], for provider: ProviderDescriptor, allowNull: Bool
    ) throws(ApplicationError) {
        let unknown = credentials.keys.filter { !provider.credentialFields.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw .unknownFields(
                unknown.map { "credentials." + $0 },
                accepted: "provider '\(provider.name)' accepts \(provider.credentialFields.joined(separator: ", "))")
        }
        for (field, value) in credentials.sorted(by: { $0.key < $1.key }) {
            switch value {
            case .null where allowNull:
                continue
            case .string(let text) where text.isEmpty:
                throw .invalid("field 'credentials.\(field)' must not be empty", code: "invalid-field")
            case .string, .object, .array:
                continue
            default:
                throw .invalid("field 'credentials.\(field)' must be a string, not \(value.typeName)", code: "invalid-field")
            }
        }
    }
}
