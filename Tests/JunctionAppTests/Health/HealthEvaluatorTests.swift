import Foundation
import JunctionApp
import JunctionCore
import JunctionStore
import Testing

/// The health rules as a pure function: the window's error rate against the thresholds (with a minimum volume), the
/// probes, and the states that override both.
@Suite("Health evaluation")
struct HealthEvaluatorTests {
    static func verdict(
        calls: Int, errors: Int, probeFailures: Int = 0, status: String = "active", health: JSONValue = [:]
    ) throws -> HealthEvaluator.Verdict {
        HealthEvaluator.evaluate(
            settings: try HealthSettings(settings: ["health": health]), window: CallCounts(calls: calls, errors: errors),
            probeFailures: probeFailures, lastProbeError: probeFailures > 0 ? "GET /status answered 503" : nil, connectionStatus: status,
            statusReason: status == "active" ? nil : "invalid_grant")
    }

    @Test("the error rate against the thresholds, only with enough calls", arguments: [
        (9, 9, HealthState.healthy), (10, 1, .healthy), (10, 2, .degraded), (10, 7, .degraded), (10, 8, .down), (100, 100, .down),
    ])
    func errorRate(calls: Int, errors: Int, expected: HealthState) throws {
        let verdict = try Self.verdict(calls: calls, errors: errors)
        #expect(verdict.state == expected)
        #expect((verdict.cause == "error_rate") == (expected != .healthy))
        if expected != .healthy { #expect(verdict.detail == "\(errors) of \(calls) calls failed in the last 5m (\(Int((Double(errors) / Double(calls) * 100).rounded()))%)") }
    }

    @Test("one failed probe degrades, two mean down; a window already down keeps its cause")
    func probes() throws {
        #expect(try Self.verdict(calls: 0, errors: 0, probeFailures: 1) == .init(state: .degraded, cause: "probe", detail: "1 probe in a row failed: GET /status answered 503"))
        #expect(try Self.verdict(calls: 0, errors: 0, probeFailures: 2).state == .down)
        #expect(try Self.verdict(calls: 10, errors: 3, probeFailures: 2) == .init(state: .down, cause: "probe", detail: "2 probes in a row failed: GET /status answered 503"))
        #expect(try Self.verdict(calls: 10, errors: 3, probeFailures: 1).cause == "error_rate", "degraded already: the window's cause stands")
        #expect(try Self.verdict(calls: 10, errors: 9, probeFailures: 2).cause == "error_rate")
    }

    @Test("paused and refused credentials override what the calls say")
    func overrides() throws {
        #expect(try Self.verdict(calls: 10, errors: 10, health: ["paused": true]).state == .paused)
        let reauth = try Self.verdict(calls: 10, errors: 10, status: "reauthorization_required")
        #expect(reauth == .init(state: .needsReauth, cause: "reauthorization", detail: "invalid_grant"))
    }

    @Test("thresholds and volume come from the settings")
    func customThresholds() throws {
        let health: JSONValue = ["minimumCalls": 3, "degradedErrorRate": 0.5, "downErrorRate": 0.9, "window": "90s"]
        #expect(try Self.verdict(calls: 3, errors: 1, health: health).state == .healthy)
        #expect(try Self.verdict(calls: 3, errors: 2, health: health).detail == "2 of 3 calls failed in the last 90s (67%)")
        #expect(try Self.verdict(calls: 10, errors: 9, health: health).state == .down)
        let settings = try HealthSettings(settings: ["health": ["probeEvery": "2m", "window": 600]])
        #expect(settings.probeEvery == .seconds(120) && settings.window == .seconds(600))
    }
}

extension HealthEvaluatorTests {
    @Test("a connection down for its error rate stays down when the calls merely stop, and recovers on a probe or enough good calls")
    func recoveryNeedsEvidence() throws {
        let since = Date(timeIntervalSince1970: 1_000)
        let down = ConnectionHealth(connectionID: "conn_1", state: .down, cause: "error_rate", detail: "9 of 10 calls failed in the last 5m (90%)", since: since)
        let settings = try HealthSettings(settings: [:])
        func verdict(_ window: CallCounts, previous: ConnectionHealth) -> HealthEvaluator.Verdict {
            HealthEvaluator.evaluate(
                settings: settings, window: window, probeFailures: 0, lastProbeError: nil, connectionStatus: "active", statusReason: nil,
                previous: previous)
        }
        let quiet = verdict(CallCounts(calls: 2, errors: 0), previous: down)
        #expect(quiet.state == .down && quiet.detail?.contains("too few calls since (2 of 10)") == true)
        #expect(verdict(CallCounts(calls: 10, errors: 0), previous: down).state == .healthy)
        var probed = down
        (probed.lastProbeAt, probed.lastProbeSucceeded) = (since.addingTimeInterval(60), true)
        #expect(verdict(CallCounts(), previous: probed).state == .healthy)
        (probed.lastProbeAt, probed.lastProbeSucceeded) = (since.addingTimeInterval(-60), true)
        #expect(verdict(CallCounts(), previous: probed).state == .down, "a probe from before it went down says nothing")
        var probeCaused = down
        probeCaused.cause = "probe"
        #expect(verdict(CallCounts(), previous: probeCaused).state == .healthy, "a probe-caused state is judged by the probes")
    }
}
