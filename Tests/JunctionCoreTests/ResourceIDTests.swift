import Foundation
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

extension ResourceIDTests {
    @Test("an id is its prefix, then the time (high bits first) and two random draws (low bits first) in Crockford's base32")
    func knownAnswer() {
        var draws = FixedGenerator(values: [0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210])
        #expect(ResourceID.make(prefix: "evt", milliseconds: 1_700_000_000_000, using: &draws) == "evt_01HF7YAT00FFKQT4YCGGC85V1K")
    }

    @Test("ids made at once from many tasks, across many pooled blocks of random bytes, are all distinct")
    func pooledRandomness() async {
        // 8 × 4,000 ids draw 512,000 random bytes: 125 blocks of 4 KiB, refilled while other tasks draw.
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<4000).map { _ in ResourceID.make(prefix: "evt", at: Date(timeIntervalSince1970: 1_700_000_000)) } }
            }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(ids.count == 32000)
        #expect(Set(ids).count == ids.count, "same time, so only the random part tells them apart")
        // The first random character takes every one of the 32 digits: the bytes are not stuck or zero.
        let firstRandom = Set(ids.map { $0.utf8.dropFirst(4 + 10).first })
        #expect(firstRandom.count == 32)
    }
}

/// Draws the given values in turn.
private struct FixedGenerator: RandomNumberGenerator {
    var values: [UInt64]
    mutating func next() -> UInt64 { values.removeFirst() }
}

/// Draws only zeros, so ids differ by their time alone.
private struct ZeroGenerator: RandomNumberGenerator {
    mutating func next() -> UInt64 { 0 }
}
