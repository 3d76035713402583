import Foundation
import OpenAPIRuntime

/// The management API as `openapi.yaml` describes it: `Components` (schemas), `Operations` (each operation's input
/// and output), `APIProtocol` (what the server implements) and `Client` (what the CLI calls), all generated at
/// build time by swift-openapi-generator from the same file this module embeds.
public enum JunctionAPI {
    /// `openapi.yaml` as it was when this module was built: what `/openapi.json` serves.
    public static var documentYAML: String { openAPIDocumentYAML }

    /// How the server and the client encode bodies: sorted keys, unescaped slashes, and `date-time` values written
    /// without fractional seconds but read with or without them (RFC 3339 allows both).
    public static let configuration = Configuration(
        dateTranscoder: RFC3339DateTranscoder(),
        jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]
    )
}

/// Reads RFC 3339 times with or without fractional seconds, and writes them without.
struct RFC3339DateTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        date.formatted(.iso8601)
    }

    func decode(_ text: String) throws -> Date {
        // RFC 3339 allows a lower-case T and Z, and any offset up to ±23:59; Foundation's format style takes neither,
        // so the formatter, which takes the offsets, is asked after it (and only then, off the common path).
        let text = text.uppercased()
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        throw DecodingError.dataCorrupted(
            .init(codingPath: [], debugDescription: "'\(text.prefix(64))' is not an RFC 3339 time such as 2026-11-29T12:00:00Z"))
    }
}
