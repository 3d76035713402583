import Foundation
import HTTPTypes
import HummingbirdTesting
import JunctionApp
import JunctionAuth
import JunctionCore
import JunctionHTTP
import JunctionServer
import JunctionStore
import JunctionTestSupport
import SQLKit
import Testing

/// The health monitor end to end: calls through the proxy to httpbin's `/status/N` and probes of the fault server
/// move connections between states; alerts, outbound messages, operational events, syncs paused and resumed, and
/// metrics follow. Ticks take an injected clock, so a window passes without waiting for it.
@Suite("Connection health", .enabled(if: PythonPeer.isAvailable))
struct HealthMonitorTests {
    static func api(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil,
        expect status: HTTPResponse.Status = .ok, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let response = try await client.execute(uri: uri, method: method, headers: ServerTestHarness.authorized, body: body.map { .json($0) })
        #expect(response.status == status, "\(method) \(uri): \(response.text)", sourceLocation: sourceLocation)
        return (try? JSONValue.parse(response.text)) ?? .null
    }

    /// The outbound messages published so far, by type.
    static func messages(_ database: Database) async throws -> [String] {
        try await database.withSQL { sql in
            try await sql.raw("SELECT event_type FROM webhook_messages ORDER BY id").all().map { try $0.decode(column: "event_type", as: String.self) }
        }
    }

    static func proxyCalls(_ client: any TestClientProtocol, connection: String, status: Int, count: Int) async throws {
        for _ in 0..<count {
            _ = try await client.execute(uri: "/api/v1/connections/\(connection)/proxy/status/\(status)", method: .get, headers: ServerTestHarness.authorized)
        }
    }

    @Test("a failing provider goes degraded then down within its window, with one alert and one message per change; it recovers, resolves the alert and says so", arguments: TestEngine.available)
    func failingProvider(engine: TestEngine) async throws {
        try await PythonPeer.with("serve_httpbin.py") { (httpbin: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(engine, allowPrivateEndpoints: true) { harness, client in
                let connection = try #require(
                    try await Self.api(
                        client, .post, "/api/v1/connections",
                        #"{"provider": "rest", "name": "httpbin", "settings": {"baseURL": "\#(httpbin.baseURL)", "health": {"window": "1m", "minimumCalls": 5, "degradedErrorRate": 0.2, "downErrorRate": 0.8, "probeEvery": "1h", "probePath": "/status/200"}}}"#,
                        expect: .created)["id"]?.stringValue)
                let monitor = harness.services.healthMonitor(logger: TestDatabase.logger)
                let start = Date()
                #expect(try await monitor.tick(now: start).isEmpty)

                try await Self.proxyCalls(client, connection: connection, status: 200, count: 8)
                try await Self.proxyCalls(client, connection: connection, status: 500, count: 2)
                let degraded = try await monitor.tick(now: start.addingTimeInterval(1))
                #expect(degraded.map(\.state) == [.degraded] && degraded.first?.cause == "error_rate")

                try await Self.proxyCalls(client, connection: connection, status: 503, count: 40)
                let down = try await monitor.tick(now: start.addingTimeInterval(2))
                #expect(down.map(\.state) == [.down])
                #expect(try await monitor.tick(now: start.addingTimeInterval(3)).isEmpty, "no change, no message")

                let report = try await Self.api(client, .get, "/api/v1/connections/\(connection)/health")
                #expect(report["state"] == "down" && report["cause"] == "error_rate")
                #expect(report["window"]?["calls"] == 50 && report["window"]?["errors"] == 42)
                #expect(report["detail"]?.stringValue?.contains("42 of 50 calls failed in the last 1m") == true, "\(report)")
                let alerts = try await Self.api(client, .get, "/api/v1/alerts?connectionId=\(connection)")["data"]?.arrayValue ?? []
                #expect(alerts.count == 1, "one alert for the cause, not one per change")
                #expect(alerts.first?["severity"] == "critical" && alerts.first?["occurrences"] == 2 && alerts.first?["status"] == "open")
                let alertID = try #require(alerts.first?["id"]?.stringValue)
                let acknowledged = try await Self.api(client, .post, "/api/v1/alerts/\(alertID)/acknowledge?by=ada")
                #expect(acknowledged["status"] == "acknowledged" && acknowledged["acknowledgedBy"] == "ada")
                #expect(try await Self.messages(harness.database) == ["connection.health.degraded", "connection.health.down"])

                // The failures age out of the window and a probe succeeds: recovered. Two minutes pass for the
                // host's circuit breaker too (the failures above opened it): its half-open trial call succeeds.
                let later = start.addingTimeInterval(120)
                let breakers = harness.services.apiClient.breakers
                #expect(breakers.permission(host: "127.0.0.1", at: .now + .seconds(120)) == .probe)
                breakers.record(host: "127.0.0.1", success: true, at: .now + .seconds(120))
                try await HealthRepository(database: harness.database).scheduleProbe(connectionID: connection, at: later)
                let recovered = try await monitor.tick(now: later)
                #expect(recovered.map(\.state) == [.healthy])
                let resolved = try await Self.api(client, .get, "/api/v1/alerts/\(alertID)")
                #expect(resolved["status"] == "resolved" && resolved["resolvedAt"] != nil)
                #expect(try await Self.messages(harness.database).last == "connection.health.recovered")
                let afterwards = try await Self.api(client, .get, "/api/v1/connections/\(connection)/health")
                #expect(afterwards["probe"]?["succeeded"] == true)
                #expect(afterwards["history"]?.arrayValue?.compactMap { $0["state"]?.stringValue } == ["healthy", "down", "degraded"])
                let events = try await Self.api(client, .get, "/api/v1/operational-events?connectionId=\(connection)&type=connection.health.down")
                #expect(events["data"]?.arrayValue?.count == 1)

                // A probe that keeps failing: degraded after one, down after two.
                _ = try await Self.api(
                    client, .patch, "/api/v1/connections/\(connection)", #"{"settings": {"health": {"probePath": "/status/503"}}}"#)
                for (offset, expected) in [(200.0, HealthState.degraded), (300.0, .down)] {
                    try await HealthRepository(database: harness.database).scheduleProbe(connectionID: connection, at: start.addingTimeInterval(offset))
                    let changes = try await monitor.tick(now: start.addingTimeInterval(offset))
                    #expect(changes.map(\.state) == [expected] && changes.first?.cause == "probe", "\(changes)")
                }

                let metrics = try await client.execute(uri: "/metrics", method: .get)
                #expect(metrics.text.contains(#"junction_connection_health{connection="\#(connection)",provider="rest",state="down"} 1"#), "\(metrics.text.prefix(3000))")
                #expect(metrics.text.contains(#"junction_connections_by_health{provider="rest",state="down"} 1"#))
            }
        }
    }

    @Test("two nodes probe a connection once per interval between them", arguments: TestEngine.available)
    func oneProberAcrossNodes(engine: TestEngine) async throws {
        try await PythonPeer.with("fault_server.py") { (faults: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(engine, allowPrivateEndpoints: true) { harness, client in
                let key = "probe-\(UUID().uuidString.prefix(8))"
                let connection = try #require(
                    try await Self.api(
                        client, .post, "/api/v1/connections",
                        #"{"provider": "rest", "name": "faults", "settings": {"baseURL": "\#(faults.baseURL)", "health": {"probeEvery": "5s", "probePath": "/flaky?key=\#(key)&fail=0"}}}"#,
                        expect: .created)["id"]?.stringValue)
                var one = HealthMonitor.Configuration()
                one.node = "node-a"
                var two = HealthMonitor.Configuration()
                two.node = "node-b"
                let nodes = [harness.services.healthMonitor(logger: TestDatabase.logger, configuration: one),
                             harness.services.healthMonitor(logger: TestDatabase.logger, configuration: two)]
                let start = Date()
                _ = try await nodes[0].tick(now: start)
                try await HealthRepository(database: harness.database).scheduleProbe(connectionID: connection, at: start)
                for interval in 0..<4 {
                    let now = start.addingTimeInterval(Double(interval) * 6)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for node in nodes { group.addTask { _ = try await node.tick(now: now) } }
                        try await group.waitForAll()
                    }
                }
                let ledger = try JSONValue.parse(try await PeerHTTP.get("\(faults.baseURL)/ledger?key=\(key)"))
                #expect(ledger["attempts"]?.arrayValue?.count == 4, "\(ledger)")
            }
        }
    }

    @Test("refused credentials (invalid_grant) mean needs_reauth: the connection's syncs pause, and resume once it is authorized again", arguments: TestEngine.available)
    func reauthorizationPausesSyncs(engine: TestEngine) async throws {
        try await PythonPeer.with("sync_fixture.py") { (ledger: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(engine, catalog: SyncTests.catalog) { harness, client in
                let connection = try #require(
                    try await Self.api(
                        client, .post, "/api/v1/connections",
                        #"{"provider": "ledger", "name": "Ledger", "settings": {"baseURL": "\#(ledger.baseURL)"}, "credentials": {"apiKey": "ledger-fixture-token"}}"#,
                        expect: .created)["id"]?.stringValue)
                let sync = try #require(
                    try await Self.api(
                        client, .post, "/api/v1/syncs", #"{"connectionId": "\#(connection)", "resource": "accounts", "schedule": {"every": "1h"}}"#, expect: .created
                    )["id"]?.stringValue)
                let monitor = harness.services.healthMonitor(logger: TestDatabase.logger)
                _ = try await monitor.tick()
                // What the token manager does when the provider answers a refresh with invalid_grant.
                try await harness.services.tokens.requireReauthorization(connection, reason: "the provider rejected the refresh (invalid_grant)")
                let changes = try await monitor.tick()
                #expect(changes.map(\.state) == [.needsReauth])
                let paused = try await Self.api(client, .get, "/api/v1/syncs/\(sync)")
                #expect(paused["paused"] == true && paused["statusReason"]?.stringValue == HealthMonitor.awaitingRecovery, "\(paused)")
                #expect(try await Self.messages(harness.database) == ["connection.reauthorization_required"])

                try await ConnectionRepository(database: harness.database).setStatus(id: connection, status: "active", reason: nil)
                #expect(try await monitor.tick().map(\.state) == [.healthy])
                let resumed = try await Self.api(client, .get, "/api/v1/syncs/\(sync)")
                #expect(resumed["paused"] == false, "\(resumed)")
                #expect(try await Self.messages(harness.database).last == "connection.health.recovered")
            }
        }
    }

    @Test("health settings are checked when saved; bad alert and event queries are refused", arguments: TestEngine.available)
    func badInput(engine: TestEngine) async throws {
        try await ServerTestHarness.with(engine) { _, client in
            let refusals: [(String, String)] = [
                (#"{"probeEvery": "1s"}"#, "at least 5s"),
                (#"{"window": "forever"}"#, "duration"),
                (#"{"minimumCalls": 0}"#, "minimumCalls"),
                (#"{"degradedErrorRate": 0.9, "downErrorRate": 0.5}"#, "must not be above"),
                (#"{"downErrorRate": 2}"#, "at most 1"),
                (#"{"probePath": "https://elsewhere.example/x"}"#, "probePath"),
                (#"{"probeEvry": "60s"}"#, "is not a health setting"),
            ]
            for (health, fragment) in refusals {
                let refused = try await Self.api(
                    client, .post, "/api/v1/connections",
                    #"{"provider": "rest", "name": "x", "settings": {"baseURL": "https://api.example.com", "health": \#(health)}}"#,
                    expect: .badRequest)
                #expect(refused["detail"]?.stringValue?.contains(fragment) == true, "\(health): \(refused)")
            }
            #expect(try await Self.api(client, .get, "/api/v1/connections")["data"]?.arrayValue?.isEmpty == true)
            _ = try await Self.api(client, .get, "/api/v1/alerts?status=sleeping", expect: .badRequest)
            _ = try await Self.api(client, .post, "/api/v1/alerts/alrt_nope/acknowledge", expect: .notFound)
            _ = try await Self.api(client, .get, "/api/v1/connections/conn_nope/health", expect: .notFound)
            _ = try await Self.api(client, .get, "/api/v1/operational-events?type=no%20spaces", expect: .badRequest)
        }
    }
}

/// API versions seen in providers' answers, end to end: httpbin's `/response-headers` sends the Deprecation, Sunset
/// and Link headers a retiring API sends.
@Suite("API version notices", .enabled(if: PythonPeer.isAvailable))
struct APIVersionNoticeTests {
    @Test("a Sunset header on a provider's answer shows in the versions view and raises the alert at 90, 30 and 7 days", arguments: TestEngine.available)
    func sunsetAlerts(engine: TestEngine) async throws {
        try await PythonPeer.with("serve_httpbin.py") { (httpbin: PythonPeer) async throws -> Void in
            try await ServerTestHarness.with(engine, allowPrivateEndpoints: true) { harness, client in
                let connection = try #require(
                    try await HealthMonitorTests.api(
                        client, .post, "/api/v1/connections",
                        #"{"provider": "rest", "name": "Legacy API", "settings": {"baseURL": "\#(httpbin.baseURL)", "apiVersion": "2023-01"}}"#,
                        expect: .created)["id"]?.stringValue)
                let sunset = "Sun, 31 Jan 2027 23:59:59 GMT"
                let query = "Sunset=\(sunset.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&Deprecation=%401767225600"
                    + "&Link=%3Chttps%3A%2F%2Fapi.example.com%2Fmigrate%3E%3B%20rel%3D%22deprecation%22"
                let answer = try await client.execute(
                    uri: "/api/v1/connections/\(connection)/proxy/response-headers?\(query)", method: .get, headers: ServerTestHarness.authorized)
                #expect(answer.status == .ok, "\(answer.text)")
                _ = try await client.execute(uri: "/api/v1/connections/\(connection)/proxy/get", method: .get, headers: ServerTestHarness.authorized)

                let monitor = harness.services.healthMonitor(logger: TestDatabase.logger)
                let sunsetDate = Date(timeIntervalSince1970: 1_801_439_999)
                _ = try await monitor.tick(now: sunsetDate.addingTimeInterval(-200 * 86_400))
                let versions = try await HealthMonitorTests.api(client, .get, "/api/v1/connections/\(connection)/versions")
                #expect(versions["inUse"] == "2023-01" && versions["pinnedBy"] == "connection")
                let version = try #require(versions["versions"]?.arrayValue?.first)
                #expect(version["deprecated"] == true && version["source"] == "headers" && version["link"] == "https://api.example.com/migrate")
                #expect(version["sunsetAt"] == "2027-01-31T23:59:59Z", "\(version)")
                #expect(version["endpoints"]?.arrayValue?.compactMap { $0["endpoint"]?.stringValue } == ["GET /response-headers"])
                #expect(try await HealthMonitorTests.api(client, .get, "/api/v1/alerts?connectionId=\(connection)")["data"]?.arrayValue?.isEmpty == true)

                var seen: [(String, Int)] = []
                for daysBefore: Double in [89.5, 60, 29.5, 20, 6.5, 1] {
                    _ = try await monitor.tick(now: sunsetDate.addingTimeInterval(-daysBefore * 86_400))
                    let alerts = try await HealthMonitorTests.api(client, .get, "/api/v1/alerts?connectionId=\(connection)")["data"]?.arrayValue ?? []
                    #expect(alerts.count == 1, "one alert for the version")
                    if let alert = alerts.first { seen.append((alert["severity"]?.stringValue ?? "", Int(alert["occurrences"]?.doubleValue ?? 0))) }
                }
                #expect(seen.map(\.1) == [1, 1, 2, 2, 3, 3], "raised at 90, 30 and 7 days, once each: \(seen)")
                #expect(seen.map(\.0) == ["warning", "warning", "warning", "warning", "critical", "critical"])
                let alert = try #require(try await HealthMonitorTests.api(client, .get, "/api/v1/alerts?connectionId=\(connection)")["data"]?.arrayValue?.first)
                #expect(alert["cause"] == "sunset:2023-01" && alert["title"]?.stringValue?.contains("retired on 2027-01-31") == true, "\(alert)")

                // Pinning a newer version resolves the old version's alert.
                _ = try await HealthMonitorTests.api(client, .patch, "/api/v1/connections/\(connection)", #"{"settings": {"apiVersion": "2025-01"}}"#)
                _ = try await monitor.tick(now: sunsetDate.addingTimeInterval(-86_400 / 2))
                let resolved = try await HealthMonitorTests.api(client, .get, "/api/v1/alerts/\(alert["id"]?.stringValue ?? "")")
                #expect(resolved["status"] == "resolved")
            }
        }
    }
}
