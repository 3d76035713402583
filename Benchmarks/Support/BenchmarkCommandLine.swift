import Foundation

/// A benchmark's command line: `--name value` options, read without trusting them.
public struct BenchmarkCommandLine: Sendable {
    private let arguments: [String]

    /// The options of this process, or of `arguments` in a test.
    public init(_ arguments: [String] = CommandLine.arguments) {
        self.arguments = arguments
    }

    /// The value after `name`; `nil` when the option is absent or has no value (the next argument is another option).
    public func value(_ name: String) -> String? {
        guard let index = arguments.firstIndex(of: name), arguments.indices.contains(index + 1) else { return nil }
        let value = arguments[index + 1]
        return value.hasPrefix("--") ? nil : value
    }

    /// A count or size: `fallback` when absent; an error when given but not a positive integer.
    public func integer(_ name: String, default fallback: Int) throws -> Int {
        guard let text = value(name) else { return fallback }
        guard let number = Int(text), number > 0 else { throw BenchmarkError("\(name) takes a positive integer, not '\(text)'") }
        return number
    }

    /// Whether the flag `name` is present.
    public func contains(_ name: String) -> Bool {
        arguments.contains(name)
    }
}

/// Why a benchmark could not run, in one line.
public struct BenchmarkError: Error, CustomStringConvertible {
    public let description: String

    /// An error reading `description`.
    public init(_ description: String) {
        self.description = description
    }
}

/// Runs a benchmark; a failure (a bad option, an unreachable database or server) ends the process with one line on
/// standard error and exit status 1, instead of a crash report.
public func runBenchmark(_ body: () async throws -> Void) async {
    do {
        try await body()
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
}

/// This process's user and system CPU time so far, in microseconds.
public func processCPUMicroseconds() -> Double {
    var usage = rusage()
    #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
        getrusage(RUSAGE_SELF, &usage)
    #endif
    let seconds = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
    return seconds * 1e6 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
}

/// Process CPU time (user + system) per call of `call`, in microseconds: `requests` calls made by `concurrency`
/// tasks at once. The CPU-per-request benchmarks pair two of these per round.
public func cpuMicrosecondsPerCall(_ call: @escaping @Sendable () async throws -> Void, requests: Int, concurrency: Int) async throws -> Double {
    let before = processCPUMicroseconds()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<concurrency {
            let share = requests / concurrency + (worker < requests % concurrency ? 1 : 0)
            group.addTask {
                for _ in 0..<share { try await call() }
            }
        }
        try await group.waitForAll()
    }
    return (processCPUMicroseconds() - before) / Double(requests)
}
