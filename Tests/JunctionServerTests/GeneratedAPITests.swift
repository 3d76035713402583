import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JunctionAPI
import JunctionCore
import JunctionServer
import JunctionStore
import JunctionTestSupport
import NIOCore
import SQLKit
import Testing
import Yams

/// The routes openapi.yaml's generated server answers: request-body mistakes still get precise problems, methods a
/// path does not declare get 405, and /openapi.json is the very document the generator read.
@Suite("Generated management API")
struct GeneratedAPITests {
    @Test("each request-body mistake gets its own problem, naming what is wrong, and publishes nothing", arguments: TestEngine.available)
    func requestBodyMistakes(engine: TestEngine) async throws {
        try await ServerTestHarness.with(engine) { harness, client in
            let oversize = #"{"eventType": "a.b", "payload": ""# + String(repeating: "a", count: 1_100_000) + #""}"#
            let cases: [(body: String, headers: HTTPFields, status: HTTPResponse.Status, type: String, mentions: String)] = [
                (
                    #"{"eventType": "a.b", "payload": {}"#, ServerTestHarness.authorized, .badRequest, "/problems/malformed-json",
                    "not valid JSON"
                ),
                (
                    #"{"eventType": "a.b", "payload": {}, "idempotencyKy": "k"}"#, ServerTestHarness.authorized, .badRequest,
                    "/problems/unknown-fields", "'idempotencyKy'"
                ),
                (
                    #"{"eventType": 42, "payload": {}}"#, ServerTestHarness.authorized, .badRequest, "/problems/invalid-field",
                    "'eventType' must be a string"
                ),
                (#"{"payload": {}}"#, ServerTestHarness.authorized, .badRequest, "/problems/invalid-field", "'eventType' is required"),
                (#"["eventType"]"#, ServerTestHarness.authorized, .badRequest, "/problems/invalid-field", "must be a JSON object, not an array"),
                (
                    #"{"eventType": "a b", "payload": 1}"#, ServerTestHarness.authorized, .badRequest, "/problems/invalid-field",
                    "without spaces"
                ),
                ("", ServerTestHarness.authorized, .badRequest, "/problems/invalid-request", "empty"),
                (oversize, ServerTestHarness.authorized, .contentTooLarge, "/problems/body-too-large", "limit"),
                (
                    #"{"eventType": "a.b", "payload": {}}"#,
                    [.authorization: "Bearer \(ServerTestHarness.adminToken)", .contentType: "text/plain"],
                    .unsupportedMediaType, "/problems/unsupported-media-type", "JSON"
                ),
            ]
            for testCase in cases {
                let response = try await client.execute(
                    uri: "/api/v1/messages", method: .post, headers: testCase.headers, body: .json(testCase.body))
                #expect(response.status == testCase.status, "\(testCase.body.prefix(60))")
                #expect(response.headers[.contentType] == "application/problem+json", "\(testCase.body.prefix(60))")
                let problem = try response.json
                #expect(problem["status"] == .number(Double(testCase.status.code)))
                #expect(problem["type"]?.stringValue == testCase.type, "\(testCase.body.prefix(60)): \(problem)")
                let detail = problem["detail"]?.stringValue ?? ""
                #expect(detail.contains(testCase.mentions), "detail '\(detail)' should mention '\(testCase.mentions)'")
            }
            for (query, mentions) in [
                ("since=yesterday", "RFC 3339"), ("status=nope", "nope"), ("limit=x", "integer"), ("limit=0", "limit"),
            ] {
                let response = try await client.execute(uri: "/api/v1/events?\(query)", method: .get, headers: ServerTestHarness.authorized)
                #expect(response.status == .badRequest, "\(query)")
                #expect(try response.json["detail"]?.stringValue?.contains(mentions) == true, "\(query): \(response.text)")
            }
            let unknown = try await client.execute(
                uri: "/api/v1/messages", method: .post, headers: ServerTestHarness.authorized,
                body: .json(#"{"eventType": "a.b", "payload": {}, "zz": 1, "extra": 2}"#))
            #expect(try unknown.json["unknownFields"] == ["extra"])
            let stored = try await harness.database.withSQL { sql in try await sql.raw("SELECT COUNT(*) AS n FROM webhook_messages").first()
            }
            #expect(try stored?.decode(column: "n", as: Int.self) == 0)
        }
    }

    @Test("a well-formed message is accepted, shown with its deliveries, and its retry counted")
    func messageRoundTrip() async throws {
        try await ServerTestHarness.with(.sqlite) { _, client in
            let created = try await client.execute(
                uri: "/api/v1/messages", method: .post, headers: ServerTestHarness.authorized,
                body: .json(#"{"eventType": "invoice.paid", "payload": {"amount": 9007199254740993, "nested": [1, "x", null]}}"#))
            #expect(created.status == .accepted, "\(created.text)")
            let message = try created.json
            let id = try #require(message["id"]?.stringValue)
            #expect(message["deliveriesCreated"] == 0)
            #expect(message["duplicate"] == false)
            let shown = try await client.execute(uri: "/api/v1/messages/\(id)", method: .get, headers: ServerTestHarness.authorized)
            #expect(shown.status == .ok)
            #expect(try shown.json["payload"]?["nested"] == [1, "x", nil])
            // Past 2^53 a Double would make this ...992: the value is kept, in the answer's text too.
            #expect(try shown.json["payload"]?["amount"] == .integer(9_007_199_254_740_993))
            #expect(shown.text.contains("9007199254740993"))
            #expect(try shown.json["deliveries"] == [])
            let retried = try await client.execute(
                uri: "/api/v1/messages/\(id)/retry", method: .post, headers: ServerTestHarness.authorized)
            #expect(retried.status == .accepted)
            #expect(try retried.json["scheduled"] == 0)
            for missing in ["msg_01J00000000000000000000000", "nonsense"] {
                let response = try await client.execute(
                    uri: "/api/v1/messages/\(missing)", method: .get, headers: ServerTestHarness.authorized)
                #expect(response.status == .notFound)
                #expect(try response.json["type"] == "/problems/not-found")
            }
        }
    }

    @Test("an endpoint patch: members sent replace, null removes what can be removed, absent members stay, other nulls are refused")
    func endpointMergePatch() async throws {
        try await ServerTestHarness.with(.sqlite, allowPrivateEndpoints: true) { _, client in
            let created = try await client.execute(
                uri: "/api/v1/endpoints", method: .post, headers: ServerTestHarness.authorized,
                body: .json(#"{"url": "http://127.0.0.1:9/hooks", "rateLimit": 5, "retrySchedule": [1, 2]}"#))
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(try created.json["id"]?.stringValue)
            #expect(try created.json["secret"]?.stringValue?.hasPrefix("whsec_") == true)
            func patch(_ body: String, as contentType: String = "application/merge-patch+json") async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/endpoints/\(id)", method: .patch,
                    headers: [.authorization: "Bearer \(ServerTestHarness.adminToken)", .contentType: contentType], body: .json(body))
            }
            let described = try await patch(#"{"description": "billing"}"#, as: "application/json")
            #expect(described.status == .ok, "\(described.text)")
            #expect(try described.json["rateLimit"] == 5)
            #expect(try described.json["retrySchedule"] == [1, 2])
            #expect(try described.json["description"] == "billing")
            let removed = try await patch(#"{"rateLimit": null, "retrySchedule": null}"#)
            #expect(removed.status == .ok, "\(removed.text)")
            #expect(try removed.json["rateLimit"] == nil)
            #expect(try removed.json["retrySchedule"] == [5, 300, 1800, 7200, 18000, 36000, 36000])
            #expect(try removed.json["description"] == "billing")
            for member in ["url", "eventTypes", "description", "ordered", "enabled"] {
                let refused = try await patch(#"{"\#(member)": null}"#)
                #expect(refused.status == .badRequest, "\(member)")
                #expect(try refused.json["detail"]?.stringValue?.contains("'\(member)' cannot be null") == true, "\(refused.text)")
            }
            let disabled = try await patch(#"{"enabled": false}"#)
            #expect(try disabled.json["status"] == "disabled")
            let recover = try await client.execute(
                uri: "/api/v1/endpoints/\(id)/recover?since=2026-01-01T00:00:00Z", method: .post, headers: ServerTestHarness.authorized)
            #expect(recover.status == .conflict)
            #expect(try recover.json["type"] == "/problems/endpoint-disabled")
            let shown = try await client.execute(uri: "/api/v1/endpoints/\(id)", method: .get, headers: ServerTestHarness.authorized)
            #expect(try shown.json["secret"] == nil)
        }
    }

    @Test("a method a documented path does not declare is 405 with Allow; an undocumented path stays 404")
    func methodNotAllowed() async throws {
        try await ServerTestHarness.with(.sqlite) { _, client in
            let cases: [(String, HTTPRequest.Method, String)] = [
                ("/api/v1/messages", .get, "POST"),
                ("/api/v1/events", .delete, "GET"),
                ("/api/v1/providers/stripe", .post, "GET"),
                ("/api/v1/connections", .put, "GET, POST"),
                ("/health/live", .post, "GET"),
            ]
            for (uri, method, allowed) in cases {
                let response = try await client.execute(uri: uri, method: method, headers: ServerTestHarness.authorized)
                #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                #expect(response.headers[.allow] == allowed, "\(method) \(uri)")
                #expect(try response.json["type"] == "/problems/method-not-allowed")
            }
            let unknown = try await client.execute(uri: "/api/v1/nothing-here", method: .get, headers: ServerTestHarness.authorized)
            #expect(unknown.status == .notFound)
        }
    }

    @Test("/openapi.json is openapi.yaml, as the generator read it")
    func documentIsTheYAML() async throws {
        try await ServerTestHarness.with(.sqlite) { _, client in
            let yaml = try #require(try Yams.load(yaml: JunctionAPI.documentYAML) as? [String: Any])
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            let served = try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
            #expect(NSDictionary(dictionary: served).isEqual(to: yaml))
            #expect((served["paths"] as? [String: Any])?.count == (yaml["paths"] as? [String: Any])?.count)
        }
        // The file in the repository, not only the copy compiled in.
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../openapi.yaml")
        #expect(try String(contentsOf: source, encoding: .utf8) == JunctionAPI.documentYAML)
    }
}
