import Foundation
import HTTPTypes
import HummingbirdTesting
import JunctionCore
@testable import JunctionServer
import JunctionTestSupport
import Logging
import Testing

/// Every response names its request (`X-Request-Id`), and `--log-format json` writes one parseable object per line.
@Suite("Request ids and JSON logs")
struct RequestIDAndLogFormatTests {
    static let header = HTTPField.Name("X-Request-Id")!

    @Test("every response carries a request id: the caller's when usable, else the server's, on errors too")
    func requestIDs() async throws {
        try await ServerTestHarness.with(.sqlite) { _, client in
            var seen: Set<String> = []
            for (uri, headers, status) in [
                ("/health/live", HTTPFields(), HTTPResponse.Status.ok), ("/api/v1/connections", HTTPFields(), .unauthorized),
                ("/api/v1/connections/conn_nope", ServerTestHarness.authorized, .notFound), ("/nowhere", HTTPFields(), .notFound),
            ] {
                let response = try await client.execute(uri: uri, method: .get, headers: headers)
                #expect(response.status == status)
                let id = try #require(response.headers[Self.header], "\(uri) has no request id")
                #expect(!id.isEmpty && !seen.contains(id))
                seen.insert(id)
            }
            var own = ServerTestHarness.authorized
            own[Self.header] = "trace-42.a_b:c"
            #expect(try await client.execute(uri: "/api/v1/connections", method: .get, headers: own).headers[Self.header] == "trace-42.a_b:c")
            var unusable = HTTPFields()
            unusable[Self.header] = "no spaces or <markup> allowed"
            let replaced = try await client.execute(uri: "/health/live", method: .get, headers: unusable).headers[Self.header]
            #expect(replaced != nil && replaced != "no spaces or <markup> allowed")
        }
    }

    @Test("a JSON log line holds the time, level, label, message, source and metadata")
    func jsonLines() throws {
        let line = JSONLogHandler.line(
            time: Date(timeIntervalSince1970: 1_796_515_200.25), level: .warning, label: "junction", message: "sync paused \"x\"",
            source: "JunctionApp", metadata: ["sync": "sync_1", "count": .stringConvertible(3), "tags": ["a", "b"], "message": "not this one"])
        let object = try JSONValue.parse(line)
        #expect(object["time"] == "2026-12-06T00:00:00.250Z")
        #expect(object["level"] == "warning" && object["label"] == "junction" && object["source"] == "JunctionApp")
        #expect(object["message"] == "sync paused \"x\"")
        #expect(object["sync"] == "sync_1" && object["count"] == "3" && object["tags"] == ["a", "b"])
        #expect(!line.contains("\n"))
    }
}
