import JunctionServer
import Logging
import Synchronization
import Testing

/// The server's log handler writes what swift-log's stream handler writes, metadata included.
@Suite("Log handler")
struct DeferredMetadataLogHandlerTests {
    /// A stream that keeps what is written to it.
    final class Recorder: TextOutputStream, Sendable {
        let text = Mutex("")
        func write(_ string: String) { text.withLock { $0 += string } }
    }

    @Test("metadata set on the logger, replaced or removed, appears in each message as the stream handler writes it")
    func metadataAtWriteTime() {
        let recorder = Recorder()
        let expected = Recorder()
        func logger(_ handler: some LogHandler) -> Logger {
            var logger = Logger(label: "probe", factory: { _ in handler })
            logger.logLevel = .info
            logger[metadataKey: "request"] = "r1"
            logger[metadataKey: "connection"] = "conn_1"
            logger[metadataKey: "request"] = "r2"
            logger[metadataKey: "connection"] = nil
            logger.debug("below the level")
            logger.warning("refused", metadata: ["reason": "bad signature"])
            return logger
        }
        _ = logger(DeferredMetadataLogHandler(StreamLogHandler(label: "probe", stream: recorder, metadataProvider: nil)))
        _ = logger(StreamLogHandler(label: "probe", stream: expected, metadataProvider: nil))
        let written = recorder.text.withLock { $0 }
        #expect(written.contains("warning probe: reason=bad signature request=r2 [JunctionServerTests] refused"), "\(written)")
        #expect(!written.contains("below the level") && !written.contains("conn_1") && !written.contains("r1"))
        // The same line as the stream handler's own, up to the timestamp at its start.
        let line = { (text: String) in text.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" }
        #expect(line(written) == line(expected.text.withLock { $0 }))
    }
}
