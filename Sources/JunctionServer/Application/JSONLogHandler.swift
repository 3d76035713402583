import Foundation
import JunctionCore
import Logging
import Synchronization

/// One JSON object per line on standard error (`--log-format json`), for log collectors that parse rather than read:
/// `{"time", "level", "label", "message", "source", …metadata}` with metadata values as strings (nested ones as JSON).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    /// One writer at a time, so lines from different threads never interleave.
    private static let output = Mutex(())

    /// A handler for loggers labelled `label`.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let line = Self.line(
            time: Date(), level: event.level, label: label, message: event.message.description, source: event.source, metadata: merged)
        Self.output.withLock { _ in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// The JSON line of one message (the fixed members win over metadata of the same name).
    static func line(time: Date, level: Logger.Level, label: String, message: String, source: String, metadata: Logger.Metadata) -> String {
        var object: JSONObject = metadata.mapValues(value(of:))
        object["time"] = .string(time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        object["level"] = .string(level.rawValue)
        object["label"] = .string(label)
        object["message"] = .string(message)
        object["source"] = .string(source)
        return (try? JSONValue.object(object).serialized()) ?? #"{"message": "a log line could not be written as JSON"}"#
    }

    private static func value(of metadata: Logger.Metadata.Value) -> JSONValue {
        switch metadata {
        case .string(let text): .string(text)
        case .stringConvertible(let value): .string(value.description)
        case .array(let values): .array(values.map(value(of:)))
        case .dictionary(let members): .object(members.mapValues(value(of:)))
        }
    }
}
