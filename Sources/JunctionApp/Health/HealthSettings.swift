import Foundation
import JunctionCore

/// How a connection's health is judged and probed: `settings.health` of its integration, with the connection's own
/// members over them.
///
///     "health": {"probeEvery": "60s", "window": "5m", "minimumCalls": 10, "degradedErrorRate": 0.2,
///                "downErrorRate": 0.8, "probePath": "/status", "paused": false}
public struct HealthSettings: Sendable, Equatable {
    /// How often the connection is probed (at least 5 s; jitter of up to a tenth is added).
    public var probeEvery: Duration = .seconds(60)
    /// How far back the calls made through it are counted.
    public var window: Duration = .seconds(300)
    /// Fewer calls than this in the window say nothing (a probe still does).
    public var minimumCalls: Int = 10
    /// The share of failed calls that makes it `degraded`.
    public var degradedErrorRate: Double = 0.2
    /// The share of failed calls that makes it `down`.
    public var downErrorRate: Double = 0.8
    /// For `rest` and `oauth2` connections, the path a probe reads (`GET`); others use their connector's probe.
    public var probePath: String?
    /// Monitoring paused: no probes, no alerts, state `paused`.
    public var paused = false

    /// The shortest probe interval.
    public static let minimumProbeInterval: Duration = .seconds(5)

    /// The defaults.
    public init() {}

    /// Reads `settings.health`; errors name the member and say what it takes.
    public init(settings: JSONValue) throws(ApplicationError) {
        guard let health = settings["health"] else { return }
        guard let members = health.objectValue else { throw Self.invalid("health", "must be an object") }
        let known: Set = ["probeEvery", "window", "minimumCalls", "degradedErrorRate", "downErrorRate", "probePath", "paused"]
        if let unknown = members.keys.filter({ !known.contains($0) }).sorted().first {
            throw Self.invalid("health.\(unknown)", "is not a health setting; they are \(known.sorted().joined(separator: ", "))")
        }
        if let value = members["probeEvery"] {
            probeEvery = try Self.duration(value, member: "probeEvery")
            guard probeEvery >= Self.minimumProbeInterval else { throw Self.invalid("health.probeEvery", "must be at least 5s") }
        }
        if let value = members["window"] {
            window = try Self.duration(value, member: "window")
            guard window >= .seconds(10), window <= .seconds(86_400) else { throw Self.invalid("health.window", "must be from 10s to 24h") }
        }
        if let value = members["minimumCalls"] {
            guard case .number(let number) = value, number >= 1, number <= 1_000_000, number == number.rounded() else {
                throw Self.invalid("health.minimumCalls", "must be a whole number from 1 to 1000000")
            }
            minimumCalls = Int(number)
        }
        for (member, keyPath) in [("degradedErrorRate", \HealthSettings.degradedErrorRate), ("downErrorRate", \HealthSettings.downErrorRate)] {
            guard let value = members[member] else { continue }
            guard case .number(let rate) = value, rate > 0, rate <= 1 else { throw Self.invalid("health.\(member)", "must be a number above 0 and at most 1") }
            self[keyPath: keyPath] = rate
        }
        guard degradedErrorRate <= downErrorRate else {
            throw Self.invalid("health.degradedErrorRate", "must not be above health.downErrorRate")
        }
        if let value = members["probePath"] {
            guard let path = value.stringValue, path.hasPrefix("/"), path.count <= 500, !path.contains("://"),
                !path.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { throw Self.invalid("health.probePath", "must be a path starting with '/'") }
            probePath = path
        }
        if let value = members["paused"] {
            guard case .bool(let flag) = value else { throw Self.invalid("health.paused", "must be true or false") }
            paused = flag
        }
    }

    /// `"90s"`, `"5m"`, `"1h"`, or a number of seconds.
    static func duration(_ value: JSONValue, member: String) throws(ApplicationError) -> Duration {
        if case .number(let seconds) = value, seconds > 0, seconds <= 86_400 { return .milliseconds(Int64(seconds * 1000)) }
        guard let text = value.stringValue, let unit = text.last, let amount = Double(text.dropLast()), amount > 0 else {
            throw invalid("health.\(member)", "must be a duration like \"30s\", \"5m\" or \"1h\"")
        }
        let factor: Double? = ["s": 1, "m": 60, "h": 3600][unit]
        guard let factor, amount * factor <= 86_400 else { throw invalid("health.\(member)", "must be a duration like \"30s\", \"5m\" or \"1h\", at most 24h") }
        return .milliseconds(Int64(amount * factor * 1000))
    }

    private static func invalid(_ member: String, _ rule: String) -> ApplicationError {
        .invalid("field 'settings.\(member)' \(rule)", code: "invalid-field")
    }
}
