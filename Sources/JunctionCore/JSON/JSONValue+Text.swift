/// JSON text in and out, written by hand because this is on every hot path (webhook ingest parses each body, the
/// job queue serializes each payload) and Foundation's `Codable` route through `JSONDecoder` cost several times
/// more: it was the largest single cost of webhook ingest when profiled.
extension JSONValue {
    /// Compact JSON text with sorted keys, so equal values always serialize to equal bytes. Throws for a number
    /// JSON cannot represent (NaN, infinity).
    public func serialized() throws -> String {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        try JSONWriter.write(self, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// An object of string values as ``serialized()`` writes it, without making the values first: the inbox writes
    /// every webhook's headers this way. The members are written in the order given, so to match ``serialized()``
    /// they must be in key order, each key once.
    public static func serialized(stringMembers members: [(key: String, value: String)]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        JSONWriter.writeObject(sortedMembers: members, into: &output) { JSONWriter.writeString($0, into: &$1) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Parses JSON text (RFC 8259) into a value. Throws ``JSONSyntaxError`` saying where the text is wrong.
    public static func parse(_ text: String) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { bytes in try parse(utf8: bytes) }
    }

    /// Parses UTF-8 JSON bytes into a value.
    public static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return value
    }
}

extension JSONValue {
    /// Only the named members of a top-level object, the rest checked for well-formedness but not built: a webhook's
    /// id, type and time are read this way on the ingest path, where building the whole event was a measurable cost.
    /// Throws ``JSONSyntaxError`` when the text is not a JSON object.
    public static func members(_ names: Set<String>, utf8 bytes: UnsafeBufferPointer<UInt8>) throws -> [String: JSONValue] {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        guard parser.index < bytes.count, bytes[parser.index] == UInt8(ascii: "{") else { throw parser.error("expected an object") }
        let members = try parser.parseObject(depth: 0, keeping: names)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected text after the JSON value") }
        return members
    }
}

/// Where and why JSON text could not be parsed.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The byte offset of the problem.
    public var offset: Int
    /// What is wrong there.
    public var message: String

    public var description: String { "\(message) at byte offset \(offset)" }
}

private struct JSONParser {
    /// Deeper nesting is refused rather than risking the stack on hostile input.
    static let maximumDepth = 256

    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: index, message: message)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
        guard index < bytes.count else { throw error("unexpected end of the text") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character")
        }
    }

    mutating func literal(_ word: StaticString, _ value: JSONValue) throws -> JSONValue {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of the text") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw error("unexpected character")
        }
        index += count
        return value
    }

    mutating func parseObject(depth: Int) throws -> JSONValue {
        .object(try parseObject(depth: depth, keeping: nil))
    }

    /// An object's members; with `names`, only those, the other values skipped without being built.
    mutating func parseObject(depth: Int, keeping names: Set<String>?) throws -> [String: JSONValue] {
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return members
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
            // Picking members, a plain ASCII name is matched as bytes (nil when not picked): making a string of every
            // name only to look it up showed in ingest profiles. Other names are decoded first.
            let key: String?
            if let names, let plain = plainString() {
                key = names.first { Self.utf8($0, equals: plain) }
            } else {
                let name = try parseString()
                key = (names.map { $0.contains(name) } ?? true) ? name : nil
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after a member name") }
            index += 1
            skipWhitespace()
            // The first of duplicate names wins, as with Foundation's decoder, so every reader of a document agrees.
            if let key, members[key] == nil {
                members[key] = try parseValue(depth: depth + 1)
            } else {
                try skipValue(depth: depth + 1)
            }
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of the text inside an object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "}") else { throw error("expected ',' or '}' in an object") }
            index += 1
            return members
        }
    }

    /// Whether `name`'s UTF-8 is `bytes`, compared as two buffers (comparing through `String.UTF8View`'s generic
    /// iteration showed in ingest profiles).
    static func utf8(_ name: String, equals bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var name = name
        return name.withUTF8 { $0.count == bytes.count && $0.elementsEqual(bytes) }
    }

    /// Moves past one value, checking its structure, without building it.
    mutating func skipValue(depth: Int) throws {
        guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
        guard index < bytes.count else { throw error("unexpected end of the text") }
        switch bytes[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let closing = bytes[index] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = closing == UInt8(ascii: "}")
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == closing {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                if isObject {
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
                    try skipString()
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':' after a member name") }
                    index += 1
                    skipWhitespace()
                }
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw error("unexpected end of the text") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == closing else { throw error("expected ',' or '\(Character(UnicodeScalar(closing)))'") }
                index += 1
                return
            }
        case UInt8(ascii: "\""): try skipString()
        default: _ = try parseValue(depth: depth)
        }
    }

    /// The bytes of a printable ASCII string without escapes, the index moved past its closing quote; `nil`, the
    /// index unmoved, for any other string: ``parseString()`` decodes it (so names compare as Swift strings do,
    /// canonically) or says what is wrong (a control character, invalid UTF-8).
    mutating func plainString() -> UnsafeBufferPointer<UInt8>? {
        var end = index + 1
        while end < bytes.count {
            switch bytes[end] {
            case UInt8(ascii: "\""):
                let plain = UnsafeBufferPointer(rebasing: bytes[(index + 1)..<end])
                index = end + 1
                return plain
            case UInt8(ascii: "\\"), 0..<0x20, 0x80...:
                return nil
            default:
                end += 1
            }
        }
        return nil
    }

    /// Moves past a string, checking escapes and control characters.
    mutating func skipString() throws {
        index += 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                return
            case UInt8(ascii: "\\"):
                index += 2
            case 0..<0x20:
                throw error("control character inside a string")
            default:
                index += 1
            }
        }
        throw error("unterminated string")
    }

    mutating func parseArray(depth: Int) throws -> JSONValue {
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of the text inside an array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "]") else { throw error("expected ',' or ']' in an array") }
            index += 1
            return .array(elements)
        }
    }

    mutating func parseString() throws -> String {
        index += 1
        let start = index
        // The common case, no escapes: one copy of the bytes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = try validated(UnsafeBufferPointer(rebasing: bytes[start..<index]), at: start)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw error("control character inside a string") }
            index += 1
        }
        var output = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return try validated(output, at: start)
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw error("unexpected end of the text in an escape") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escape)
                case UInt8(ascii: "b"): output.append(0x08)
                case UInt8(ascii: "f"): output.append(0x0C)
                case UInt8(ascii: "n"): output.append(0x0A)
                case UInt8(ascii: "r"): output.append(0x0D)
                case UInt8(ascii: "t"): output.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hexQuad()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                            throw error("a high surrogate not followed by a low one")
                        }
                        index += 2
                        let low = try hexQuad()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("a high surrogate not followed by a low one") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("a lone low surrogate")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error("an invalid unicode escape") }
                    output.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw error("an invalid escape")
                }
            default:
                guard byte >= 0x20 else { throw error("control character inside a string") }
                output.append(byte)
                index += 1
            }
        }
        throw error("unterminated string")
    }

    mutating func hexQuad() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("unexpected end of the text in a unicode escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("an invalid hex digit in a unicode escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    func validated(_ utf8: some Collection<UInt8>, at offset: Int) throws -> String {
        guard let text = String(validating: utf8, as: UTF8.self) else {
            throw JSONSyntaxError(offset: offset, message: "a string that is not valid UTF-8")
        }
        return text
    }

    /// A number; an integer with more digits than a `Double` holds exactly keeps its value as ``JSONValue/integer(_:)``.
    mutating func parseNumber() throws -> JSONValue {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw error("unexpected end of the text in a number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            guard skipDigits() > 0 else { throw error("expected a digit") }
        }
        let integerEnd = index
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard skipDigits() > 0 else { throw error("expected a digit after the decimal point") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw error("expected a digit in the exponent") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        // 16 or more digits may be past 2^53; Int64 reads them exactly where they fit.
        if integerEnd == index, integerEnd - start >= 16, let integer = Int64(text) { return .integer(exactly: integer) }
        guard let value = Double(text), value.isFinite else {
            throw JSONSyntaxError(offset: start, message: "a number out of range")
        }
        return .number(value)
    }

    mutating func skipDigits() -> Int {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - start
    }
}

private enum JSONWriter {
    static let hexDigits = Array("0123456789abcdef".utf8)

    static func write(_ value: JSONValue, into output: inout [UInt8]) throws {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number):
            guard number.isFinite else { throw JSONSyntaxError(offset: output.count, message: "\(number) cannot be written as JSON") }
            if number.rounded() == number, abs(number) < 9.0e15 {
                output.append(contentsOf: String(Int64(number)).utf8)
            } else {
                output.append(contentsOf: "\(number)".utf8)
            }
        case .integer(let value): output.append(contentsOf: String(value).utf8)
        case .string(let text): writeString(text, into: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(UInt8(ascii: ",")) }
                try write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members): try writeObject(members, into: &output) { try write($0, into: &$1) }
        }
    }

    /// An object, its members in key order (so equal values serialize to equal bytes), each value written by
    /// `writeValue`.
    static func writeObject<Value>(
        _ members: [String: Value], into output: inout [UInt8], _ writeValue: (Value, inout [UInt8]) throws -> Void
    ) rethrows {
        try writeObject(sortedMembers: members.sorted(by: { $0.key < $1.key }), into: &output, writeValue)
    }

    /// An object whose members are already in key order.
    static func writeObject<Value>(
        sortedMembers members: [(key: String, value: Value)], into output: inout [UInt8],
        _ writeValue: (Value, inout [UInt8]) throws -> Void
    ) rethrows {
        assert(zip(members, members.dropFirst()).allSatisfy { $0.key < $1.key }, "members out of order or repeated")
        output.append(UInt8(ascii: "{"))
        for (position, member) in members.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            writeString(member.key, into: &output)
            output.append(UInt8(ascii: ":"))
            try writeValue(member.value, &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    /// Copies runs of bytes that need no escaping in one append each: most text has no escapes at all.
    static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                writeEscape(byte, into: &output)
                runStart = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func writeEscape(_ byte: UInt8, into output: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        default:
            output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            output.append(hexDigits[Int(byte >> 4)])
            output.append(hexDigits[Int(byte & 0x0F)])
        }
    }
}
