import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JunctionAuth
import JunctionCore
import JunctionHTTP
import JunctionServer
import JunctionStore
import JunctionTestSupport
import NIOCore
import Synchronization
import Testing

/// OAuth2 end to end against a real authorization server: `Tests/Peers/oauth_server.py`, Authlib on Flask,
/// with PKCE required and rotating refresh tokens.
@Suite("OAuth2 against an Authlib authorization server", .enabled(if: PythonPeer.isAvailable))
struct OAuthFlowTests {
    static let redirectURI = "http://127.0.0.1:8080/oauth/callback"

    /// Tokens from a code live `accessTokenSeconds`; tokens from a refresh live an hour, so a test's one
    /// refresh is not followed by a second because the test ran long.
    static func authorizationServer(accessTokenSeconds: Int = 3600, _ body: @escaping (PythonPeer) async throws -> Void) async throws {
        try await PythonPeer.with(
            "oauth_server.py",
            arguments: [
                "--redirect-uri", redirectURI, "--redirect-uri-prefix", "http://127.0.0.1:",
                "--access-token-seconds", String(accessTokenSeconds), "--refreshed-token-seconds", "3600",
            ]
        ) { (peer: PythonPeer) async throws -> Void in try await body(peer) }
    }

    struct Stats: Decodable {
        var authorization_code: Int
        var refresh_token: Int
        var client_credentials: Int
        var revocations: Int
    }

    static func stats(_ server: PythonPeer) async throws -> Stats {
        try await APIClient().execute(APIRequest(method: .get, url: server.baseURL + "/stats")).decode(Stats.self)
    }

    static func createConnection(
        _ client: any TestClientProtocol,
        server: PythonPeer,
        clientID: String = "junction-confidential",
        secret: String? = "confidential-secret",
        extraOAuth: String = ""
    ) async throws -> String {
        let secretField = secret.map { #", "clientSecret": "\#($0)""# } ?? ""
        let body = """
            {"provider": "oauth2", "name": "Authlib", "settings": {"baseURL": "\(server.baseURL)",
             "oauth": {"authorizeURL": "\(server.baseURL)/authorize", "tokenURL": "\(server.baseURL)/token",
                       "revocationURL": "\(server.baseURL)/revoke", "scopes": ["read", "write"], "refreshAheadSeconds": 0\(extraOAuth)}},
             "credentials": {"clientId": "\(clientID)"\(secretField)}}
            """
        let response = try await client.execute(
            uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized, body: .json(body))
        guard response.status == .created, let id = try response.json["id"]?.stringValue else {
            throw TestSetupError("could not create the connection: \(response.text)")
        }
        return id
    }

    /// Starts an authorization and plays the user's browser at the provider: returns the callback query.
    static func authorize(_ client: any TestClientProtocol, connection id: String, deny: Bool = false) async throws -> (
        query: String, url: String
    ) {
        let started = try await client.execute(
            uri: "/api/v1/connections/\(id)/oauth/authorize", method: .post, headers: ServerTestHarness.authorized)
        guard started.status == .ok, let url = try started.json["authorizationUrl"]?.stringValue else {
            throw TestSetupError("authorize failed: \(started.text)")
        }
        let answer = try await APIClient().execute(
            APIRequest(method: .get, url: url + (deny ? "&deny=1" : "")), policy: ClientPolicy(retry: .none))
        guard answer.status == 302, let location = answer.headers[.location], location.hasPrefix(redirectURI) else {
            throw TestSetupError("the provider did not redirect back: \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
        }
        return (String(location.dropFirst(redirectURI.count + 1)), url)
    }

    static func callback(_ client: any TestClientProtocol, _ query: String) async throws -> TestResponse {
        try await client.execute(uri: "/oauth/callback?" + query, method: .get)
    }

    @Test("authorization code with PKCE stores tokens; the proxy calls the API with them")
    func authorizationCode() async throws {
        try await Self.authorizationServer { server in
            try await ServerTestHarness.with(.sqlite) { harness, client in
                let id = try await Self.createConnection(client, server: server)
                let (query, url) = try await Self.authorize(client, connection: id)
                #expect(url.contains("code_challenge_method=S256"))
                #expect(url.contains("code_challenge="))
                #expect(!url.contains("code_verifier"))
                let page = try await Self.callback(client, query)
                #expect(page.status == .ok, "\(page.text)")
                #expect(page.text.contains("Authlib is connected"))
                #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)

                let connection = try await client.execute(
                    uri: "/api/v1/connections/\(id)", method: .get, headers: ServerTestHarness.authorized
                ).json
                #expect(connection["status"] == "active")
                #expect(connection["credentials"]?["accessToken"]?.stringValue?.contains("…") == true)
                #expect(connection["credentials"]?["refreshToken"] != nil)

                let proxied = try await client.execute(
                    uri: "/api/v1/connections/\(id)/proxy/me", method: .get, headers: ServerTestHarness.authorized)
                #expect(proxied.status == .ok, "\(proxied.text)")
                #expect(try proxied.json["client"] == "junction-confidential")
                #expect(proxied.headers[HTTPField.Name("Junction-Attempt")!] == "1")
                let used = try await client.execute(uri: "/api/v1/connections/\(id)", method: .get, headers: ServerTestHarness.authorized)
                    .json
                #expect(used["lastUsedAt"] != nil && used["lastUsedAt"] != .null)
                #expect(try await Self.stats(server).authorization_code == 1)
                _ = harness
            }
        }
    }

    @Test("a replayed callback, a forged state, a reused code, a mismatched PKCE verifier and a denial are all refused")
    func refusals() async throws {
        try await Self.authorizationServer { server in
            try await ServerTestHarness.with(.sqlite) { harness, client in
                let id = try await Self.createConnection(client, server: server)
                let (query, _) = try await Self.authorize(client, connection: id)
                #expect(try await Self.callback(client, query).status == .ok)

                let replay = try await Self.callback(client, query)
                #expect(replay.status == .badRequest)
                #expect(replay.text.contains("already completed"))

                let forged = try await Self.callback(client, "code=abc&state=forged-state-value")
                #expect(forged.status == .badRequest)
                #expect(forged.text.contains("unknown state"))

                // The used code with a fresh, valid state: the provider refuses the code.
                let code = try #require(URLComponents(string: "x:?" + query)?.queryItems?.first { $0.name == "code" }?.value)
                let (freshQuery, _) = try await Self.authorize(client, connection: id)
                let freshState = try #require(URLComponents(string: "x:?" + freshQuery)?.queryItems?.first { $0.name == "state" }?.value)
                let reused = try await Self.callback(client, "code=\(code)&state=\(freshState)")
                #expect(reused.status == .badRequest)
                #expect(reused.text.contains("invalid_grant"))

                // A fresh code presented with another authorization's state (so another PKCE verifier).
                let (first, _) = try await Self.authorize(client, connection: id)
                let (second, _) = try await Self.authorize(client, connection: id)
                let firstCode = try #require(URLComponents(string: "x:?" + first)?.queryItems?.first { $0.name == "code" }?.value)
                let secondState = try #require(URLComponents(string: "x:?" + second)?.queryItems?.first { $0.name == "state" }?.value)
                let mismatched = try await Self.callback(client, "code=\(firstCode)&state=\(secondState)")
                #expect(mismatched.status == .badRequest)
                #expect(mismatched.text.contains("invalid_grant"))

                let (denied, _) = try await Self.authorize(client, connection: id, deny: true)
                let deniedPage = try await Self.callback(client, denied)
                #expect(deniedPage.status == .badRequest)
                #expect(deniedPage.text.contains("access_denied"))

                // An expired state.
                let state = "expired-state-value"
                let hash = OAuthTestSupport.hash(state)
                try await OAuthStateRepository(database: harness.database).insert(
                    PendingAuthorization(
                        stateHash: hash, connectionID: id, redirectURI: Self.redirectURI, expiresAt: Date().addingTimeInterval(-1)),
                    verifier: try harness.services.vault.seal(["verifier": "v"], ownerID: OAuthStateRepository.verifierOwner(hash))
                )
                let expired = try await Self.callback(client, "code=abc&state=\(state)")
                #expect(expired.status == .badRequest)
                #expect(expired.text.contains("expired"))
                #expect(
                    try await Self.stats(server).authorization_code == 3,
                    "the forged, denied and expired callbacks never reached the token endpoint")
            }
        }
    }

    @Test(
        "1,000 concurrent requests on an expired token cause exactly one refresh; the rotated token is stored",
        arguments: TestEngine.available)
    func singleFlightRefresh(engine: TestEngine) async throws {
        try await Self.authorizationServer(accessTokenSeconds: 1) { server in
            try await ServerTestHarness.with(engine) { harness, client in
                let id = try await Self.createConnection(client, server: server)
                let (query, _) = try await Self.authorize(client, connection: id)
                #expect(try await Self.callback(client, query).status == .ok)
                let before = try #require(try await harness.credentials(id)["refreshToken"]?.stringValue)
                try await Task.sleep(for: .milliseconds(1200))

                let tokens = harness.services.tokens
                let results = try await withThrowingTaskGroup(of: String.self) { group in
                    for _ in 0..<1000 { group.addTask { try await tokens.accessToken(for: id) } }
                    return try await group.reduce(into: Set<String>()) { $0.insert($1) }
                }
                #expect(results.count == 1, "every caller got the one new token")
                #expect(try await Self.stats(server).refresh_token == 1)
                let after = try #require(try await harness.credentials(id)["refreshToken"]?.stringValue)
                #expect(after != before, "the rotated refresh token replaced the old one")
            }
        }
    }

    @Test("invalid_grant marks the connection for re-authorization, records an event, and never loops")
    func invalidGrant() async throws {
        try await Self.authorizationServer(accessTokenSeconds: 1) { server in
            try await ServerTestHarness.with(.sqlite) { harness, client in
                let id = try await Self.createConnection(client, server: server)
                let (query, _) = try await Self.authorize(client, connection: id)
                #expect(try await Self.callback(client, query).status == .ok)
                _ = try await APIClient().execute(APIRequest(method: .post, url: server.baseURL + "/admin/revoke-all"))
                try await Task.sleep(for: .milliseconds(1200))

                await #expect(throws: OAuth2Error.self) { try await harness.services.tokens.accessToken(for: id) }
                let connection = try await client.execute(
                    uri: "/api/v1/connections/\(id)", method: .get, headers: ServerTestHarness.authorized
                ).json
                #expect(connection["status"] == "reauthorization_required")
                #expect(connection["statusReason"]?.stringValue?.contains("invalid_grant") == true)
                let events = try await OperationalEventRepository(database: harness.database).recent(connectionID: id)
                #expect(events.map(\.type) == ["connection.reauthorization_required"])
                let refreshes = try await Self.stats(server).refresh_token
                for _ in 0..<5 {
                    await #expect(throws: OAuth2Error.self) { try await harness.services.tokens.accessToken(for: id) }
                }
                let proxied = try await client.execute(
                    uri: "/api/v1/connections/\(id)/proxy/me", method: .get, headers: ServerTestHarness.authorized)
                #expect(proxied.status == .conflict)
                #expect(try await Self.stats(server).refresh_token == refreshes, "no further refresh attempts")

                // Authorizing again brings it back.
                let (again, _) = try await Self.authorize(client, connection: id)
                #expect(try await Self.callback(client, again).status == .ok)
                #expect(
                    try await client.execute(uri: "/api/v1/connections/\(id)", method: .get, headers: ServerTestHarness.authorized).json[
                        "status"] == "active")
            }
        }
    }

    @Test("client credentials: a machine connection gets its token without a user")
    func clientCredentials() async throws {
        try await Self.authorizationServer { server in
            try await ServerTestHarness.with(.sqlite) { _, client in
                let id = try await Self.createConnection(
                    client, server: server, clientID: "junction-post", secret: "post-secret",
                    extraOAuth: #", "grantType": "client_credentials", "clientAuthentication": "client_secret_post""#)
                let proxied = try await client.execute(
                    uri: "/api/v1/connections/\(id)/proxy/me", method: .get, headers: ServerTestHarness.authorized)
                #expect(proxied.status == .ok, "\(proxied.text)")
                #expect(try proxied.json["client"] == "junction-post")
                #expect(try await Self.stats(server).client_credentials == 1)
            }
        }
    }

    @Test("a public client authorizes with PKCE and no secret")
    func publicClient() async throws {
        try await Self.authorizationServer { server in
            try await ServerTestHarness.with(.sqlite) { _, client in
                let id = try await Self.createConnection(
                    client, server: server, clientID: "junction-public", secret: nil,
                    extraOAuth: #", "clientAuthentication": "none""#)
                let (query, _) = try await Self.authorize(client, connection: id)
                #expect(try await Self.callback(client, query).status == .ok)
                #expect(
                    try await client.execute(uri: "/api/v1/connections/\(id)/proxy/me", method: .get, headers: ServerTestHarness.authorized)
                        .status == .ok)
            }
        }
    }

    @Test("deleting a connection revokes its tokens at the provider (RFC 7009)")
    func revocationOnDelete() async throws {
        try await Self.authorizationServer { server in
            try await ServerTestHarness.with(.sqlite) { harness, client in
                let id = try await Self.createConnection(client, server: server)
                let (query, _) = try await Self.authorize(client, connection: id)
                #expect(try await Self.callback(client, query).status == .ok)
                let accessToken = try #require(try await harness.credentials(id)["accessToken"]?.stringValue)
                #expect(
                    try await client.execute(uri: "/api/v1/connections/\(id)", method: .delete, headers: ServerTestHarness.authorized)
                        .status == .noContent)
                #expect(try await Self.stats(server).revocations == 2)
                let me = try? await APIClient().execute(
                    APIRequest(method: .get, url: server.baseURL + "/me", headers: [.authorization: "Bearer \(accessToken)"]),
                    policy: ClientPolicy(retry: .none)
                )
                #expect(me == nil, "the revoked access token no longer works")
            }
        }
    }

    @Test("JWT bearer: a Google-style service account assertion verified by google-auth")
    func jwtBearer() async throws {
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("sa-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        try await PythonPeer.with("jwt_token_endpoint.py", arguments: ["--key-file", keyFile]) {
            (server: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite) { harness, client in
                let keyJSON = try String(contentsOfFile: keyFile, encoding: .utf8)
                let body = try JSONValue.object([
                    "provider": "google", "name": "Service account",
                    "settings": [
                        "baseURL": .string(server.baseURL),
                        "oauth": [
                            "grantType": "jwt_bearer", "tokenURL": .string(server.baseURL + "/token"),
                            "scopes": ["https://www.googleapis.com/auth/calendar.readonly"], "subject": "ada@example.com",
                        ],
                    ],
                    "credentials": ["serviceAccountKey": .string(keyJSON)],
                ]).serialized()
                let created = try await client.execute(
                    uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized, body: .json(body))
                let id = try #require(try created.json["id"]?.stringValue)
                let token = try await harness.services.tokens.accessToken(for: id)
                #expect(token.hasPrefix("ya29.test-"))
                let stats = try await APIClient().execute(APIRequest(method: .get, url: server.baseURL + "/stats"))
                let claims = try #require(try JSONValue.parse(String(decoding: stats.body, as: UTF8.self))["verified"])
                guard case .array(let verified) = claims, let first = verified.first else { throw TestSetupError("no verified assertion") }
                #expect(first["iss"] == "junction@junction-test.iam.gserviceaccount.com")
                #expect(first["sub"] == "ada@example.com")
                #expect(first["scope"] == "https://www.googleapis.com/auth/calendar.readonly")
                #expect(first["aud"] == .string(server.baseURL + "/token"))
            }
        }
    }
}

extension OAuthFlowTests {
    /// Follows Salesforce's "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration" document: the fixture
    /// endpoint checks iss (consumer key), sub (username), aud (login URL) and a short expiry, and answers with
    /// `instance_url` and no refresh token. The key is PKCS#1 PEM, as `openssl genrsa` makes it.
    @Test("JWT bearer: Salesforce's server-to-server flow, keeping the instance URL")
    func salesforceJWTBearer() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sf-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await PythonPeer.with(
            "jwt_token_endpoint.py", arguments: ["--key-file", folder + "/sa.json", "--salesforce-key-file", folder + "/sf.pem"]
        ) { (server: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite) { harness, client in
                let pem = try String(contentsOfFile: folder + "/sf.pem", encoding: .utf8)
                let body = try JSONValue.object([
                    "provider": "salesforce", "name": "Salesforce",
                    "settings": [
                        "oauth": [
                            "grantType": "jwt_bearer", "tokenURL": .string(server.baseURL + "/services/oauth2/token"),
                            "audience": "https://login.salesforce.com",
                        ]
                    ],
                    "credentials": [
                        "clientId": "3MVG9test.consumer.key", "username": "integration@example.com", "privateKey": .string(pem),
                    ],
                ]).serialized()
                let created = try await client.execute(
                    uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized, body: .json(body))
                let id = try #require(try created.json["id"]?.stringValue, "\(created.text)")
                #expect(try await harness.services.tokens.accessToken(for: id) == "00Dxx0000000000!AQ0AQ.test")
                let stored = try await harness.credentials(id)
                #expect(stored["tokenExtras"]?["instance_url"] == "https://example.my.salesforce.com")
                #expect(stored["refreshToken"] == nil)
            }
        }
    }
}

enum OAuthTestSupport {
    static func hash(_ state: String) -> String {
        Data(state.utf8).sha256Hex
    }
}
