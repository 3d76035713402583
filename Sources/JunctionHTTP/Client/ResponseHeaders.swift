import HTTPTypes
import NIOHTTP1

/// A response's headers as they came off the wire, turned into `HTTPFields` only when someone reads them.
/// Most successful calls never look at their headers, and validating every name and value of every response
/// was the largest single cost the client added to a call.
struct ResponseHeaders: Sendable {
    private enum Storage: Sendable {
        case wire(HTTPHeaders)
        case fields(HTTPFields)
    }

    private var storage: Storage

    init(wire: HTTPHeaders) {
        storage = .wire(wire)
    }

    init(_ fields: HTTPFields) {
        storage = .fields(fields)
    }

    /// The headers as `HTTPFields`; names that are not valid field names are left out.
    var fields: HTTPFields {
        get {
            switch storage {
            case .fields(let fields):
                return fields
            case .wire(let headers):
                var fields = HTTPFields()
                fields.reserveCapacity(headers.count)
                for header in headers {
                    if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
                }
                return fields
            }
        }
        set { storage = .fields(newValue) }
    }

    /// The value of `name` (case-insensitive), several values joined by commas; read without converting.
    subscript(name: String) -> String? {
        switch storage {
        case .fields(let fields):
            return HTTPField.Name(name).flatMap { fields[$0] }
        case .wire(let headers):
            let values = headers[name]
            return values.isEmpty ? nil : values.joined(separator: ", ")
        }
    }

    /// Whether any header name starts with one of `prefixes` or equals one of `names` (both given in lowercase),
    /// compared without regard to case and without allocating.
    func containsName(withPrefixes prefixes: [String], orEqualTo names: [String]) -> Bool {
        func matches(_ name: String) -> Bool {
            prefixes.contains { Self.hasPrefix(name, lowercasePrefix: $0, wholeName: false) }
                || names.contains { Self.hasPrefix(name, lowercasePrefix: $0, wholeName: true) }
        }
        switch storage {
        case .fields(let fields):
            return fields.contains { matches($0.name.canonicalName) }
        case .wire(let headers):
            return headers.contains { matches($0.name) }
        }
    }

    private static func hasPrefix(_ name: String, lowercasePrefix prefix: String, wholeName: Bool) -> Bool {
        var nameBytes = name.utf8.makeIterator()
        for expected in prefix.utf8 {
            guard let byte = nameBytes.next() else { return false }
            let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
            if folded != expected { return false }
        }
        return !wholeName || nameBytes.next() == nil
    }
}
