import JunctionCore

/// `application/x-www-form-urlencoded` bodies with bracketed nesting, as Stripe reads them:
/// `{"metadata": {"plan": "pro"}, "items": [{"price": "p_1"}]}` → `metadata[plan]=pro&items[0][price]=p_1`.
/// `null` becomes an empty value, which is how Stripe unsets a field.
public enum FormEncoding {
    /// The encoded body of `object`, keys in a stable order.
    public static func encode(_ object: [String: JSONValue]) -> String {
        var pairs: [(String, String)] = []
        for key in object.keys.sorted() {
            if let value = object[key] { flatten(value, name: key, into: &pairs) }
        }
        return pairs.map { "\(percentEncoded($0.0))=\(percentEncoded($0.1))" }.joined(separator: "&")
    }

    /// `query` as a URL query string, in the given order, names and values percent-encoded.
    public static func query(_ query: [(String, String)]) -> String {
        query.map { "\(percentEncoded($0.0))=\(percentEncoded($0.1))" }.joined(separator: "&")
    }

    private static func flatten(_ value: JSONValue, name: String, into pairs: inout [(String, String)]) {
        switch value {
        case .null: pairs.append((name, ""))
        case .bool(let flag): pairs.append((name, flag ? "true" : "false"))
        case .number, .integer: pairs.append((name, value.numberText ?? ""))
        case .string(let text): pairs.append((name, text))
        case .array(let elements):
            for (index, element) in elements.enumerated() { flatten(element, name: "\(name)[\(index)]", into: &pairs) }
        case .object(let members):
            for key in members.keys.sorted() {
                if let member = members[key] { flatten(member, name: "\(name)[\(key)]", into: &pairs) }
            }
        }
    }

    /// Percent-encodes all but RFC 3986's unreserved characters, so `[`, `]`, `&`, `=`, `+` and spaces survive.
    public static func percentEncoded(_ text: String) -> String {
        var output = [UInt8]()
        output.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.append(byte)
            default:
                output.append(UInt8(ascii: "%"))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
