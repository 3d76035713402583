import Foundation

/// Times are stored as integer milliseconds since 1970 on both database engines: the one column type that
/// compares, indexes and round-trips identically in SQLite and PostgreSQL.
public typealias EpochMilliseconds = Int64

extension Date {
    /// This date in the store's time representation.
    public var epochMilliseconds: EpochMilliseconds {
        EpochMilliseconds((timeIntervalSince1970 * 1000).rounded())
    }

    /// A date from the store's time representation.
    public init(epochMilliseconds: EpochMilliseconds) {
        self.init(timeIntervalSince1970: Double(epochMilliseconds) / 1000)
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// The duration in seconds, fractions included.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

extension Duration {
    /// A duration from untrusted seconds (a header, a setting): NaN and negatives become zero, and anything over
    /// `maximum` (30 days by default) is cut to it, so no input can overflow a conversion and stop the process.
    public static func clampedSeconds(_ seconds: Double, maximum: Double = 30 * 86_400) -> Duration {
        guard seconds.isFinite || seconds == .infinity else { return .zero }
        let bounded = min(max(seconds, 0), maximum)
        return .milliseconds(Int64((bounded * 1000).rounded()))
    }
}
