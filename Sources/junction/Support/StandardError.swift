import Foundation

/// Writes a line to standard error: hints and refusals, kept off standard output so it stays clean for pipes.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
