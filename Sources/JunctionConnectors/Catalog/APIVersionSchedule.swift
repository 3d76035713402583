import Foundation

/// Providers' published retirement schedules of their API versions, for the providers whose answers carry no
/// `Deprecation` or `Sunset` header. Dates are the release the provider names (Salesforce retires versions with its
/// Summer releases, in June); the day is that release's first production weekend, so treat it as the month's.
public enum APIVersionSchedule {
    /// A version's place in its provider's schedule.
    public struct Lifecycle: Sendable, Equatable {
        /// When it was (or will be) deprecated: supported no more, still working.
        public var deprecatedAt: Date?
        /// When it stops working.
        public var sunsetAt: Date?
        /// The provider document the dates come from.
        public var source: String
    }

    /// The lifecycle of `version` of `provider`'s API, `nil` when the schedule says nothing of it.
    public static func lifecycle(provider: String, version: String) -> Lifecycle? {
        switch provider {
        case "salesforce": salesforce(version)
        default: nil
        }
    }

    /// Salesforce: versions 7.0–20.0 retired in Summer '22; 21.0–30.0 deprecated in Summer '22 and retired in Summer
    /// '25; 31.0–40.0 deprecated in Summer '27 and retired in Summer '28.
    static func salesforce(_ version: String) -> Lifecycle? {
        let number = Double(version.hasPrefix("v") ? String(version.dropFirst()) : version) ?? 0
        let source = "https://help.salesforce.com/s/articleView?id=005321531 (Platform API versions 31.0 through 40.0 retirement)"
        switch number {
        case 7..<21: return Lifecycle(deprecatedAt: day(2022, 6, 11), sunsetAt: day(2022, 6, 11), source: source)
        case 21..<31: return Lifecycle(deprecatedAt: day(2022, 6, 11), sunsetAt: day(2025, 6, 14), source: source)
        case 31..<41: return Lifecycle(deprecatedAt: day(2027, 6, 12), sunsetAt: day(2028, 6, 10), source: source)
        default: return nil
        }
    }

    private static func day(_ year: Int, _ month: Int, _ day: Int) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        return calendar.date(from: DateComponents(year: year, month: month, day: day))
    }
}
