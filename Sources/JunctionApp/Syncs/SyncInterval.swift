/// A sync's schedule as people write it: `30s`, `15m`, `2h`, `1d`, or a whole number of seconds.
public enum SyncInterval {
    /// The shortest schedule: more often than this, a provider's rate limits are better spent on webhooks.
    public static let minimumSeconds: Int64 = 30
    /// The longest schedule.
    public static let maximumSeconds: Int64 = 30 * 86_400

    /// The seconds `text` stands for, or an error naming what is accepted.
    public static func seconds(_ text: String) throws(ApplicationError) -> Int64 {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var digits = Substring(text)
        var unit: Int64 = 1
        if let last = text.last, let factor = units[last] {
            digits = text.dropLast()
            unit = factor
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let count = Int64(digits), count > 0,
            count <= maximumSeconds / unit
        else {
            throw .invalid(
                "field 'schedule.every' must be a duration such as 30s, 15m, 2h or 1d (got '\(text.prefix(32))')", code: "invalid-field")
        }
        let seconds = count * unit
        guard seconds >= minimumSeconds else {
            throw .invalid("field 'schedule.every' must be at least 30s: syncs more often than that use webhooks (realtime: true)",
                code: "schedule-too-short")
        }
        return seconds
    }

    /// `seconds` as the API shows it: the largest unit that divides it.
    public static func text(_ seconds: Int64) -> String {
        for (unit, factor) in [("d", Int64(86_400)), ("h", 3600), ("m", 60)] where seconds % factor == 0 {
            return "\(seconds / factor)\(unit)"
        }
        return "\(seconds)s"
    }
}
