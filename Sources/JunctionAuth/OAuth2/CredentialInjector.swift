import Foundation
import HTTPTypes
import JunctionCore
import JunctionHTTP
import JunctionStore

/// Puts a connection's credentials on an outgoing request the way its provider expects. Configured by
/// `settings.auth` (all optional):
///
///     {"type": "bearer" | "basic" | "header" | "query" | "oauth2", "name": "X-API-Key", "credential": "apiKey",
///      "prefix": "token "}
///
/// `prefix` goes before the value of a `header` credential (`Authorization: token key:secret`).
///
/// Without it: OAuth2 connections send their (refreshed) access token as a bearer token; connections with an
/// `apiKey` or `token` send it as a bearer token; `username` + `password` go as HTTP Basic.
public struct CredentialInjector: Sendable {
    let tokens: TokenManager

    /// An injector that takes OAuth2 tokens from `tokens`.
    public init(tokens: TokenManager) {
        self.tokens = tokens
    }

    /// What was injected, so a 401 can trigger one refresh of exactly that token.
    public enum Injected: Sendable, Equatable {
        /// Nothing: the connection has no usable credentials.
        case nothing
        /// A static credential.
        case staticCredential
        /// This OAuth2 access token.
        case oauthToken(String)
    }

    /// Adds the credentials to `request`.
    public func authorize(
        _ request: inout APIRequest,
        connection: ConnectionRecord,
        credentials: [String: JSONValue]
    ) async throws -> Injected {
        let auth = connection.settings["auth"]?.objectValue ?? [:]
        let type = auth["type"]?.stringValue ?? defaultType(connection: connection, credentials: credentials)
        let credentialName = auth["credential"]?.stringValue
        func secret(_ fallbacks: [String]) -> String? {
            for name in [credentialName].compactMap({ $0 }) + fallbacks {
                if let value = credentials[name]?.stringValue { return value }
            }
            return nil
        }
        switch type {
        case "oauth2":
            let token = try await tokens.accessToken(for: connection.id)
            request.headers[.authorization] = "Bearer \(token)"
            return .oauthToken(token)
        case "bearer":
            guard let value = secret(["apiKey", "token", "accessToken"]) else { return .nothing }
            request.headers[.authorization] = "Bearer \(value)"
        case "basic":
            let username = credentials["username"]?.stringValue ?? secret(["apiKey"]) ?? ""
            let password = credentials["password"]?.stringValue ?? ""
            request.headers[.authorization] = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        case "header":
            guard let value = secret(["apiKey", "token"]), let name = HTTPField.Name(auth["name"]?.stringValue ?? "X-API-Key") else {
                return .nothing
            }
            request.headers[name] = (auth["prefix"]?.stringValue ?? "") + value
            request.secretNames.insert(name.canonicalName)
        case "query":
            guard let value = secret(["apiKey", "token"]) else { return .nothing }
            let name = auth["name"]?.stringValue ?? "api_key"
            request.url = Self.settingQueryParameter(name, to: value, in: request.url)
            request.secretNames.insert(name.lowercased())
        default:
            return .nothing
        }
        return .staticCredential
    }

    /// Sets one query parameter without re-encoding the rest of the query: `URLComponents` would turn a
    /// caller's `%2B` into `+`, which servers read as a space.
    static func settingQueryParameter(_ name: String, to value: String, in url: String) -> String {
        let strict = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let encodedName = name.addingPercentEncoding(withAllowedCharacters: strict) ?? name
        let encodedValue = value.addingPercentEncoding(withAllowedCharacters: strict) ?? value
        let fragmentStart = url.firstIndex(of: "#") ?? url.endIndex
        let beforeFragment = url[..<fragmentStart]
        let fragment = url[fragmentStart...]
        guard let questionMark = beforeFragment.firstIndex(of: "?") else {
            return beforeFragment + "?" + encodedName + "=" + encodedValue + fragment
        }
        let kept = beforeFragment[beforeFragment.index(after: questionMark)...].split(separator: "&").filter { pair in
            let pairName = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            return (pairName.removingPercentEncoding ?? pairName) != name
        }
        let query = (kept.map(String.init) + [encodedName + "=" + encodedValue]).joined(separator: "&")
        return beforeFragment[..<questionMark] + "?" + query + fragment
    }

    private func defaultType(connection: ConnectionRecord, credentials: [String: JSONValue]) -> String {
        if OAuth2Configuration.isConfigured(in: connection.settings) { return "oauth2" }
        if credentials["apiKey"] != nil || credentials["token"] != nil || credentials["accessToken"] != nil { return "bearer" }
        if credentials["username"] != nil { return "basic" }
        return "none"
    }
}
