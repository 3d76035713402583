import Foundation
import HTTPTypes
import HummingbirdTesting
import JunctionAuth
import JunctionCore
import JunctionHTTP
import JunctionServer
import JunctionStore
import JunctionTestSupport
import Testing

/// Integrations: an OAuth app configured once and used by many connections, presets, tenants and metadata on
/// connections with list filters, and the browser's return to the application after an authorization. The OAuth
/// server is the Authlib peer (`Tests/Peers/oauth_server.py`).
@Suite("Integrations", .enabled(if: PythonPeer.isAvailable))
struct IntegrationTests {
    static let returnBase = "http://127.0.0.1:9/app/"

    static func api(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil,
        expect status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let response = try await client.execute(uri: uri, method: method, headers: ServerTestHarness.authorized, body: body.map { .json($0) })
        #expect(response.status == status, "\(method) \(uri): \(response.text)", sourceLocation: sourceLocation)
        return (try? JSONValue.parse(response.text)) ?? .null
    }

    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    @Test("one OAuth app for many connections: the integration's client authorizes each, returns the browser to the app, and its secret stays its own")
    func sharedOAuthApp() async throws {
        try await OAuthFlowTests.authorizationServer { server in
            try await ServerTestHarness.with(.sqlite) { harness, client in
                let integration = try await Self.api(
                    client, .post, "/api/v1/integrations",
                    """
                    {"key": "authlib-prod", "provider": "oauth2", "name": "Authlib",
                     "oauth": {"authorizeURL": "\(server.baseURL)/authorize", "tokenURL": "\(server.baseURL)/token", "scopes": ["read"],
                               "allowedReturnUrls": ["\(Self.returnBase)"]},
                     "settings": {"baseURL": "\(server.baseURL)"},
                     "credentials": {"clientId": "junction-confidential", "clientSecret": "confidential-secret"}}
                    """, expect: .created)
                #expect(integration["credentials"]?["clientSecret"]?.stringValue?.contains("confidential-secret") == false)
                #expect(integration["settings"]?["oauth"]?["tokenURL"]?.stringValue == "\(server.baseURL)/token")

                var ids: [String] = []
                for tenant in ["acme", "globex"] {
                    let created = try await Self.api(
                        client, .post, "/api/v1/connections",
                        #"{"integration": "authlib-prod", "name": "\#(tenant)'s account", "tenant": "\#(tenant)", "metadata": {"plan": "gold"}}"#,
                        expect: .created)
                    #expect(created["provider"] == "oauth2" && created["integration"] == "authlib-prod" && created["tenant"] == .string(tenant))
                    #expect(created["metadata"]?["plan"] == "gold")
                    ids.append(try #require(created["id"]?.stringValue))
                }

                // The browser goes back to the application, with the outcome in the query.
                let started = try await Self.api(
                    client, .post, "/api/v1/connections/\(ids[0])/oauth/authorize?returnTo=" + Self.encoded(Self.returnBase + "done?step=2"),
                    expect: .ok)
                let url = try #require(started["authorizationUrl"]?.stringValue)
                #expect(url.contains("client_id=junction-confidential"))
                let answer = try await APIClient().execute(APIRequest(method: .get, url: url), policy: ClientPolicy(retry: .none))
                let location = try #require(answer.headers[.location])
                let query = String(location.dropFirst(OAuthFlowTests.redirectURI.count + 1))
                let callback = try await OAuthFlowTests.callback(client, query)
                #expect(callback.status == .seeOther)
                let back = try #require(callback.headers[.location])
                #expect(back.hasPrefix(Self.returnBase + "done?step=2&"), "\(back)")
                #expect(back.contains("connectionId=\(ids[0])") && back.contains("status=authorized"))

                // Its calls carry its token; its own credentials hold the tokens and never the integration's secret.
                let proxied = try await client.execute(uri: "/api/v1/connections/\(ids[0])/proxy/me", method: .get, headers: ServerTestHarness.authorized)
                #expect(proxied.status == .ok, "\(proxied.text)")
                #expect(try proxied.json["client"] == "junction-confidential")
                let shown = try await Self.api(client, .get, "/api/v1/connections/\(ids[0])", expect: .ok)
                #expect(shown["credentials"]?["accessToken"] != nil)
                #expect(shown["credentials"]?["clientSecret"] == nil && shown["credentials"]?["clientId"] == nil)
                let stored = try await harness.services.vault.credentials(
                    of: ids[0], in: VaultSecretRepository(database: harness.database))
                #expect(stored["clientSecret"] == nil && stored["refreshToken"] != nil)

                // A denial returns too, as a failure.
                let second = try await Self.api(
                    client, .post, "/api/v1/connections/\(ids[1])/oauth/authorize?returnTo=" + Self.encoded(Self.returnBase), expect: .ok)
                let denied = try await APIClient().execute(
                    APIRequest(method: .get, url: (second["authorizationUrl"]?.stringValue ?? "") + "&deny=1"), policy: ClientPolicy(retry: .none))
                let deniedQuery = String((denied.headers[.location] ?? "").dropFirst(OAuthFlowTests.redirectURI.count + 1))
                let deniedBack = try await OAuthFlowTests.callback(client, deniedQuery)
                #expect(deniedBack.status == .seeOther)
                #expect(deniedBack.headers[.location]?.contains("status=failed") == true)
                #expect(deniedBack.headers[.location]?.contains("error=access_denied") == true, "\(deniedBack.headers[.location] ?? "")")

                // Return URLs the list does not cover are refused before anything is stored.
                for returnTo in [
                    "https://evil.example/app/", "http://127.0.0.1:9/application", "http://127.0.0.1:10/app/", "javascript:alert(1)",
                    "http://127.0.0.1:9/app/../admin", "http://127.0.0.1:9/app/%2e%2e/admin",
                ] {
                    let refused = try await Self.api(
                        client, .post, "/api/v1/connections/\(ids[1])/oauth/authorize?returnTo=" + Self.encoded(returnTo), expect: .badRequest)
                    #expect(refused["type"]?.stringValue?.hasSuffix("return-url-not-allowed") == true, "\(returnTo): \(refused)")
                }

                // A change to the integration reaches every connection at once.
                _ = try await Self.api(
                    client, .patch, "/api/v1/integrations/authlib-prod", #"{"oauth": {"scopes": ["read", "write"]}}"#, expect: .ok)
                let rescoped = try await Self.api(client, .post, "/api/v1/connections/\(ids[1])/oauth/authorize", expect: .ok)
                #expect(rescoped["authorizationUrl"]?.stringValue?.contains("scope=read%20write") == true, "\(rescoped)")

                // Filters.
                func listed(_ query: String) async throws -> [String] {
                    try await Self.api(client, .get, "/api/v1/connections?" + query, expect: .ok)["data"]?.arrayValue?
                        .compactMap { $0["id"]?.stringValue } ?? []
                }
                #expect(try await listed("tenant=acme") == [ids[0]])
                #expect(try await listed("integration=authlib-prod") == ids)
                #expect(try await listed("integration=authlib-prod&tenant=globex") == [ids[1]])
                #expect(try await listed("provider=oauth2&status=active") == ids)
                #expect(try await listed("integration=nothing-here").isEmpty)
                #expect(try await listed("tenant=nobody").isEmpty)
                let shownIntegration = try await Self.api(client, .get, "/api/v1/integrations/authlib-prod", expect: .ok)
                #expect(shownIntegration["connections"] == 2)

                // Tenant and metadata change by merge patch; null clears them.
                let moved = try await Self.api(
                    client, .patch, "/api/v1/connections/\(ids[1])", #"{"tenant": "initech", "metadata": null}"#, expect: .ok)
                #expect(moved["tenant"] == "initech" && (moved["metadata"] == nil || moved["metadata"] == .null))

                // In use, it cannot be deleted; once its connections are gone, it can.
                let inUse = try await Self.api(client, .delete, "/api/v1/integrations/authlib-prod", expect: .conflict)
                #expect(inUse["detail"]?.stringValue?.contains("2 connections") == true)
                for id in ids { _ = try await Self.api(client, .delete, "/api/v1/connections/\(id)", expect: .noContent) }
                _ = try await Self.api(client, .delete, "/api/v1/integrations/authlib-prod", expect: .noContent)
                _ = try await Self.api(client, .get, "/api/v1/integrations/authlib-prod", expect: .notFound)
            }
        }
    }

    @Test("presets fill a provider's OAuth endpoints; bad keys, presets, OAuth setups and references are refused and change nothing", arguments: TestEngine.available)
    func presetsAndBadInput(engine: TestEngine) async throws {
        try await ServerTestHarness.with(engine) { _, client in
            let presets = try await Self.api(client, .get, "/api/v1/integration-presets", expect: .ok)["data"]?.arrayValue ?? []
            #expect(Set(presets.compactMap { $0["name"]?.stringValue }) == ["salesforce", "google", "hubspot", "stripe-connect"])
            #expect(presets.allSatisfy { $0["source"]?.stringValue?.hasPrefix("https://") == true })

            let salesforce = try await Self.api(
                client, .post, "/api/v1/integrations",
                #"{"key": "sf-prod", "provider": "salesforce", "credentials": {"clientId": "3MVG9abc", "clientSecret": "s3cr3t-value"}}"#,
                expect: .created)
            #expect(salesforce["settings"]?["oauth"]?["authorizeURL"] == "https://login.salesforce.com/services/oauth2/authorize")
            #expect(salesforce["settings"]?["oauth"]?["scopes"] == ["api", "refresh_token"])
            // A sandbox overrides one URL and keeps the rest of the preset.
            let sandbox = try await Self.api(
                client, .post, "/api/v1/integrations",
                #"{"key": "sf-sandbox", "provider": "salesforce", "oauth": {"authorizeURL": "https://test.salesforce.com/services/oauth2/authorize"}, "credentials": {"clientId": "3MVG9abc", "clientSecret": "s3cr3t-value"}}"#,
                expect: .created)
            #expect(sandbox["settings"]?["oauth"]?["authorizeURL"] == "https://test.salesforce.com/services/oauth2/authorize")
            #expect(sandbox["settings"]?["oauth"]?["tokenURL"] == "https://login.salesforce.com/services/oauth2/token")
            let connect = try await Self.api(
                client, .post, "/api/v1/integrations",
                #"{"key": "stripe-platform", "provider": "stripe", "preset": "stripe-connect", "credentials": {"clientId": "ca_123", "clientSecret": "sk_test_platform"}}"#,
                expect: .created)
            #expect(connect["settings"]?["auth"]?["type"] == "oauth2")

            let refusals: [(String, HTTPResponse.Status, String)] = [
                (#"{"key": "Bad Key", "provider": "salesforce"}"#, .badRequest, "key"),
                (#"{"key": "sf-prod", "provider": "salesforce", "credentials": {"clientId": "x", "clientSecret": "y"}}"#, .conflict, "already exists"),
                (#"{"key": "x1", "provider": "salesforce", "preset": "nope"}"#, .badRequest, "unknown preset"),
                (#"{"key": "x2", "provider": "google", "preset": "salesforce", "credentials": {"clientId": "x", "clientSecret": "y"}}"#, .badRequest, "is for provider"),
                (#"{"key": "x3", "provider": "oauth2", "oauth": {"scopes": ["a"]}, "credentials": {"clientId": "x", "clientSecret": "y"}}"#, .badRequest, "tokenURL"),
                (#"{"key": "x4", "provider": "salesforce", "oauth": {}}"#, .badRequest, "clientId"),
                (#"{"key": "x5", "provider": "nope"}"#, .badRequest, "unknown provider"),
                (#"{"key": "x6", "provider": "oauth2", "oauth": {"tokenURL": "https://a.example/t", "authorizeURL": "https://a.example/a", "allowedReturnUrls": ["ftp://a.example/"]}, "credentials": {"clientId": "x", "clientSecret": "y"}}"#, .badRequest, "allowedReturnUrls"),
                (#"{"key": "x7", "provider": "salesforce", "credentials": {"password": "p"}}"#, .badRequest, "credentials.password"),
            ]
            for (body, status, fragment) in refusals {
                let refused = try await Self.api(client, .post, "/api/v1/integrations", body, expect: status)
                #expect(refused["detail"]?.stringValue?.contains(fragment) == true, "\(body): \(refused)")
            }
            let listed = try await Self.api(client, .get, "/api/v1/integrations", expect: .ok)["data"]?.arrayValue ?? []
            #expect(listed.compactMap { $0["key"]?.stringValue } == ["sf-prod", "sf-sandbox", "stripe-platform"])

            let connectionRefusals: [(String, String)] = [
                (#"{"integration": "nope", "name": "x"}"#, "no integration with key"),
                (#"{"integration": "sf-prod", "provider": "google", "name": "x"}"#, "is for provider 'salesforce'"),
                (#"{"name": "x"}"#, "name a 'provider' or an 'integration'"),
                (#"{"integration": "sf-prod", "name": "x", "tenant": ""}"#, "tenant"),
                // The integration's secret must not be sendable elsewhere through a connection's own settings.
                (#"{"integration": "sf-prod", "name": "x", "settings": {"baseURL": "https://elsewhere.example", "auth": {"type": "bearer", "credential": "clientSecret"}}}"#, "settings.baseURL, settings.auth cannot be set"),
                (#"{"integration": "sf-prod", "name": "x", "settings": {"oauth": {"tokenURL": "https://elsewhere.example/token"}}}"#, "settings.oauth.tokenURL cannot be set"),
            ]
            for (body, fragment) in connectionRefusals {
                let refused = try await Self.api(client, .post, "/api/v1/connections", body, expect: .badRequest)
                #expect(refused["detail"]?.stringValue?.contains(fragment) == true, "\(body): \(refused)")
            }
            #expect(try await Self.api(client, .get, "/api/v1/connections", expect: .ok)["data"]?.arrayValue?.isEmpty == true)
            _ = try await Self.api(client, .patch, "/api/v1/integrations/sf-prod", #"{"settings": null}"#, expect: .badRequest)
            _ = try await Self.api(client, .patch, "/api/v1/integrations/sf-prod", #"{"oauth": {"tokenURL": null}}"#, expect: .badRequest)
            let unchanged = try await Self.api(client, .get, "/api/v1/integrations/sf-prod", expect: .ok)
            #expect(unchanged["settings"]?["oauth"]?["tokenURL"] == "https://login.salesforce.com/services/oauth2/token")
        }
    }
}
