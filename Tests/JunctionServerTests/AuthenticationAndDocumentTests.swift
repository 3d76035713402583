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

@Suite("Management API access and description")
struct AuthenticationAndDocumentTests {
    /// The router's routes as `METHOD /path/{param}`.
    static func routes() async throws -> Set<String> {
        try await TestDatabase.with(.sqlite) { database, _ in
            let services = JunctionServices(
                database: database,
                queue: JobQueue(database: database),
                vault: CredentialVault(keyring: MasterKeyring(current: .generate())),
                adminToken: AdminToken(token: "x")
            )
            let router = try JunctionApplication.makeRouter(services: services, logger: TestDatabase.logger)
            return Set(
                router.routes.map { route in
                    let path = route.path.description.split(separator: "/").map { segment in
                        segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : segment == "**" ? "{path}" : String(segment)
                    }.joined(separator: "/")
                    return "\(route.method.rawValue) /\(path)"
                })
        }
    }

    @Test("every /api/v1 route refuses a request without the token or with a wrong one")
    func everyRouteNeedsTheToken() async throws {
        let apiRoutes = try await Self.routes().filter { $0.contains(" /api/v1/") }
        #expect(apiRoutes.count >= 12)
        try await ServerTestHarness.with(.sqlite) { harness, client in
            let attempts: [HTTPFields] = [
                [.contentType: "application/json"],
                [.authorization: "Bearer wrong-token", .contentType: "application/json"],
                [.authorization: "Bearer \(ServerTestHarness.adminToken)x", .contentType: "application/json"],
                [.authorization: "Basic \(Data("admin:\(ServerTestHarness.adminToken)".utf8).base64EncodedString())"],
                [.authorization: ServerTestHarness.adminToken],
            ]
            for route in apiRoutes.sorted() {
                let parts = route.split(separator: " ", maxSplits: 1)
                let method = HTTPRequest.Method(String(parts[0]))!
                let uri = String(parts[1]).replacingOccurrences(of: "{id}", with: ResourceID.make(prefix: "conn"))
                    .replacingOccurrences(of: "{path}", with: "v1/customers")
                for headers in attempts {
                    let response = try await client.execute(
                        uri: uri, method: method, headers: headers, body: .json(ConnectionsAPITests.createBody)
                    )
                    #expect(response.status == .unauthorized, "\(route) with \(headers)")
                    #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                    #expect(response.headers[.contentType] == "application/problem+json")
                }
            }
            #expect(try await harness.connectionCount() == 0)
        }
    }

    @Test("the OpenAPI document describes exactly the router's routes")
    func openAPIMatchesRouter() async throws {
        let document = try JSONValue.parse(OpenAPIDocument.json)
        #expect(document["openapi"] == "3.1.0")
        guard case .object(let paths) = document["paths"] else { throw TestSetupError("no paths") }
        var documented: Set<String> = []
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
        for (path, item) in paths {
            for method in item.objectValue?.keys.filter(methods.contains) ?? [] {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        // The dashboard's pages (/ui) are HTML for people, signed in with a session: not part of the API's description.
        let routed = try await Self.routes().filter { !$0.contains(" /ui") }
        #expect(
            documented == routed,
            "documented but not routed: \(documented.subtracting(routed)); routed but not documented: \(routed.subtracting(documented))")
    }

    @Test("the served document is the same JSON")
    func servesDocument() async throws {
        try await ServerTestHarness.with(.sqlite) { _, client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            #expect(try JSONValue.parse(response.text) == JSONValue.parse(OpenAPIDocument.json))
        }
    }

    @Test("unknown routes answer 404 as a problem document")
    func unknownRoute() async throws {
        try await ServerTestHarness.with(.sqlite) { _, client in
            let response = try await client.execute(uri: "/nope", method: .get)
            #expect(response.status == .notFound)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
    }

    @Test("providers are listed with their auth kinds")
    func providers() async throws {
        try await ServerTestHarness.with(.sqlite) { _, client in
            let response = try await client.execute(uri: "/api/v1/providers", method: .get, headers: ServerTestHarness.authorized)
            #expect(response.status == .ok)
            guard case .array(let providers) = try response.json["data"] else { throw TestSetupError("no data") }
            let names = providers.compactMap { $0["name"]?.stringValue }
            #expect(Set(["stripe", "salesforce", "google", "rest", "oauth2"]).isSubset(of: Set(names)))
        }
    }
}

@Suite("Health and metrics")
struct HealthAndMetricsTests {
    @Test("live and ready answer 200 on a migrated database", arguments: TestEngine.available)
    func ready(engine: TestEngine) async throws {
        try await ServerTestHarness.with(engine) { _, client in
            #expect(try await client.execute(uri: "/health/live", method: .get).status == .ok)
            let ready = try await client.execute(uri: "/health/ready", method: .get)
            #expect(ready.status == .ok)
            #expect(try ready.json["schemaVersion"] == .string(String(SchemaMigrations.latestVersion)))
        }
    }

    @Test("ready answers 503 with the reason while migrations are missing", arguments: TestEngine.available)
    func notReady(engine: TestEngine) async throws {
        try await ServerTestHarness.with(engine, migrate: false) { _, client in
            #expect(try await client.execute(uri: "/health/live", method: .get).status == .ok)
            let ready = try await client.execute(uri: "/health/ready", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(try ready.json["detail"]?.stringValue?.contains("junction migrate") == true)
        }
    }

    @Test("metrics count requests by route and status and show the job queue by kind", arguments: TestEngine.available)
    func metrics(engine: TestEngine) async throws {
        try await ServerTestHarness.with(engine) { harness, client in
            // Twice each where the instruments are kept after the first request: the second must count too.
            for _ in 0..<2 {
                _ = try await client.execute(uri: "/api/v1/connections", method: .get, headers: ServerTestHarness.authorized)
                _ = try await client.execute(
                    uri: "/api/v1/connections/\(ResourceID.make(prefix: "conn"))", method: .get, headers: ServerTestHarness.authorized)
            }
            _ = try await client.execute(uri: "/api/v1/connections", method: .get)
            try await harness.services.queue.enqueue([
                JobRequest(kind: "token.refresh"), JobRequest(kind: "token.refresh"), JobRequest(kind: "sync.run"),
            ])
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            let text = response.text
            #expect(text.contains(#"junction_http_requests_total{route="/api/v1/connections",method="GET",status="200"} 2"#))
            #expect(text.contains(#"junction_http_requests_total{route="/api/v1/connections",method="GET",status="401"} 1"#))
            #expect(text.contains(#"junction_http_requests_total{route="/api/v1/connections/{id}",method="GET",status="404"} 2"#))
            #expect(text.contains(#"junction_http_request_duration_seconds_bucket{route="/api/v1/connections",method="GET",le="+Inf"} 3"#))
            #expect(text.contains(#"junction_jobs{kind="token.refresh",status="queued"} 2.0"#))
            #expect(text.contains(#"junction_jobs{kind="sync.run",status="queued"} 1.0"#))
            #expect(text.contains(#"junction_jobs_oldest_ready_age_seconds{kind="token.refresh"}"#))
        }
    }
}
