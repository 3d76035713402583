import JunctionServer
import Logging
import OTel
import Synchronization

/// Configures swift-log once per process: standard error, so standard output stays for command results. The level
/// is one for the whole process and can change while it runs (`serve` on SIGHUP).
enum LoggingBootstrap {
    private static let done = Mutex(false)
    private static let level = Atomic<Int>(Logger.Level.info.index)

    /// How log lines are written.
    enum Format: String, CaseIterable {
        /// swift-log's line for people.
        case text
        /// One JSON object per line (``JSONLogHandler``).
        case json
    }

    /// The process's log level now.
    static var currentLevel: Logger.Level {
        Logger.Level.allCases[level.load(ordering: .relaxed)]
    }

    /// Changes the level of every logger of the process.
    static func setLevel(_ newLevel: Logger.Level) {
        level.store(newLevel.index, ordering: .relaxed)
    }

    static func once(level: Logger.Level, format: Format = .text) {
        setLevel(level)
        let first = done.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        // Lines logged inside a span carry its `trace_id` and `span_id` (nothing is added with tracing off).
        LoggingSystem.bootstrap(
            { label, provider in
                switch format {
                case .text:
                    SwitchedLevel(DeferredMetadataLogHandler(StreamLogHandler.standardError(label: label, metadataProvider: provider)))
                case .json: SwitchedLevel(JSONLogHandler(label: label, metadataProvider: provider))
                }
            },
            metadataProvider: OTel.makeLoggingMetadataProvider()
        )
    }

    /// A handler whose level is the process's (``currentLevel``), whatever a logger sets.
    private struct SwitchedLevel<Handler: LogHandler>: LogHandler {
        var handler: Handler

        init(_ handler: Handler) {
            self.handler = handler
        }

        var logLevel: Logger.Level {
            get { LoggingBootstrap.currentLevel }
            set {}  // One level for the process: ``LoggingBootstrap/setLevel(_:)`` changes it.
        }

        var metadata: Logger.Metadata {
            get { handler.metadata }
            set { handler.metadata = newValue }
        }

        var metadataProvider: Logger.MetadataProvider? {
            get { handler.metadataProvider }
            set { handler.metadataProvider = newValue }
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { handler[metadataKey: key] }
            set { handler[metadataKey: key] = newValue }
        }

        func log(event: LogEvent) {
            handler.log(event: event)
        }
    }
}

extension Logger.Level {
    /// The level's place in `allCases`, for storing it atomically.
    fileprivate var index: Int { Logger.Level.allCases.firstIndex(of: self) ?? 2 }
}
