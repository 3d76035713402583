import Foundation
import JunctionConnectors
import JunctionCore

/// JSON output for `--json`: pretty, keys sorted.
enum JSONOutput {
    static func print(_ value: JSONValue) throws {
        let data = try JSONSerialization.data(
            withJSONObject: try JSONSerialization.jsonObject(with: Data(try value.serialized().utf8), options: [.fragmentsAllowed]),
            options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        Swift.print(String(decoding: data, as: UTF8.self))
    }

    /// A value of the API's generated types as JSON, with its member names as the API's description gives them.
    static func value(of encodable: some Encodable) throws -> JSONValue {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return try JSONValue.parse(String(decoding: try encoder.encode(encodable), as: UTF8.self))
    }

    /// A cell for a table: text as is, other values as compact JSON, cut to `width`.
    static func cell(_ value: JSONValue?, width: Int = 40) -> String {
        let text: String
        switch value {
        case nil, .null?: text = ""
        case .string(let string)?: text = string
        case .number?, .integer?: text = value?.numberText ?? ""
        case .bool(let flag)?: text = flag ? "true" : "false"
        case let other?: text = (try? other.serialized()) ?? ""
        }
        let line = text.replacingOccurrences(of: "\n", with: " ")
        return line.count > width ? String(line.prefix(width - 1)) + "…" : line
    }
}
