import Foundation
import Synchronization

/// A progress bar on standard error for long CLI work. On a terminal it redraws one line; otherwise (CI,
/// a pipe) it prints a line at most every tenth of the work, so logs stay short. With no known total (a listing
/// of unknown length) it counts instead.
final class ProgressBar: Sendable {
    private let label: String
    private let total: Int
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private let lastReportedTenth = SynchronizedValue(-1)

    /// A bar for `total` units of work; 0 when the total is not known.
    init(label: String, total: Int) {
        self.label = label
        self.total = max(total, 0)
    }

    func update(_ done: Int) {
        guard total > 0 else {
            if isTerminal { FileHandle.standardError.write(Data("\r\(label): \(done)".utf8)) }
            return
        }
        let fraction = total == 0 ? 1 : min(1, Double(done) / Double(total))
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\(label) \(bar) \(done)/\(total)".utf8))
        } else {
            let tenth = Int(fraction * 10)
            if lastReportedTenth.exchangeIfGreater(tenth) {
                FileHandle.standardError.write(Data("\(label): \(done)/\(total)\n".utf8))
            }
        }
    }

    /// Shows `text` as the bar's line, for work measured in more than one number (a sync run's pages and records). On a
    /// terminal the line is redrawn; elsewhere it is printed at most every five seconds, and always when `final`.
    func status(_ text: String, final: Bool = false) {
        if isTerminal {
            FileHandle.standardError.write(Data("\r\(label): \(text)\u{1B}[K".utf8))
            return
        }
        let now = Int(Date().timeIntervalSince1970)
        if lastReportedTenth.exchangeIfGreater(now / 5) || final {
            FileHandle.standardError.write(Data("\(label): \(text)\n".utf8))
        }
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// An integer behind a lock.
final class SynchronizedValue: Sendable {
    private let value: Mutex<Int>

    init(_ initial: Int) {
        self.value = Mutex(initial)
    }

    /// Stores `candidate` and returns true when it is greater than the stored value.
    func exchangeIfGreater(_ candidate: Int) -> Bool {
        value.withLock { current in
            guard candidate > current else { return false }
            current = candidate
            return true
        }
    }
}
