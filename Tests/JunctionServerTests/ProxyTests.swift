import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JunctionCore
import JunctionHTTP
import JunctionTestSupport
import NIOCore
import Testing

/// The authenticated proxy against httpbin: credentials injected as each API wants them, rotation without
/// downtime, streaming, hop-by-hop headers, and provider errors passed through.
@Suite("Authenticated proxy", .enabled(if: PythonPeer.isAvailable))
struct ProxyTests {
    static func connection(_ client: any TestClientProtocol, base: String, auth: String?, credentials: String) async throws -> String {
        let authField = auth.map { #", "auth": \#($0)"# } ?? ""
        let body =
            #"{"provider": "rest", "name": "httpbin", "settings": {"baseURL": "\#(base)"\#(authField)}, "credentials": \#(credentials)}"#
        let response = try await client.execute(
            uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized, body: .json(body))
        guard let id = try response.json["id"]?.stringValue else { throw TestSetupError("create failed: \(response.text)") }
        return id
    }

    static func get(_ client: any TestClientProtocol, _ id: String, _ path: String) async throws -> TestResponse {
        try await client.execute(uri: "/api/v1/connections/\(id)/proxy/\(path)", method: .get, headers: ServerTestHarness.authorized)
    }

    @Test("API keys go where each API wants them: bearer, basic, a header, a query parameter")
    func injection() async throws {
        try await PythonPeer.with("serve_httpbin.py") { (httpbin: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite) { _, client in
                let bearer = try await Self.connection(
                    client, base: httpbin.baseURL, auth: nil, credentials: #"{"token": "tok_bearer_123456789"}"#)
                let bearerAnswer = try await Self.get(client, bearer, "bearer")
                #expect(bearerAnswer.status == .ok)
                #expect(try bearerAnswer.json["token"] == "tok_bearer_123456789")

                let basic = try await Self.connection(
                    client, base: httpbin.baseURL, auth: nil, credentials: #"{"username": "ada", "password": "lovelace"}"#)
                #expect(try await Self.get(client, basic, "basic-auth/ada/lovelace").status == .ok)

                let header = try await Self.connection(
                    client, base: httpbin.baseURL, auth: #"{"type": "header", "name": "X-API-Key"}"#,
                    credentials: #"{"apiKey": "key_header_123456"}"#
                )
                let headers = try await Self.get(client, header, "headers").json
                #expect(headers["headers"]?["X-Api-Key"] == "key_header_123456")
                #expect(headers["headers"]?["Authorization"] == nil, "the admin token is not forwarded")

                let query = try await Self.connection(
                    client, base: httpbin.baseURL, auth: #"{"type": "query", "name": "api_key"}"#,
                    credentials: #"{"apiKey": "key_query_123456"}"#
                )
                let echoed = try await Self.get(client, query, "get?limit=5").json
                #expect(echoed["args"]?["api_key"] == "key_query_123456")
                #expect(echoed["args"]?["limit"] == "5")

                let shown = try await client.execute(
                    uri: "/api/v1/connections/\(query)", method: .get, headers: ServerTestHarness.authorized
                ).json
                #expect(shown["lastUsedAt"] != nil && shown["lastUsedAt"] != .null)
            }
        }
    }

    @Test("a key rotated with PATCH takes over while requests keep succeeding")
    func rotationWithoutDowntime() async throws {
        try await PythonPeer.with("serve_httpbin.py") { (httpbin: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite) { _, client in
                let id = try await Self.connection(
                    client, base: httpbin.baseURL, auth: nil, credentials: #"{"token": "tok_old_0000000000"}"#)
                let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for index in 0..<40 {
                        if index == 20 {
                            group.addTask {
                                try await client.execute(
                                    uri: "/api/v1/connections/\(id)", method: .patch, headers: ServerTestHarness.authorized,
                                    body: .json(#"{"credentials": {"token": "tok_new_1111111111"}}"#)
                                ).status
                            }
                        }
                        group.addTask { try await Self.get(client, id, "bearer").status }
                    }
                    return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
                }
                #expect(statuses.allSatisfy { $0 == .ok }, "\(statuses.filter { $0 != .ok })")
                #expect(try await Self.get(client, id, "bearer").json["token"] == "tok_new_1111111111")
            }
        }
    }

    @Test("bodies stream, provider errors pass through, retries show in Junction-Attempt")
    func passthrough() async throws {
        try await PythonPeer.with("serve_httpbin.py") { (httpbin: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite) { harness, client in
                let id = try await Self.connection(client, base: httpbin.baseURL, auth: nil, credentials: "{}")
                let bytes = try await Self.get(client, id, "stream-bytes/100000?chunk_size=4096")
                #expect(bytes.status == .ok)
                #expect(bytes.body.readableBytes == 100_000)

                let posted = try await client.execute(
                    uri: "/api/v1/connections/\(id)/proxy/post", method: .post,
                    headers: [
                        .authorization: "Bearer \(ServerTestHarness.adminToken)", .contentType: "application/json",
                        .connection: "keep-alive",
                    ],
                    body: .json(#"{"hello": "world"}"#)
                )
                #expect(posted.status == .ok)
                #expect(try posted.json["json"] == ["hello": "world"])

                let missing = try await Self.get(client, id, "status/404")
                #expect(missing.status == .notFound)
                #expect(missing.headers[HTTPField.Name("Junction-Attempt")!] == "1")

                let failing = try await Self.get(client, id, "status/503")
                #expect(failing.status == .serviceUnavailable)
                #expect(failing.headers[HTTPField.Name("Junction-Attempt")!] == "4", "the default policy made four attempts")

                let metrics = try await client.execute(uri: "/metrics", method: .get).text
                #expect(metrics.contains(#"junction_circuit_breaker_state{host="127.0.0.1"}"#))
                _ = harness
            }
        }
    }

    @Test("a connection's settings.client sets its retry policy")
    func perConnectionPolicy() async throws {
        try await PythonPeer.with("serve_httpbin.py") { (httpbin: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite) { _, client in
                let body =
                    #"{"provider": "rest", "name": "two tries", "settings": {"baseURL": "\#(httpbin.baseURL)", "client": {"maxAttempts": 2, "baseDelayMs": 10}}}"#
                let created = try await client.execute(
                    uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized, body: .json(body))
                let id = try #require(try created.json["id"]?.stringValue)
                let failing = try await Self.get(client, id, "status/503")
                #expect(failing.status == .serviceUnavailable)
                #expect(failing.headers[HTTPField.Name("Junction-Attempt")!] == "2")
            }
        }
    }

    @Test("an unreachable provider is a 502 problem")
    func unreachable() async throws {
        try await ServerTestHarness.with(.sqlite) { _, client in
            try await ChildProcess.withRefusingPort { port in
                let id = try await Self.connection(client, base: "http://127.0.0.1:\(port)", auth: nil, credentials: "{}")
                let response = try await Self.get(client, id, "anything")
                #expect(response.status == .badGateway)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }
}

@Suite("Proxy hygiene", .enabled(if: PythonPeer.isAvailable))
struct ProxyHygieneTests {
    @Test(
        "dot segments are refused; forwarding headers and Connection-listed headers are dropped; query keys keep the rest of the query intact"
    )
    func hygiene() async throws {
        try await PythonPeer.with("serve_httpbin.py") { (httpbin: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(.sqlite) { _, client in
                let id = try await ProxyTests.connection(
                    client, base: httpbin.baseURL + "/anything/v1", auth: #"{"type": "query", "name": "key"}"#,
                    credentials: #"{"apiKey": "k+ey/value=1"}"#
                )
                for path in ["../status/200", "%2e%2e/status/200", "a/./b"] {
                    let response = try await ProxyTests.get(client, id, path)
                    #expect(response.status == .badRequest, "\(path)")
                }
                let echoed = try await client.execute(
                    uri: "/api/v1/connections/\(id)/proxy/items?q=a%2Bb&key=caller", method: .get,
                    headers: [
                        .authorization: "Bearer \(ServerTestHarness.adminToken)", .init("X-Forwarded-For")!: "10.0.0.1",
                        .init("Forwarded")!: "for=10.0.0.1", .connection: "X-Secret-Hop", .init("X-Secret-Hop")!: "hop",
                        .init("X-Kept")!: "kept",
                    ]
                ).json
                #expect(echoed["args"]?["q"] == "a+b", "a caller's %2B stays a plus")
                #expect(echoed["args"]?["key"] == "k+ey/value=1", "the connection's key replaces the caller's")
                let headers = echoed["headers"]?.objectValue ?? [:]
                #expect(headers["X-Forwarded-For"] == nil)
                #expect(headers["Forwarded"] == nil)
                #expect(headers["X-Secret-Hop"] == nil)
                #expect(headers["X-Kept"] == "kept")
            }
        }
    }
}

/// The proxy and the resources route open a connection the same way (ConnectionRuntime): for Salesforce, whose API
/// host comes with the token (`instance_url`, from `jwt_token_endpoint.py`), both reach `salesforce_fixture.py`.
@Suite("Proxy and resources share a connection's base URL", .enabled(if: PythonPeer.isAvailable))
struct ProxyBaseURLTests {
    @Test("a Salesforce connection without settings.baseURL: resources and the proxy both reach the token's instance URL")
    func salesforceInstanceURL() async throws {
        try await SalesforcePeers.with { peers in
            try await ServerTestHarness.with(.sqlite) { _, client in
                let connection = try await client.execute(
                    uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized,
                    body: .json(
                        #"{"provider": "salesforce", "name": "sf", "settings": \#(peers.settings), "credentials": \#(peers.credentials)}"#))
                let id = try #require(try connection.json["id"]?.stringValue, "\(connection.text)")
                let created = try await client.execute(
                    uri: "/api/v1/connections/\(id)/resources/accounts", method: .post, headers: ServerTestHarness.authorized,
                    body: .json(#"{"Name": "Acme"}"#))
                #expect(created.status == .created, "\(created.text)")
                let acme = try #require(try created.json["externalId"]?.stringValue)
                let proxied = try await client.execute(
                    uri: "/api/v1/connections/\(id)/proxy/services/data/v62.0/sobjects/Account/\(acme)", method: .get,
                    headers: ServerTestHarness.authorized)
                #expect(proxied.status == .ok, "\(proxied.text)")
                #expect(try proxied.json["Name"] == "Acme")
                // Both calls arrived at the instance, with the token the JWT flow got.
                let recorded = try JSONValue.parse(try await PeerHTTP.get(peers.instance.baseURL + "/_requests")).arrayValue ?? []
                let calls = recorded.filter { $0["path"] != "/_requests" }
                #expect(calls.count >= 2)
                #expect(calls.allSatisfy { $0["headers"]?["Authorization"] == "Bearer 00Dxx0000000000!AQ0AQ.test" })
            }
        }
    }
}
