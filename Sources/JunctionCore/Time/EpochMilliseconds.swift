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
}
