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

/// CPU time (user + system, in microseconds) used so far by every running process of this user whose program name
/// (`/proc/PID/comm`) starts with one of `programs`, summed per program: what a peer (the database server, a Python
/// fixture) spent, to set beside this process's own. Linux only; empty elsewhere. Processes that ended are not counted,
/// so compare two readings taken while the peers run.
public func peerCPUMicroseconds(_ programs: [String]) -> [String: Double] {
    var totals: [String: Double] = Dictionary(uniqueKeysWithValues: programs.map { ($0, 0) })
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    guard ticks > 0, let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return totals }
    for pid in entries where pid.allSatisfy(\.isNumber) {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
        else { continue }
        let name = String(stat[stat.index(after: open)..<close])
        guard let program = programs.first(where: { name.hasPrefix($0) }) else { continue }
        // Fields after the name: state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
        totals[program, default: 0] += (user + system) / ticks * 1e6
    }
    return totals
}
