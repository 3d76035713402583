import JunctionServer
import Logging
import Synchronization

/// Configures swift-log once per process: standard error, so standard output stays for command results.
enum LoggingBootstrap {
    private static let done = Mutex(false)

    /// How log lines are written.
    enum Format: String, CaseIterable {
        /// swift-log's line for people.
        case text
        /// One JSON object per line (``JSONLogHandler``).
        case json
    }

    static func once(level: Logger.Level, format: Format = .text) {
        let first = done.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = DeferredMetadataLogHandler(StreamLogHandler.standardError(label: label))
                handler.logLevel = level
                return handler
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
