import ArgumentParser

/// A failure the CLI reports as one readable line and a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    let description: String

    init(_ message: String) {
        self.description = message
    }
}
