import Foundation
import JunctionApp

/// A time given to a CLI option (`--since`, `--until`): RFC 3339 (`2024-05-01T12:00:00Z`), Unix seconds, or a span
/// back from now (`90s`, `30m`, `6h`, `7d`), which is what "retry everything that failed in the last hour" needs.
enum TimeOption {
    /// The time `text` names, or a ``CLIError`` naming `option`.
    static func parse(_ text: String, option: String, now: Date = Date()) throws -> Date {
        if let date = TimeParameter.date(from: text) { return date }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        if let unit = text.last.flatMap({ units[$0] }), let count = Int(text.dropLast()), count >= 0, count <= 36_500 * 86_400 {
            return now.addingTimeInterval(-Double(count) * unit)
        }
        throw CLIError("\(option) must be an RFC 3339 time (2024-05-01T12:00:00Z), Unix seconds, or a span back from now (30m, 6h, 7d), not '\(text)'")
    }
}
