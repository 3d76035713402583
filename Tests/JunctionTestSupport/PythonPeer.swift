import Foundation

/// A real protocol peer written in Python (httpbin, an Authlib authorization server, a fault server), run on
/// a free loopback port for the duration of a test. The interpreter is the virtualenv `scripts/test.sh` builds
/// (`JUNCTION_TEST_PYTHON`); the scripts live in `Tests/Peers`.
public struct PythonPeer: Sendable {
    /// The process.
    public let process: ChildProcess
    /// The port it listens on.
    public let port: Int

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Whether peers can run in this environment. With `JUNCTION_TEST_REQUIRE_POSTGRES=1` (the full test
    /// command) a missing interpreter is an error rather than a skip.
    public static var isAvailable: Bool {
        interpreter != nil || TestEngine.requirePostgres
    }

    static var interpreter: String? {
        if let configured = ProcessInfo.processInfo.environment["JUNCTION_TEST_PYTHON"], !configured.isEmpty { return configured }
        let local = packageRoot + "/.venv/bin/python"
        return FileManager.default.isExecutableFile(atPath: local) ? local : nil
    }

    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Starts `Tests/Peers/<script>` with `arguments` and waits for its `listening <port>` line.
    public static func start(_ script: String, arguments: [String] = [], environment: [String: String] = [:]) async throws -> PythonPeer {
        guard let interpreter else {
            throw TestSetupError("no Python with the test peers; run `make test` (it builds .venv), or set JUNCTION_TEST_PYTHON")
        }
        let process = try ChildProcess(
            interpreter,
            arguments: [packageRoot + "/Tests/Peers/" + script] + arguments,
            environment: environment.merging(["PYTHONUNBUFFERED": "1"]) { $1 }
        )
        try await process.waitForOutput(containing: "listening ", timeout: .seconds(60))
        guard let line = process.standardOutput.split(separator: "\n").first(where: { $0.hasPrefix("listening ") }),
            let port = Int(line.dropFirst("listening ".count).trimmingCharacters(in: .whitespaces))
        else {
            process.send(SIGKILL)
            throw TestSetupError("\(script) printed no port: \(process.standardOutput) \(process.standardError)")
        }
        return PythonPeer(process: process, port: port)
    }

    /// Runs `body` with the peer, stopping it afterwards.
    public static func with<Result>(
        _ script: String,
        arguments: [String] = [],
        environment: [String: String] = [:],
        _ body: (PythonPeer) async throws -> Result
    ) async throws -> Result {
        let peer = try await start(script, arguments: arguments, environment: environment)
        defer { peer.stop() }
        return try await body(peer)
    }

    /// Stops the peer.
    public func stop() {
        process.send(SIGKILL)
    }
}
