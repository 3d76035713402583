import Foundation

/// One line a client can act on for a failed decode: which field, and what it must be
/// (`field 'retrySchedule[2]' must be an integer`), instead of the decoder's debug text.
public enum DecodingErrorDescription {
    /// A one-line, client-facing description of a decoding failure.
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return String(describing: error) }
        func path(_ codingPath: [any CodingKey]) -> String {
            let rendered = codingPath.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }.joined(separator: ".")
            return rendered.replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))' must be \(Self.describe(type: type))"
        case .valueNotFound(let type, let context):
            return "field '\(path(context.codingPath))' must be \(Self.describe(type: type)), not null"
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "field '\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)' is required"
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.userInfo["NSDebugDescription"] as? String
            let location = path(context.codingPath)
            let message = underlying ?? context.debugDescription
            return location.isEmpty ? message : "field '\(location)': \(message)"
        @unknown default:
            return String(describing: error)
        }
    }

    public static func describe(type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        case is [String: JSONValue].Type, is [String: String].Type: "an object"
        case is [JSONValue].Type, is [String].Type: "an array"
        default:
            String(describing: type).hasPrefix("Dictionary")
                ? "an object"
                : String(describing: type).hasPrefix("Array") ? "an array" : "a value of type \(type)"
        }
    }
}
