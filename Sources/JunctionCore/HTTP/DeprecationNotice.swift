import Foundation

/// What a provider's answer says about the retirement of what was called: `Deprecation` (RFC 9745: a structured-field
/// date `@1767225600`; the drafts before it sent `true` or an HTTP-date), `Sunset` (RFC 8594: an HTTP-date), and
/// `Link` relations `deprecation` and `sunset` pointing at the provider's explanation.
public struct DeprecationNotice: Sendable, Equatable {
    /// Whether the answer says the resource or version is deprecated.
    public var deprecated: Bool
    /// Since when, when it says.
    public var deprecatedAt: Date?
    /// When it stops working, when it says.
    public var sunsetAt: Date?
    /// Where the provider explains it (`rel="deprecation"`, else `rel="sunset"`).
    public var link: String?

    /// A notice.
    public init(deprecated: Bool, deprecatedAt: Date? = nil, sunsetAt: Date? = nil, link: String? = nil) {
        (self.deprecated, self.deprecatedAt, self.sunsetAt, self.link) = (deprecated, deprecatedAt, sunsetAt, link)
    }

    /// Reads the three headers' values (any may be absent); values that cannot be read are left out.
    public init(deprecation: String?, sunset: String?, link: String?) {
        var deprecated = false
        var deprecatedAt: Date?
        if let value = deprecation?.trimmingCharacters(in: .whitespaces) {
            if value.hasPrefix("@"), let seconds = Int64(value.dropFirst()) {
                (deprecated, deprecatedAt) = (true, Date(timeIntervalSince1970: TimeInterval(seconds)))
            } else if value.lowercased() == "true" {
                deprecated = true
            } else if let date = Self.httpDate(value) {
                (deprecated, deprecatedAt) = (true, date)
            }
        }
        let links = link.map(Self.links) ?? [:]
        self.init(
            deprecated: deprecated || links["deprecation"] != nil, deprecatedAt: deprecatedAt, sunsetAt: sunset.flatMap(Self.httpDate),
            link: links["deprecation"] ?? links["sunset"])
    }

    /// The targets of a `Link` header by relation, for the `deprecation` and `sunset` relations (RFC 8288: comma-separated
    /// `<target>; rel="a b"` entries).
    static func links(_ header: String) -> [String: String] {
        var found: [String: String] = [:]
        for entry in header.split(separator: ",") {
            let parts = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = parts.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("rel=") {
                let relations = parameter.dropFirst(4).trimmingCharacters(in: CharacterSet(charactersIn: "\"")).lowercased().split(separator: " ")
                for relation in relations where relation == "deprecation" || relation == "sunset" {
                    found[String(relation)] = found[String(relation)] ?? String(target.dropFirst().dropLast())
                }
            }
        }
        return found
    }

    /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7), read without a formatter.
    static func httpDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]) else { return nil }
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        guard let month = months.firstIndex(of: parts[2].lowercased()) else { return nil }
        let time = parts[4].split(separator: ":").compactMap { Int($0) }
        guard time.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        return calendar.date(
            from: DateComponents(year: year, month: month + 1, day: day, hour: time[0], minute: time[1], second: time[2]))
    }
}
