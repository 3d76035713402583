import Foundation
import Testing

@testable import JunctionCore

/// The hand-written JSON parser and writer: they must agree with Foundation on every valid document and refuse
/// every invalid one with the place it went wrong.
@Suite("JSON text")
struct JSONTextTests {
    @Test("documents parse to the same values Foundation's decoder produces")
    func agreesWithFoundation() throws {
        let documents = [
            #"{"a":1,"b":[true,false,null],"c":{"d":"e"},"f":-0.5,"g":1e3,"h":"\u00e9\ud83d\ude00\n\t\"\\\/"}"#,
            #"  [ 1 , 2.25 , -3e-2 , "x" , { } , [ ] ]  "#,
            #""plain""#, "42", "null", #"{"dup":1,"dup":2}"#, #"{"emoji":"😀","cjk":"漢字"}"#,
        ]
        for document in documents {
            let ours = try JSONValue.parse(document)
            let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(document.utf8))
            #expect(ours == foundation, "\(document)")
        }
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == "😀")
    }

    @Test("invalid documents are refused with the byte offset of the problem")
    func refusals() {
        let cases: [(String, Int)] = [
            ("", 0), ("{", 1), (#"{"a" 1}"#, 5), ("[1,]", 3), ("[1 2]", 3), ("01", 1), ("1.", 2), ("-", 1), (#""\x""#, 3),
            ("\"a\u{01}\"", 2), (#""\ud800x""#, 7), (#""\udc00""#, 7), ("tru", 0), ("{} x", 3), (#"{"a":1,}"#, 7),
        ]
        for (text, offset) in cases {
            do {
                _ = try JSONValue.parse(text)
                Issue.record("accepted \(text)")
            } catch let error as JSONSyntaxError {
                #expect(error.offset == offset, "\(text): \(error)")
            } catch {
                Issue.record("\(text): \(error)")
            }
        }
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse(deep) }
    }

    @Test("reading only named members skips the rest without building it, and still refuses malformed text")
    func namedMembers() throws {
        func members(_ text: String, _ names: Set<String>) throws -> [String: JSONValue] {
            var text = text
            return try text.withUTF8 { try JSONValue.members(names, utf8: $0) }
        }
        let event =
            #"{"data": {"object": {"id": "cus_1", "list": [1, 2.5e3, "a\"b", null, true, {"x": []}]}}, "id": "evt_1", "created": 17, "id": "later"}"#
        #expect(try members(event, ["id", "created", "absent"]) == ["id": "evt_1", "created": 17])
        #expect(try members("{}", ["id"]) == [:])
        // Names match as written or escaped, non-ASCII included; an escaped name not picked is skipped like a plain one.
        #expect(try members(#"{"\u0069d": "evt_2", "typ\"e": 1, "é": 2, "id": "later"}"#, ["id", "é"]) == ["id": "evt_2", "é": 2])
        // A decomposed name is the same name as its composed form, as Swift compares strings.
        #expect(try members("{\"e\u{301}\": 1}", ["é"]) == ["é": 1])
        // A name that is not UTF-8 is refused, picked or not.
        for name: [UInt8] in [[0xFF], [0x69, 0x64, 0xC3]] {
            let text: [UInt8] = Array(#"{""#.utf8) + name + Array(#"": 1, "id": 2}"#.utf8)
            #expect(throws: JSONSyntaxError.self) { try text.withUnsafeBufferPointer { try JSONValue.members(["id"], utf8: $0) } }
        }
        for bad in [
            "{\"i\u{01}d\": 1}", "{\"x\u{01}\": 1, \"id\": 2}", #"{"a": [1, 2}"#, "{\"a\": \"x\u{01}\"}", #"{"a": {"b" 1}, "id": "x"}"#,
            "[1]", #"{"id": "x"} y"#, #"{"a": "open"#,
        ] {
            #expect(throws: JSONSyntaxError.self, "\(bad)") { try members(bad, ["id"]) }
        }
    }

    @Test("serialization is compact with sorted keys, round-trips, and matches Foundation's encoder byte for byte")
    func serialization() throws {
        let value: JSONValue = [
            "b": [1, 2.5, -3, 1e20, 0.1], "a": "quote \" backslash \\ newline \n tab \t bell \u{07} slash / é 😀",
            "c": ["nested": true, "null": nil],
            // Escapes at the edges and back to back, and no text at all: the writer copies the runs between escapes.
            "d": ["", "\"", "\\", "\u{00}\u{1F}", "\nstarts", "ends\t", "a\"\"b"],
        ]
        let text = try value.serialized()
        #expect(try JSONValue.parse(text) == value)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(text == String(decoding: try encoder.encode(value), as: UTF8.self))
        #expect(throws: JSONSyntaxError.self) { try JSONValue.number(.nan).serialized() }
        let strings = ["b": "quote \" and \u{01}", "a": "é 😀", "": "", "c\n": "/"]
        let sorted = strings.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
        #expect(JSONValue.serialized(stringMembers: sorted) == (try JSONValue.object(strings.mapValues(JSONValue.string)).serialized()))
        #expect(JSONValue.serialized(stringMembers: []) == "{}")
    }

    @Test("integers past 2^53 keep every digit through both parsers, the writer and Codable; smaller ones stay numbers")
    func largeIntegers() throws {
        let document = #"{"big":9007199254740993,"negative":-9223372036854775808,"edge":9007199254740992,"small":42,"huge":12345678901234567890123}"#
        let ours = try JSONValue.parse(document)
        #expect(ours["big"] == .integer(9_007_199_254_740_993))
        #expect(ours["negative"] == .integer(Int64.min))
        #expect(ours["edge"] == .number(9_007_199_254_740_992))
        #expect(ours["small"] == 42)
        #expect(ours["huge"]?.doubleValue == 12345678901234567890123.0, "past Int64 a number is a Double, as JSON allows")
        let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(document.utf8))
        #expect(foundation["big"] == ours["big"])
        #expect(foundation["negative"] == ours["negative"])
        #expect(foundation["edge"] == ours["edge"])
        let written = try ours.serialized()
        #expect(written.contains(#""big":9007199254740993"#))
        #expect(written.contains(#""negative":-9223372036854775808"#))
        #expect(try JSONValue.parse(written) == ours)
        let encoded = String(decoding: try JSONEncoder().encode(ours), as: UTF8.self)
        #expect(encoded.contains("9007199254740993"))
        #expect(JSONValue.integer(exactly: 5) == .number(5))
        #expect(JSONValue.integer(exactly: 9_007_199_254_740_993).numberText == "9007199254740993")
        #expect(ours["big"]?.typeName == "number")
    }
}
