import Foundation
import JunctionAuth
import JunctionConnectors
import JunctionCore

/// The rules an integration's key, preset, settings and credentials follow; each error names the field.
enum IntegrationValidation {
    /// Lowercase letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 100 characters: safe in a
    /// URL path and in a configuration file.
    static func validateKey(_ key: String, parameter: String = "field 'key'") throws(ApplicationError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
        guard let first = key.first, first.isLetter || first.isNumber, key.count <= 100, key.allSatisfy({ allowed.contains($0) }) else {
            throw .invalid(
                "\(parameter) must be 1 to 100 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit, not '\(key.prefix(100))'",
                code: "invalid-field")
        }
    }

    /// The preset an integration starts from: the one it names, else the provider's own when it uses OAuth.
    static func preset(named name: String?, provider: String, usesOAuth: Bool) throws(ApplicationError) -> IntegrationPreset? {
        guard let name else { return usesOAuth ? IntegrationPreset.default(for: provider) : nil }
        guard let preset = IntegrationPreset.named(name) else {
            throw .invalid(
                "unknown preset '\(name.prefix(64))'; presets are \(IntegrationPreset.all.keys.sorted().joined(separator: ", "))",
                code: "invalid-field", details: ["knownPresets": .array(IntegrationPreset.all.keys.sorted().map(JSONValue.string))])
        }
        guard preset.provider == provider else {
            throw .invalid("preset '\(name)' is for provider '\(preset.provider)', not '\(provider)'", code: "invalid-field")
        }
        return preset
    }

    /// Settings the provider accepts and, when they configure OAuth, a complete OAuth setup with these credentials.
    static func validate(_ settings: JSONObject, credentials: JSONObject, provider: ProviderDescriptor) throws(ApplicationError) {
        try ConnectionValidation.validateSettings(settings, provider: provider)
        guard OAuth2Configuration.isConfigured(in: .object(settings)) else { return }
        do {
            _ = try OAuth2Configuration(settings: .object(settings), credentials: credentials)
        } catch {
            throw .invalid("the integration's OAuth setup is incomplete: \(error.detail)", code: "invalid-field")
        }
    }
}
