import JunctionApp
import Foundation
import JunctionConnectors
import JunctionCore
import JunctionWebhooks

/// The rules a connection must satisfy, checked before anything is stored.
enum ConnectionValidation {
    static func validateName(_ name: String) throws {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ProblemDetails.badRequest("field 'name' must not be empty") }
        guard name.count <= 200 else { throw ProblemDetails.badRequest("field 'name' is longer than 200 characters") }
    }

    static func provider(named name: String, in catalog: ProviderCatalog) throws -> ProviderDescriptor {
        guard let provider = catalog.provider(named: name) else {
            throw ProblemDetails.badRequest(
                "unknown provider '\(name)'; known providers are \(catalog.names.joined(separator: ", "))",
                type: "/problems/unknown-provider",
                extensions: ["knownProviders": .array(catalog.names.map(JSONValue.string))]
            )
        }
        return provider
    }

    static func validateSettings(_ settings: [String: JSONValue], provider: ProviderDescriptor) throws {
        do {
            try WebhookSourceSettings.validate(
                provider: provider.name, settings: .object(settings), defaultVerifier: provider.webhookVerifier)
        } catch {
            throw ProblemDetails.badRequest(error.description, type: "/problems/invalid-field")
        }
        if let baseURL = settings["baseURL"] {
            guard case .string(let text) = baseURL else {
                throw ProblemDetails.badRequest("field 'settings.baseURL' must be a string")
            }
            guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
                scheme == "https" || scheme == "http", let host = url.host, !host.isEmpty
            else {
                throw ProblemDetails.badRequest("field 'settings.baseURL' must be an absolute http or https URL, not '\(text)'")
            }
        }
        if let version = settings["apiVersion"] {
            guard let text = version.stringValue, !text.isEmpty, text.count <= 64 else {
                throw ProblemDetails.badRequest("field 'settings.apiVersion' must be a non-empty string of at most 64 characters")
            }
        }
        if let zone = settings["timeZone"] {
            guard let name = zone.stringValue, TimeZone(identifier: name) != nil else {
                throw ProblemDetails.badRequest("field 'settings.timeZone' must be an IANA time zone name like Europe/Berlin")
            }
        }
        if let mappings = settings["mappings"] {
            _ = try ResourceMappings(settings: mappings, provider: provider)
        }
    }

    /// Checks credential fields against the provider; `allowNull` admits the removals of a merge patch.
    static func validateCredentials(_ credentials: [String: JSONValue], for provider: ProviderDescriptor, allowNull: Bool) throws {
        let unknown = credentials.keys.filter { !provider.credentialFields.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw ProblemDetails.badRequest(
                "unknown credential \(unknown.count == 1 ? "field" : "fields") \(unknown.map { "'\($0)'" }.joined(separator: ", ")) for provider '\(provider.name)'; accepted are \(provider.credentialFields.joined(separator: ", "))",
                type: "/problems/unknown-fields",
                extensions: ["unknownFields": .array(unknown.map { JSONValue.string("credentials." + $0) })]
            )
        }
        for (field, value) in credentials.sorted(by: { $0.key < $1.key }) {
            switch value {
            case .null where allowNull:
                continue
            case .string(let text) where text.isEmpty:
                throw ProblemDetails.badRequest("field 'credentials.\(field)' must not be empty")
            case .string, .object, .array:
                continue
            default:
                throw ProblemDetails.badRequest("field 'credentials.\(field)' must be a string, not \(value.typeName)")
            }
        }
    }
}
