import JunctionCore
import Testing

/// Ids are a prefix and a ULID; the well-formedness check guards every path parameter before a query.
@Suite("Resource ids")
struct ResourceIDTests {
    @Test("made ids are well formed, sort by time, and anything else of the shape is told apart")
    func shape() {
        var zeros = ZeroGenerator()
        let earlier = ResourceID.make(prefix: "evt", milliseconds: 1_700_000_000_000, using: &zeros)
        let later = ResourceID.make(prefix: "evt", milliseconds: 1_700_000_000_001, using: &zeros)
        #expect(earlier < later)
        #expect(ResourceID.isWellFormed(earlier, prefix: "evt"))
        #expect(ResourceID.isWellFormed(ResourceID.make(prefix: "conn"), prefix: "conn"))

        let body = String(earlier.dropFirst(4))
        for bad in [
            "conn_" + body, "evs_" + body, "EVT_" + body, "evt" + body, "evt_" + body.dropLast(), "evt_" + body + "0", "evt-" + body,
            "evt_" + body.lowercased(), "évt_" + body, "",
        ] {
            #expect(!ResourceID.isWellFormed(bad, prefix: "evt"), "\(bad)")
        }
        // Every byte in the last place: exactly Crockford's base32 digits are accepted.
        let alphabet = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
        for byte in UInt8.min...UInt8.max {
            let candidate = "evt_" + body.dropLast() + String(decoding: [byte], as: UTF8.self)
            #expect(ResourceID.isWellFormed(candidate, prefix: "evt") == alphabet.contains(byte), "byte \(byte)")
        }
    }
}

/// Draws only zeros, so ids differ by their time alone.
private struct ZeroGenerator: RandomNumberGenerator {
    mutating func next() -> UInt64 { 0 }
}
