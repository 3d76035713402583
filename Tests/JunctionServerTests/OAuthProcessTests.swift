import AsyncHTTPClient
import Foundation
import HTTPTypes
import JunctionAuth
import JunctionCore
import JunctionHTTP
import JunctionStore
import JunctionTestSupport
import NIOCore
import NIOHTTP1
import Testing

/// Token refresh across real server processes: one refresh for the whole cluster, and a refreshed token that
/// survives a crash.
@Suite("OAuth2 across server processes", .serialized, .enabled(if: PythonPeer.isAvailable))
struct OAuthProcessTests {
    static let token = ServeProcessTests.token

    /// Creates an OAuth2 connection on `server` and completes the authorization, with the callback arriving
    /// at `callbackServer` (any node can finish what another started: the state lives in the store).
    static func authorizedConnection(
        on server: ServeProcessTests.Server,
        callbackAt callbackServer: ServeProcessTests.Server,
        authorizationServer: PythonPeer
    ) async throws -> String {
        let base = authorizationServer.baseURL
        let created = try await server.request(
            .POST, "/api/v1/connections",
            body: """
                {"provider": "oauth2", "name": "cluster", "settings": {"baseURL": "\(base)", "oauth": {"authorizeURL": "\(base)/authorize",
                 "tokenURL": "\(base)/token", "scopes": ["read"], "refreshAheadSeconds": 0}},
                 "credentials": {"clientId": "junction-confidential", "clientSecret": "confidential-secret"}}
                """
        )
        let id = try #require(created.json["id"]?.stringValue)
        let started = try await server.request(.POST, "/api/v1/connections/\(id)/oauth/authorize")
        let url = try #require(started.json["authorizationUrl"]?.stringValue)
        let redirect = try await APIClient().execute(APIRequest(method: .get, url: url), policy: ClientPolicy(retry: .none))
        let location = try #require(redirect.headers[.location])
        let query = try #require(location.split(separator: "?", maxSplits: 1).last)
        var callback = HTTPClientRequest(url: "http://127.0.0.1:\(callbackServer.port)/oauth/callback?\(query)")
        callback.method = .GET
        let page = try await HTTPClient.shared.execute(callback, timeout: .seconds(10))
        #expect(page.status.code == 200)
        return id
    }

    @Test("two server processes on PostgreSQL: 1,000 concurrent proxied requests after expiry cause exactly one refresh")
    func clusterSingleRefresh() async throws {
        guard TestEngine.available.contains(.postgres) else { return }
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await OAuthFlowTests.authorizationServer(accessTokenSeconds: 2) { authorizationServer in
            let test = try await TestDatabase.create(.postgres)
            let environment = ["JUNCTION_ADMIN_TOKEN": Self.token, "JUNCTION_MASTER_KEY": MasterKey.generate().base64]
            let first = try await ServeProcessTests.Server.start(database: test.urlText, environment: environment, workingDirectory: folder)
            let second = try await ServeProcessTests.Server.start(
                database: test.urlText, environment: environment, workingDirectory: folder)
            let id = try await Self.authorizedConnection(on: first, callbackAt: second, authorizationServer: authorizationServer)
            try await Task.sleep(for: .milliseconds(2300))

            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for index in 0..<1000 {
                    let server = index.isMultiple(of: 2) ? first : second
                    group.addTask { try await server.request(.GET, "/api/v1/connections/\(id)/proxy/me", timeout: 90).status }
                }
                return try await group.reduce(into: [UInt: Int]()) { $0[$1, default: 0] += 1 }
            }
            #expect(statuses == [200: 1000])
            #expect(try await OAuthFlowTests.stats(authorizationServer).refresh_token == 1)
            #expect(try await first.stop() == 0)
            #expect(try await second.stop() == 0)
            try await test.destroy()
        }
    }

    @Test("a refreshed token stored just before the process is killed is used after restart, not refreshed again")
    func crashAfterSave() async throws {
        let folder = try ServeProcessTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await OAuthFlowTests.authorizationServer(accessTokenSeconds: 1) { authorizationServer in
            let environment = ["JUNCTION_ADMIN_TOKEN": Self.token]
            let first = try await ServeProcessTests.Server.start(environment: environment, workingDirectory: folder)
            let id = try await Self.authorizedConnection(on: first, callbackAt: first, authorizationServer: authorizationServer)
            #expect(try await first.stop() == 0)
            try await Task.sleep(for: .milliseconds(1200))

            let doomed = try await ServeProcessTests.Server.start(
                environment: environment, workingDirectory: folder, extraArguments: ["--test-crash-point", "after-token-save"])
            _ = try? await doomed.request(.GET, "/api/v1/connections/\(id)/proxy/me")
            let status = try await doomed.process.wait(timeout: .seconds(10))
            #expect(status != 0, "the process was killed mid-refresh")
            #expect(try await OAuthFlowTests.stats(authorizationServer).refresh_token == 1)

            let restarted = try await ServeProcessTests.Server.start(environment: environment, workingDirectory: folder)
            #expect(try await restarted.request(.GET, "/api/v1/connections/\(id)/proxy/me").status == 200)
            #expect(try await OAuthFlowTests.stats(authorizationServer).refresh_token == 1, "the stored, rotated token was used")
            #expect(try await restarted.stop() == 0)
        }
    }
}
