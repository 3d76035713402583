import Foundation
import JunctionConnectors
import JunctionCore
import Testing

/// The record times syncs read, in every form providers write them.
@Suite("Provider times")
struct ProviderTimeTests {
    static let noon = Date(timeIntervalSince1970: 1_714_564_800)  // 2024-05-01T12:00:00Z

    @Test(
        "Each provider's form reads as the same instant",
        arguments: [
            "2024-05-01T12:00:00Z", "2024-05-01t12:00:00z", "2024-05-01T12:00:00.000Z", "2024-05-01T12:00:00.000+0000",
            "2024-05-01T14:00:00+02:00", "2024-05-01T07:00:00-0500", "2024-05-01 12:00:00", "1714564800",
        ])
    func forms(text: String) {
        #expect(ProviderTime.parse(text) == Self.noon, "\(text)")
    }

    @Test("Fractions, numbers and milliseconds")
    func numbers() throws {
        let fraction = try #require(ProviderTime.parse("2024-05-01 12:00:00.123456"))
        #expect(abs(fraction.timeIntervalSince(Self.noon) - 0.123456) < 1e-6)
        #expect(ProviderTime.parse(JSONValue.integer(exactly: 1_714_564_800)) == Self.noon)
        #expect(ProviderTime.parse(JSONValue.number(1_714_564_800_000)) == Self.noon)
        #expect(ProviderTime.parse("2000-02-29T00:00:00Z") == Date(timeIntervalSince1970: 951_782_400))
        #expect(ProviderTime.parse("1969-12-31T23:59:59Z") == Date(timeIntervalSince1970: -1))
    }

    @Test("What is not a time is nil", arguments: ["", "yesterday", "2024-13-01T00:00:00Z", "2024-05-01T25:00:00Z", "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00Zjunk", "2024-05-01"])
    func notTimes(text: String) {
        #expect(ProviderTime.parse(text) == nil, "\(text)")
    }
}
