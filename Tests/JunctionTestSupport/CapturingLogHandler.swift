import Logging
import Synchronization

/// Keeps every log line (message and metadata, at every level) so a test can check what was logged.
public struct CapturingLogHandler: LogHandler {
    /// The captured lines.
    public final class Store: Sendable {
        private let lines = Mutex<[String]>([])

        public init() {}

        func append(_ line: String) {
            lines.withLock { $0.append(line) }
        }

        /// Everything logged so far, one line per entry.
        public var text: String { lines.withLock { $0.joined(separator: "\n") } }
    }

    let store: Store
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public init(store: Store) {
        self.store = store
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        store.append("\(event.level) \(event.message) \(merged) \(event.source)")
    }

    /// A logger that writes into `store`.
    public static func logger(into store: Store) -> Logger {
        Logger(label: "captured") { _ in CapturingLogHandler(store: store) }
    }
}
