import Foundation
import Synchronization

/// Runs programs for tests: the `junction` binary under test, `pg_dump`, and the like.
public final class ChildProcess: Sendable {
    /// The process.
    public let process: Process
    private let output = OutputBuffer()
    private let errors = OutputBuffer()

    /// The `junction` executable built alongside the tests.
    public static var junctionExecutable: String {
        if let path = ProcessInfo.processInfo.environment["JUNCTION_BINARY"] { return path }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("junction").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/junction").path
    }

    /// Starts `executable` (a path, or a name looked up on PATH) with `arguments` and extra `environment`.
    public init(
        _ executable: String,
        arguments: [String],
        environment: [String: String] = [:],
        workingDirectory: String? = nil
    ) throws {
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        self.process = process
        stdout.fileHandleForReading.readabilityHandler = { [output] handle in
            let chunk = handle.availableData
            output.append(chunk)
        }
        stderr.fileHandleForReading.readabilityHandler = { [errors] handle in
            let chunk = handle.availableData
            errors.append(chunk)
        }
        try process.run()
    }

    /// A test that fails half-way must not leave its servers running: the process dies with its handle.
    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// What the process wrote to standard output so far.
    public var standardOutput: String { output.text }
    /// What the process wrote to standard error so far.
    public var standardError: String { errors.text }

    /// Waits for exit (polling, so the calling task is not blocked), up to `timeout`; returns the status.
    @discardableResult
    public func wait(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                process.terminate()
                throw TestSetupError("process \(process.executableURL?.lastPathComponent ?? "?") did not exit within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(50))  // let the pipes drain
        return process.terminationStatus
    }

    /// Sends `signal` (SIGTERM, SIGKILL…).
    public func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits until standard output or error contains `text`, up to `timeout`; returns the first whole line holding it
    /// (a line still being written is not read, so a number at its end is not cut short).
    @discardableResult
    public func waitForOutput(containing text: String, timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            for written in [standardOutput, standardError] {
                let lines = written.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                if let line = lines.first(where: { $0.contains(text) }) { return String(line) }
            }
            guard process.isRunning else {
                throw TestSetupError("process exited before printing '\(text)'; its last lines: \(lastLines)")
            }
            guard ContinuousClock.now < deadline else { throw TestSetupError("no '\(text)' within \(timeout); last lines: \(lastLines)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The end of standard error, where a failure's reason is: the start of a trace-level log is connection noise,
    /// and a CI log shows only so much of a message.
    private var lastLines: String {
        standardError.split(separator: "\n").suffix(12).joined(separator: "\n")
    }

    /// Runs a program to completion and returns its status and output. Waits by polling, never by blocking a
    /// thread: the tests share a two-thread cooperative pool, and a blocked thread delays every timer in the run.
    public static func run(
        _ executable: String,
        arguments: [String],
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        timeout: Duration = .seconds(120)
    ) async throws -> (status: Int32, standardOutput: String, standardError: String) {
        let child = try ChildProcess(executable, arguments: arguments, environment: environment, workingDirectory: workingDirectory)
        let status = try await child.wait(timeout: timeout)
        return (status, child.standardOutput, child.standardError)
    }

    /// Runs `body` with a port on 127.0.0.1 that refuses connections: bound by a socket that does not listen, so no
    /// other test's server can take it meanwhile (a port picked and released can be, and then answers).
    public static func withRefusingPort<Result>(_ body: (Int) async throws -> Result) async rethrows -> Result {
        let (descriptor, port) = boundSocket()
        defer { close(descriptor) }
        return try await body(port)
    }

    private static func boundSocket() -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        precondition(descriptor >= 0 && port > 0, "could not bind a loopback socket for a test")
        return (descriptor, port)
    }
}

/// Bytes a child process wrote, appended from the pipe's reader thread.
final class OutputBuffer: Sendable {
    private let data = Mutex(Data())

    func append(_ chunk: Data) {
        data.withLock { $0.append(chunk) }
    }

    var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
}
