import Foundation

/// A time a client gives in a query parameter (`updatedSince`, `since`, `until`): RFC 3339 from 1970
/// (`2024-05-01T12:00:00Z`, `…+02:00`, with or without fractional seconds) or Unix seconds. The API's description
/// gives the same language as a pattern, and every string it matches is read: a day past the end of its month counts
/// on into the next, and a time is clamped to what every provider's format can write (1970 to the end of 9999).
public enum TimeParameter {
    /// The latest time provider formats with four-digit years can write.
    static let latest = Date(timeIntervalSince1970: 253_402_300_799)

    /// The time `text` names, or `nil` when it is neither form.
    public static func date(from text: String) -> Date? {
        let bytes = Array(text.utf8)
        if !bytes.isEmpty, bytes.count <= 11, bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            return clamped(Date(timeIntervalSince1970: TimeInterval(Int64(text) ?? 0)))
        }
        // yyyy-MM-ddTHH:mm:ss, then an optional fraction, then Z or ±HH:mm.
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"), bytes[13] == UInt8(ascii: ":"),
            bytes[16] == UInt8(ascii: ":"),
            let year = number(bytes[0..<4]), let month = number(bytes[5..<7]), let day = number(bytes[8..<10]),
            let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]), let second = number(bytes[17..<19]),
            year >= 1970, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == UInt8(ascii: ".") {
            let start = index + 1
            index = start
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard (1...9).contains(index - start), let digits = number(bytes[start..<index]) else { return nil }
            fraction = Double(digits) / pow(10, Double(index - start))
        }
        var offset = 0
        switch bytes[index...].count {
        case 1 where bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z"):
            break
        case 6 where (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) && bytes[index + 3] == UInt8(ascii: ":"):
            guard let hours = number(bytes[(index + 1)..<(index + 3)]), let minutes = number(bytes[(index + 4)..<(index + 6)]),
                hours < 24, minutes < 60
            else { return nil }
            offset = (hours * 3600 + minutes * 60) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        // Lenient: 2024-02-30 is 2024-03-01, as the components add up.
        guard let start = calendar.date(from: DateComponents(year: year, month: 1, day: 1)),
            let date = calendar.date(
                byAdding: DateComponents(month: month - 1, day: day - 1, hour: hour, minute: minute, second: second), to: start)
        else { return nil }
        return clamped(date.addingTimeInterval(fraction - TimeInterval(offset)))
    }

    private static func clamped(_ date: Date) -> Date {
        min(max(date, Date(timeIntervalSince1970: 0)), latest)
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value
    }
}
