import Foundation
import JunctionCore
import HTTPTypes

/// What a response says about the caller's remaining quota, from whichever convention the provider uses:
/// `X-RateLimit-Remaining`/`X-RateLimit-Reset`, the IETF `RateLimit` / `RateLimit-Remaining` fields, or
/// Salesforce's `Sforce-Limit-Info: api-usage=used/limit`.
public struct RateLimitHint: Sendable, Equatable {
    /// Requests left in the current window.
    public var remaining: Int?
    /// The window's size, when the provider says it.
    public var limit: Int?
    /// Time until the window resets.
    public var resetAfter: Duration?

    /// A hint.
    public init(remaining: Int?, limit: Int?, resetAfter: Duration?) {
        self.remaining = remaining
        self.limit = limit
        self.resetAfter = resetAfter
    }

    /// Whether the quota is spent (or nearly: at most `reserve` requests left), so the client should pause.
    public func isExhausted(reserve: Int = 0) -> Bool {
        guard let remaining else { return false }
        return remaining <= reserve
    }

    private static let hintPrefixes = ["ratelimit", "x-ratelimit"]
    private static let hintNames = ["sforce-limit-info"]
    private static let structuredName = HTTPField.Name("RateLimit")!
    private static let salesforceName = HTTPField.Name("Sforce-Limit-Info")!
    private static let prefixedNames: [(remaining: HTTPField.Name, limit: HTTPField.Name, reset: HTTPField.Name)] =
        ["RateLimit-", "X-RateLimit-"].map { prefix in
            (HTTPField.Name(prefix + "Remaining")!, HTTPField.Name(prefix + "Limit")!, HTTPField.Name(prefix + "Reset")!)
        }

    /// Reads the hint from response headers; `nil` when they carry none.
    public static func parse(_ headers: HTTPFields, now: Date? = nil) -> RateLimitHint? {
        parse(ResponseHeaders(headers), now: now)
    }

    static func parse(_ wireHeaders: ResponseHeaders, now: Date? = nil) -> RateLimitHint? {
        // Most responses carry none of these headers: one pass over the names decides that cheaply.
        guard wireHeaders.containsName(withPrefixes: hintPrefixes, orEqualTo: hintNames) else {
            return nil
        }
        let headers = wireHeaders.fields
        var hint = RateLimitHint(remaining: nil, limit: nil, resetAfter: nil)
        if let structured = headers[structuredName] {
            // draft-ietf-httpapi-ratelimit-headers: `limit=100, remaining=0, reset=30` (or `"name";r=0;t=30`).
            for member in structured.split(whereSeparator: { $0 == "," || $0 == ";" }) {
                let pair = member.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, let value = Int(pair[1]) else { continue }
                switch pair[0] {
                case "remaining", "r": hint.remaining = value
                case "limit", "l": hint.limit = value
                case "reset", "t": hint.resetAfter = .clampedSeconds(Double(value))
                default: continue
                }
            }
        }
        for names in prefixedNames {
            if hint.remaining == nil, let text = headers[names.remaining] { hint.remaining = Int(text) }
            if hint.limit == nil, let text = headers[names.limit] {
                hint.limit = Int(text.split(separator: ",").first.map(String.init) ?? text)
            }
            if hint.resetAfter == nil, let text = headers[names.reset], let value = Double(text) {
                // Some APIs send seconds until reset, others (GitHub) an epoch time: a value past 2001 is a date.
                let seconds = value > 1_000_000_000 ? value - (now ?? Date()).timeIntervalSince1970 : value
                hint.resetAfter = .clampedSeconds(seconds)
            }
        }
        if let salesforce = headers[salesforceName] {
            // `api-usage=25/5000`: a daily quota, so no reset time.
            for member in salesforce.split(separator: ",") {
                let pair = member.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, pair[0] == "api-usage" else { continue }
                let numbers = pair[1].split(separator: "/").compactMap { Int($0) }
                if numbers.count == 2 {
                    hint.limit = numbers[1]
                    hint.remaining = max(0, numbers[1] - numbers[0])
                }
            }
        }
        return hint == RateLimitHint(remaining: nil, limit: nil, resetAfter: nil) ? nil : hint
    }
}
