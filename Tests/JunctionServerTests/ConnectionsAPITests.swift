import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JunctionAuth
import JunctionCore
import JunctionServer
import JunctionStore
import JunctionTestSupport
import NIOCore
import Testing

@Suite("Connections API")
struct ConnectionsAPITests {
    static let createBody = """
        {"provider": "stripe", "name": "Main account", "settings": {"baseURL": "http://127.0.0.1:8420", "apiVersion": "2024-06-20"},
         "credentials": {"apiKey": "sk_test_4eC39HqLyjWDarjtT1zdp7dc4242", "webhookSecret": "whsec_0123456789abcdef"}}
        """

    @Test("create, read, list, patch and delete a connection", arguments: TestEngine.available)
    func lifecycle(engine: TestEngine) async throws {
        try await ServerTestHarness.with(engine) { harness, client in
            let created = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized, body: .json(Self.createBody)
            )
            #expect(created.status == .created)
            let connection = try created.json
            let id = try #require(connection["id"]?.stringValue)
            #expect(connection["credentials"] == ["apiKey": "sk_test_…4242", "webhookSecret": "whsec_…cdef"])
            #expect(connection["settings"]?["baseURL"] == "http://127.0.0.1:8420")
            #expect(!created.text.contains("4eC39HqLyjWDarjtT1zdp7dc"))

            let fetched = try await client.execute(uri: "/api/v1/connections/\(id)", method: .get, headers: ServerTestHarness.authorized)
            #expect(fetched.status == .ok)
            #expect(try fetched.json == connection)

            // Rotate the API key alone: the webhook secret is kept, settings merge, a null removes a member.
            let patched = try await client.execute(
                uri: "/api/v1/connections/\(id)", method: .patch, headers: ServerTestHarness.authorized,
                body: .json(
                    #"{"name": "Renamed", "settings": {"apiVersion": null, "timeout": 30}, "credentials": {"apiKey": "sk_test_NEWKEYNEWKEYNEWKEY9999"}}"#
                )
            )
            #expect(patched.status == .ok)
            let after = try patched.json
            #expect(after["name"] == "Renamed")
            #expect(after["settings"] == ["baseURL": "http://127.0.0.1:8420", "timeout": 30])
            #expect(after["credentials"] == ["apiKey": "sk_test_…9999", "webhookSecret": "whsec_…cdef"])

            // The vault holds the new key: open it directly.
            let sealed = try #require(try await VaultSecretRepository(database: harness.database).find(ownerID: id))
            #expect(try harness.services.vault.open(sealed)["apiKey"] == "sk_test_NEWKEYNEWKEYNEWKEY9999")

            let deleted = try await client.execute(uri: "/api/v1/connections/\(id)", method: .delete, headers: ServerTestHarness.authorized)
            #expect(deleted.status == .noContent)
            let gone = try await client.execute(uri: "/api/v1/connections/\(id)", method: .get, headers: ServerTestHarness.authorized)
            #expect(gone.status == .notFound)
            #expect(gone.headers[.contentType] == "application/problem+json")
            #expect(try await VaultSecretRepository(database: harness.database).find(ownerID: id) == nil)
            let again = try await client.execute(uri: "/api/v1/connections/\(id)", method: .delete, headers: ServerTestHarness.authorized)
            #expect(again.status == .notFound)
        }
    }

    @Test("no secret appears in the logs or in any response, even at trace level")
    func secretsStayOutOfLogs() async throws {
        let captured = CapturingLogHandler.Store()
        let secrets = [
            "4eC39HqLyjWDarjtT1zdp7dc", "0123456789abcdef", "ROTATEDSECRETVALUE", "TYPOSECRETVALUE", ServerTestHarness.adminToken,
        ]
        try await ServerTestHarness.with(.sqlite, logger: CapturingLogHandler.logger(into: captured)) { _, client in
            var responses: [String] = []
            let created = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized, body: .json(Self.createBody)
            )
            responses.append(created.text)
            let id = try #require(try created.json["id"]?.stringValue)
            for (method, uri, body) in [
                (HTTPRequest.Method.get, "/api/v1/connections", nil),
                (.get, "/api/v1/connections/\(id)", nil),
                (.patch, "/api/v1/connections/\(id)", #"{"credentials": {"apiKey": "sk_test_ROTATEDSECRETVALUE"}}"#),
                (
                    .post, "/api/v1/connections",
                    #"{"provider": "stripe", "name": "x", "credentials": {"apiKye": "sk_test_TYPOSECRETVALUE"}}"#
                ),
                (.post, "/api/v1/connections", #"{"provider": "stripe", "name": "x", "credentials": {"apiKey": "sk_test_TYPOSECRETVALUE""#),
                (.delete, "/api/v1/connections/\(id)", nil),
            ] as [(HTTPRequest.Method, String, String?)] {
                let response = try await client.execute(
                    uri: uri, method: method, headers: ServerTestHarness.authorized, body: body.map(ByteBuffer.json))
                responses.append(response.text)
            }
            let everything = captured.text + responses.joined()
            #expect(captured.text.contains("connection created"), "the capture saw the server's log")
            for secret in secrets {
                #expect(!everything.contains(secret), "'\(secret)' leaked")
            }
        }
    }

    @Test("lists page through every connection with a cursor", arguments: TestEngine.available)
    func pagination(engine: TestEngine) async throws {
        try await ServerTestHarness.with(engine) { _, client in
            var created: [String] = []
            for index in 0..<5 {
                let response = try await client.execute(
                    uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized,
                    body: .json(#"{"provider": "rest", "name": "API \#(index)", "credentials": {"token": "tok_\#(index)_abcdefghijkl"}}"#)
                )
                created.append(try #require(try response.json["id"]?.stringValue))
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let uri = "/api/v1/connections?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await client.execute(uri: uri, method: .get, headers: ServerTestHarness.authorized)
                #expect(page.status == .ok)
                let body = try page.json
                guard case .array(let items) = body["data"] else { throw TestSetupError("no data array") }
                seen += items.compactMap { $0["id"]?.stringValue }
                cursor = body["nextCursor"]?.stringValue
                pages += 1
            } while cursor != nil && pages < 10
            #expect(seen == created)
            #expect(pages == 3)

            for bad in ["limit=0", "limit=201", "limit=ten", "cursor=nonsense"] {
                let response = try await client.execute(
                    uri: "/api/v1/connections?\(bad)", method: .get, headers: ServerTestHarness.authorized)
                #expect(response.status == .badRequest, "\(bad)")
            }
        }
    }

    /// Each bad request gets the right status, a problem document that names what is wrong, and no change.
    @Test("bad input gets a clear 4xx and changes nothing", arguments: TestEngine.available)
    func badInput(engine: TestEngine) async throws {
        try await ServerTestHarness.with(engine) { harness, client in
            let oversize = #"{"provider": "stripe", "name": ""# + String(repeating: "a", count: 1_100_000) + #""}"#
            let cases: [(body: String, headers: HTTPFields, status: HTTPResponse.Status, mentions: String)] = [
                (#"{"provider": "stripe", "name": "x""#, ServerTestHarness.authorized, .badRequest, "not valid JSON"),
                (#"{"provider": "stripe", "name": "x", "settngs": {}}"#, ServerTestHarness.authorized, .badRequest, "settngs"),
                (#"{"provider": "stripe", "name": 42}"#, ServerTestHarness.authorized, .badRequest, "'name' must be a string"),
                (
                    #"{"provider": "stripe", "name": "x", "settings": []}"#, ServerTestHarness.authorized, .badRequest,
                    "'settings' must be an object"
                ),
                (
                    #"{"provider": "stripe", "name": "x", "credentials": {"apiKey": 5}}"#, ServerTestHarness.authorized, .badRequest,
                    "credentials.apiKey"
                ),
                (
                    #"{"provider": "stripe", "name": "x", "credentials": {"apiKye": "sk_test_123456789012"}}"#,
                    ServerTestHarness.authorized, .badRequest, "apiKye"
                ),
                (
                    #"{"provider": "stripe", "name": "x", "settings": {"baseURL": "ftp://x"}}"#, ServerTestHarness.authorized, .badRequest,
                    "baseURL"
                ),
                (#"{"provider": "strype", "name": "x"}"#, ServerTestHarness.authorized, .badRequest, "known providers are"),
                (#"{"name": "x"}"#, ServerTestHarness.authorized, .badRequest, "name a 'provider' or an 'integration'"),
                (#"{"provider": "stripe", "name": "  "}"#, ServerTestHarness.authorized, .badRequest, "must not be empty"),
                (#"["provider"]"#, ServerTestHarness.authorized, .badRequest, "must be a JSON object"),
                ("", ServerTestHarness.authorized, .badRequest, "empty"),
                (oversize, ServerTestHarness.authorized, .contentTooLarge, "limit"),
                (
                    #"{"provider": "stripe", "name": "x"}"#,
                    [.authorization: "Bearer \(ServerTestHarness.adminToken)", .contentType: "text/plain"], .unsupportedMediaType, "JSON"
                ),
            ]
            for testCase in cases {
                let response = try await client.execute(
                    uri: "/api/v1/connections", method: .post, headers: testCase.headers, body: .json(testCase.body)
                )
                #expect(response.status == testCase.status, "\(testCase.body.prefix(80))")
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try response.json
                #expect(problem["status"] == .number(Double(testCase.status.code)))
                #expect(problem["title"]?.stringValue?.isEmpty == false)
                #expect(problem["type"]?.stringValue?.isEmpty == false)
                let detail = problem["detail"]?.stringValue ?? ""
                #expect(detail.contains(testCase.mentions), "detail '\(detail)' should mention '\(testCase.mentions)'")
            }
            #expect(try await harness.connectionCount() == 0)

            // A rejected PATCH leaves the connection as it was.
            let created = try await client.execute(
                uri: "/api/v1/connections", method: .post, headers: ServerTestHarness.authorized,
                body: .json(ConnectionsAPITests.createBody)
            )
            let id = try #require(try created.json["id"]?.stringValue)
            let before = try await client.execute(uri: "/api/v1/connections/\(id)", method: .get, headers: ServerTestHarness.authorized)
                .text
            for body in [
                #"{"name": null}"#, #"{"nam": "x"}"#, #"{"credentials": {"apiKey": 1}}"#, #"{"settings": {"baseURL": "nope"}}"#, "{",
            ] {
                let response = try await client.execute(
                    uri: "/api/v1/connections/\(id)", method: .patch, headers: ServerTestHarness.authorized, body: .json(body)
                )
                #expect(response.status == .badRequest, "\(body)")
            }
            let after = try await client.execute(uri: "/api/v1/connections/\(id)", method: .get, headers: ServerTestHarness.authorized).text
            #expect(after == before)
        }
    }
}
