import Foundation
import JunctionApp
import JunctionConnectors
import JunctionCore
import JunctionStore
import Testing

/// A connection's API versions: what answers said per endpoint, the provider's schedule where they said nothing, who
/// pins the version, and the alert thresholds.
@Suite("API version status")
struct APIVersionStatusTests {
    static let now = Date(timeIntervalSince1970: 1_796_515_200)  // 2026-12-06

    static func connection(provider: String, version: String? = nil, integration: Bool = false) -> ConnectionRecord {
        ConnectionRecord(
            id: "conn_1", provider: provider, name: "x", settings: version.map { ["apiVersion": .string($0)] } ?? [:], createdAt: now, updatedAt: now,
            integrationID: integration ? "int_1" : nil)
    }

    @Test("Salesforce's schedule: 21.0–30.0 retired in Summer '25, 31.0–40.0 deprecated Summer '27 and retired Summer '28, 62.0 fine")
    func salesforceSchedule() throws {
        let retired = APIVersionStatus.make(connection: Self.connection(provider: "salesforce", version: "30.0"), integrationSettings: nil, defaultVersion: "62.0", notices: [], at: Self.now)
        let thirty = try #require(retired.versions.first)
        #expect(retired.inUse == "30.0" && retired.pinnedBy == "connection" && thirty.deprecated)
        #expect(thirty.daysLeft(at: Self.now).map { $0 < 0 } == true && thirty.source?.contains("salesforce.com") == true)
        let later = try #require(
            APIVersionStatus.make(connection: Self.connection(provider: "salesforce", version: "35.0"), integrationSettings: nil, defaultVersion: nil, notices: [], at: Self.now).versions.first)
        #expect(!later.deprecated && later.daysLeft(at: Self.now).map { (540...560).contains($0) } == true)
        let current = APIVersionStatus.make(connection: Self.connection(provider: "salesforce"), integrationSettings: nil, defaultVersion: "62.0", notices: [], at: Self.now)
        #expect(current.inUse == "62.0" && current.pinnedBy == "provider" && current.versions.first?.sunsetAt == nil)
    }

    @Test("headers win over the schedule, the earliest sunset among endpoints counts, and the integration's pin applies")
    func fromHeaders() throws {
        let sunset = Self.now.addingTimeInterval(20 * 86_400)
        let notices = [
            APIVersionNotice(key: .init(connectionID: "conn_1", version: "2023-01", endpoint: "GET /v1/a"), notice: DeprecationNotice(deprecated: true, sunsetAt: sunset.addingTimeInterval(86_400)), seenAt: Self.now),
            APIVersionNotice(key: .init(connectionID: "conn_1", version: "2023-01", endpoint: "GET /v1/b"), notice: DeprecationNotice(deprecated: true, sunsetAt: sunset, link: "https://x.example"), seenAt: Self.now),
            APIVersionNotice(key: .init(connectionID: "conn_2", version: "2023-01", endpoint: "GET /v1/c"), notice: DeprecationNotice(deprecated: true), seenAt: Self.now),
        ]
        let status = APIVersionStatus.make(
            connection: Self.connection(provider: "stripe", integration: true), integrationSettings: ["apiVersion": "2023-01"], defaultVersion: "2024-06-20",
            notices: notices, at: Self.now)
        #expect(status.inUse == "2023-01" && status.pinnedBy == "integration")
        let version = try #require(status.versions.first)
        #expect(version.endpoints.map(\.endpoint) == ["GET /v1/a", "GET /v1/b"] && version.sunsetAt == sunset && version.daysLeft(at: Self.now) == 20)
        #expect(version.source == "headers" && version.link == "https://x.example")
    }

    @Test("alerts at 90, 30 and 7 days before the sunset, and once it is past", arguments: [
        (400, nil), (91, nil), (90, 90), (31, 90), (30, 30), (8, 30), (7, 7), (1, 7), (0, 0), (-5, 0),
    ] as [(Int, Int?)])
    func thresholds(daysLeft: Int, expected: Int?) {
        #expect(APIVersionStatus.threshold(daysLeft: daysLeft) == expected)
    }
}
