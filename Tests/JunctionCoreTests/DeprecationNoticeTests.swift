import Foundation
import JunctionCore
import Testing

/// Deprecation (RFC 9745), Sunset (RFC 8594) and Link relations, as providers send them.
@Suite("Deprecation notices")
struct DeprecationNoticeTests {
    @Test("RFC 9745's structured date, the drafts' true and HTTP-date, a Sunset date and the Link relations")
    func parsing() {
        let january = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
        let rfc = DeprecationNotice(
            deprecation: "@1767225600", sunset: "Sun, 31 Jan 2027 23:59:59 GMT",
            link: #"<https://api.example.com/docs/deprecation>; rel="deprecation"; type="text/html", <https://api.example.com/next>; rel="next""#)
        #expect(rfc.deprecated && rfc.deprecatedAt == january)
        #expect(rfc.sunsetAt == Date(timeIntervalSince1970: 1_801_439_999))
        #expect(rfc.link == "https://api.example.com/docs/deprecation")
        #expect(DeprecationNotice(deprecation: "true", sunset: nil, link: nil) == DeprecationNotice(deprecated: true))
        #expect(DeprecationNotice(deprecation: "Thu, 01 Jan 2026 00:00:00 GMT", sunset: nil, link: nil).deprecatedAt == january)
        let sunsetOnly = DeprecationNotice(deprecation: nil, sunset: nil, link: #"<https://x.example/sunset>; rel="sunset""#)
        #expect(!sunsetOnly.deprecated && sunsetOnly.link == "https://x.example/sunset")
        #expect(DeprecationNotice(deprecation: "soon", sunset: "next year", link: "<x>; rel=next") == DeprecationNotice(deprecated: false))
    }
}
