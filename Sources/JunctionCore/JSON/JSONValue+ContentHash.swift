import Crypto

extension JSONValue {
    /// SHA-256 of the value's canonical text (sorted keys, compact), in hex: equal content, equal hash, whatever the
    /// order the provider wrote its fields in. `nil` for a value with no JSON text (a non-finite number).
    public var contentHash: String? {
        guard let text = try? serialized() else { return nil }
        return Self.contentHash(ofSerialized: text)
    }

    /// The ``contentHash`` of a value whose canonical text (``serialized()``) is `text`: for a caller that stores the
    /// text too, so the value is serialized once.
    public static func contentHash(ofSerialized text: String) -> String {
        hex(SHA256.hash(data: Array(text.utf8)))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func hex(_ digest: SHA256.Digest) -> String {
        var characters: [UInt8] = []
        characters.reserveCapacity(64)
        for byte in digest {
            characters.append(hexDigits[Int(byte >> 4)])
            characters.append(hexDigits[Int(byte & 0xF)])
        }
        return String(decoding: characters, as: UTF8.self)
    }
}
