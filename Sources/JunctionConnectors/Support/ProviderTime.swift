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
        var text = text
        return text.withUTF8 { parse(utf8: $0) }
    }

    /// `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH:MM|±HHMM]` read digit by digit: a sync reads one per record, and
    /// Foundation's parser (or a regular expression) cost more than the rest of a record's handling.
    static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        var index = 0
        func number(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<count {
                let digit = Int(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
                index += 1
            }
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            (1...12).contains(month), (1...31).contains(day), expect("Tt "), let hour = number(2), expect(":"), let minute = number(2),
            expect(":"), let second = number(2), hour < 24, minute < 60, second <= 60
        else { return nil }
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, (48...57).contains(bytes[index]) {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset = 0
        if index == bytes.count || expect("Zz") {
            offset = 0
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = number(2) else { return nil }
            _ = expect(":")
            guard let minutes = number(2), hours < 24, minutes < 60 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        }
        guard index == bytes.count else { return nil }
        guard year >= 1 else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Seconds or, when the number is too large to be seconds of this era, milliseconds since 1970.
    private static func seconds(_ number: Double) -> Date? {
        guard number.isFinite, number >= 0 else { return nil }
        let seconds = number >= 100_000_000_000 ? number / 1000 : number
        // Nothing after the year 9999: a time that large is not one, and would overflow a stored time.
        return seconds < latest ? Date(timeIntervalSince1970: seconds) : nil
    }

    /// 10000-01-01T00:00:00Z, in seconds since 1970.
    private static let latest: Double = 253_402_300_800
}

extension ResourceDescriptor {
    /// When the provider last changed `record`, read from the resource's cursor field when that is a modification
    /// time; `nil` when there is none, or when the cursor is a creation time (Stripe's `created`, which says nothing
    /// of later changes).
    public func changeTime(of record: JSONValue) -> Date? {
        guard let cursorField, !cursorIsCreationTime else { return nil }
        return ProviderTime.parse(JSONPath.value(at: cursorField, in: record))
    }

    /// Whether the cursor field is when a record was created (Stripe's `created`) rather than last changed: listing
    /// from it finds new records only, never changed ones.
    public var cursorIsCreationTime: Bool {
        cursorField?.lowercased().hasPrefix("creat") ?? false
    }
}

extension ResourceDescriptor {
    /// The highest value of the resource's cursor field in `record`, creation times included: where an incremental
    /// listing goes on from.
    public func cursorTime(of record: JSONValue) -> Date? {
        guard let cursorField else { return nil }
        return ProviderTime.parse(JSONPath.value(at: cursorField, in: record))
    }
}
