import Foundation
import JunctionCore

/// Reads the times providers write in records, whatever their form: Unix seconds or milliseconds (Stripe `created`),
/// RFC 3339 with or without fractional seconds (HubSpot `updatedAt`, Google `updated`), Salesforce's
/// `2024-05-01T12:00:00.000+0000`, and Frappe's `2024-05-01 12:00:00.123456` (taken as UTC, as ERPNext servers keep it).
public enum ProviderTime {
    /// The time `value` stands for, or `nil` when it is not one.
    public static func parse(_ value: JSONValue?) -> Date? {
        switch value {
        case .integer(let number)?: return seconds(Double(number))
        case .number(let number)?: return seconds(number)
        case .string(let text)?: return parse(text)
        default: return nil
        }
    }

    /// The time `text` stands for, or `nil` when it is not one.
    public static func parse(_ text: String) -> Date? {
        if let number = Double(text), number.isFinite { return seconds(number) }
        var text = text.uppercased()
        if text.count >= 19, text[text.index(text.startIndex, offsetBy: 10)] == " " {
            text.replace(" ", with: "T", maxReplacements: 1)
        }
        // `+0000` (no colon) as `+00:00`, and no zone as UTC.
        if let match = text.firstMatch(of: /([+-])(\d{2})(\d{2})$/) {
            text = String(text[..<match.range.lowerBound]) + "\(match.1)\(match.2):\(match.3)"
        } else if text.count >= 19, !text.hasSuffix("Z"), text.firstMatch(of: /[+-]\d{2}:\d{2}$/) == nil {
            text += "Z"
        }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Seconds or, when the number is too large to be seconds of this era, milliseconds since 1970.
    private static func seconds(_ number: Double) -> Date? {
        guard number.isFinite, number >= 0 else { return nil }
        return Date(timeIntervalSince1970: number >= 100_000_000_000 ? number / 1000 : number)
    }
}

extension ResourceDescriptor {
    /// When the provider last changed `record`, read from the resource's cursor field when that is a modification
    /// time; `nil` when there is none, or when the cursor is a creation time (Stripe's `created`, which says nothing
    /// of later changes).
    public func changeTime(of record: JSONValue) -> Date? {
        guard let cursorField, !cursorField.lowercased().hasPrefix("creat"), let path = JSONPath(cursorField) else { return nil }
        return ProviderTime.parse(path.value(in: record))
    }
}

extension ResourceDescriptor {
    /// The highest value of the resource's cursor field in `record`, creation times included: where an incremental
    /// listing goes on from.
    public func cursorTime(of record: JSONValue) -> Date? {
        guard let cursorField, let path = JSONPath(cursorField) else { return nil }
        return ProviderTime.parse(path.value(in: record))
    }
}
