import Foundation

/// Generates identifiers such as `conn_01JD8X…`: a type prefix, then a ULID (48-bit millisecond time and
/// 80 random bits in Crockford base32), so ids sort by creation time and keyset pagination needs no extra column.
public enum ResourceID {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// A new identifier with `prefix` (e.g. `"conn"`), unique without coordination between nodes.
    public static func make(prefix: String, at date: Date = Date()) -> String {
        var generator = PooledRandomNumberGenerator()
        return make(prefix: prefix, milliseconds: UInt64(max(0, date.timeIntervalSince1970 * 1000)), using: &generator)
    }

    /// A new identifier from an explicit time and random source, for deterministic tests.
    public static func make(
        prefix: String,
        milliseconds: UInt64,
        using generator: inout some RandomNumberGenerator
    ) -> String {
        // 80 random bits from two draws.
        var high: UInt64 = generator.next()
        var low: UInt64 = generator.next()
        let prefixBytes = prefix.utf8
        // Written in place: one allocation per id, on the ingest path.
        return String(unsafeUninitializedCapacity: prefixBytes.count + 27) { characters in
            var index = characters.initialize(fromContentsOf: prefixBytes)
            characters[index] = UInt8(ascii: "_")
            index += 1
            var time = milliseconds & 0xFFFF_FFFF_FFFF
            for offset in stride(from: 9, through: 0, by: -1) {
                characters[index + offset] = alphabet[Int(time & 31)]
                time >>= 5
            }
            for offset in 10..<18 {
                characters[index + offset] = alphabet[Int(high & 31)]
                high >>= 5
            }
            for offset in 18..<26 {
                characters[index + offset] = alphabet[Int(low & 31)]
                low >>= 5
            }
            return index + 26
        }
    }

    /// Whether `value` has the shape of an id made with `prefix`; used to reject garbage before a query.
    public static func isWellFormed(_ value: String, prefix: String) -> Bool {
        let bytes = value.utf8
        let prefixBytes = prefix.utf8
        guard bytes.count == prefixBytes.count + 27, bytes.starts(with: prefixBytes) else { return false }
        let rest = bytes.dropFirst(prefixBytes.count)
        return rest.first == UInt8(ascii: "_") && rest.dropFirst().allSatisfy(isInAlphabet)
    }

    /// Whether `byte` is one of Crockford's base32 digits as ids are written (upper case, no I, L, O or U); a
    /// switch, because this runs for every id in a request path.
    private static func isInAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "H"), UInt8(ascii: "J"), UInt8(ascii: "K"),
            UInt8(ascii: "M"), UInt8(ascii: "N"), UInt8(ascii: "P")...UInt8(ascii: "T"), UInt8(ascii: "V")...UInt8(ascii: "Z"):
            true
        default: false
        }
    }
}
