import Foundation

/// A JSON document held as a value, for the free-form parts of Junction's data (connection settings,
/// job payloads, provider records) where a fixed `Codable` type would throw information away.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number; every integer from −2^53 to 2^53 is held here exactly.
    case number(Double)
    /// An integer beyond ±2^53, which a `Double` cannot hold exactly (a provider's 64-bit id): it keeps its value
    /// through parsing, storage and serialization. Make numbers with ``integer(_:)``, which picks the case.
    case integer(Int64)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The value as a string when it is one.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The value as a number when it is one (an integer beyond ±2^53 rounded to the nearest `Double`).
    public var doubleValue: Double? {
        switch self {
        case .number(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }

    /// The largest magnitude up to which every integer is a `Double` exactly.
    public static let exactIntegerLimit: Int64 = 1 << 53

    /// An integer as JSON: `.number` within ±2^53, `.integer` beyond, so equal values are always the same case.
    public static func integer(exactly value: Int64) -> JSONValue {
        value.magnitude <= exactIntegerLimit.magnitude ? .number(Double(value)) : .integer(value)
    }

    /// A number as text: integers without a decimal point (every digit kept), others as Swift writes a `Double`;
    /// `nil` for a value that is not a number.
    public var numberText: String? {
        switch self {
        case .number(let number):
            number.rounded() == number && abs(number) <= Double(Self.exactIntegerLimit) ? String(Int64(number)) : String(number)
        case .integer(let value): String(value)
        default: nil
        }
    }

    /// The value as a boolean when it is one.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements of an array, or `nil` for any other kind of value.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members of an object, or `nil` for any other kind of value.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The name of the value's JSON type, for error messages that say what was found.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number, .integer: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Member access on objects; `nil` for missing members and non-objects.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// Applies an RFC 7396 JSON merge patch: members set to `null` are removed, objects merge recursively,
    /// anything else replaces the target.
    public func merging(patch: JSONValue) -> JSONValue {
        guard case .object(let patchMembers) = patch else { return patch }
        var result = objectValue ?? [:]
        for (key, value) in patchMembers {
            if value == .null {
                result.removeValue(forKey: key)
            } else {
                result[key] = (result[key] ?? .null).merging(patch: value)
            }
        }
        return .object(result)
    }

    /// The RFC 7396 merge patch that turns this value into `target` (the inverse of ``merging(patch:)``): members
    /// missing from `target` are set to `null`, objects on both sides are compared member by member, anything else
    /// is replaced. Equal values give an empty object.
    public func mergePatch(to target: JSONValue) -> JSONValue {
        guard case .object(let current) = self, case .object(let wanted) = target else { return target }
        var patch: [String: JSONValue] = [:]
        for key in current.keys where wanted[key] == nil { patch[key] = .null }
        for (key, value) in wanted where current[key] != value {
            patch[key] = current[key].map { $0.mergePatch(to: value) } ?? value
        }
        return .object(patch)
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        // Each failed attempt throws (and allocates) a decoding error, so the likeliest kinds go first: strings, then
        // objects, then numbers (read again as Int64 only when a Double cannot hold them), then the rest.
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else if let value = try? container.decode(Double.self) {
            if value.rounded() == value, abs(value) >= Double(Self.exactIntegerLimit), let exact = try? container.decode(Int64.self) {
                self = .integer(exactly: exact)
            } else {
                self = .number(value)
            }
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 9.0e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .integer(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .integer(exactly: Int64(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}

/// A JSON object's members: settings, credentials, a record in a provider's shape.
public typealias JSONObject = [String: JSONValue]
