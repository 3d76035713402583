import Foundation
import JunctionApp
import Testing

@Suite("Time parameters")
struct TimeParameterTests {
    @Test("RFC 3339 with any offset or fraction, and Unix seconds, name the same instant")
    func forms() throws {
        let instant = Date(timeIntervalSince1970: 1_714_564_800)  // 2024-05-01T12:00:00Z
        for text in ["1714564800", "2024-05-01T12:00:00Z", "2024-05-01t12:00:00z", "2024-05-01T14:30:00+02:30", "2024-05-01T01:00:00-11:00"] {
            #expect(TimeParameter.date(from: text) == instant, "\(text)")
        }
        let fractional = try #require(TimeParameter.date(from: "2024-05-01T12:00:00.250Z"))
        #expect(abs(fractional.timeIntervalSince(instant) - 0.25) < 0.000_001)
    }

    @Test("a day past the end of its month counts on; times are clamped to 1970 through 9999")
    func lenientAndClamped() {
        #expect(TimeParameter.date(from: "2024-02-30T00:00:00Z") == TimeParameter.date(from: "2024-03-01T00:00:00Z"))
        #expect(TimeParameter.date(from: "1970-01-01T00:00:00+05:00") == Date(timeIntervalSince1970: 0))
        #expect(TimeParameter.date(from: "9999-12-31T23:59:59-23:59") == Date(timeIntervalSince1970: 253_402_300_799))
        #expect(TimeParameter.date(from: "99999999999") == Date(timeIntervalSince1970: 99_999_999_999))
    }

    @Test("anything else is not a time", arguments: [
        "", "yesterday", "-1", "123456789012", "1969-12-31T23:59:59Z", "2024-13-01T00:00:00Z", "2024-05-01T24:00:00Z",
        "2024-05-01T12:00:60Z", "2024-05-01T12:00:00", "2024-05-01 12:00:00Z", "2024-05-01T12:00:00.Z",
        "2024-05-01T12:00:00.1234567890Z", "2024-05-01T12:00:00+24:00", "2024-05-01T12:00:00+0200", "2024-05-01",
    ])
    func refused(_ text: String) {
        #expect(TimeParameter.date(from: text) == nil)
    }
}
