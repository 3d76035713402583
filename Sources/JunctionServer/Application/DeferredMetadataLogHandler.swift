import Logging

/// swift-log's stream handler, with the logger's metadata formatted when a message is written instead of whenever
/// it changes. Hummingbird gives every request's logger a request id, and ``StreamLogHandler`` formats all of its
/// metadata again on each change: about 2 µs of every request's CPU, for a server that at its default level writes
/// almost nothing.
public struct DeferredMetadataLogHandler: LogHandler {
    private var stream: StreamLogHandler
    public var metadata: Logger.Metadata = [:]

    /// Writes through `stream`, whose own metadata is replaced by this handler's at each message.
    public init(_ stream: StreamLogHandler) {
        self.stream = stream
    }

    public var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var stream = stream
        stream.metadata = metadata
        stream.log(event: event)
    }
}
