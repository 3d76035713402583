import ArgumentParser
import Foundation

/// Where a running Junction server is, and its management token, for the commands that work through its API.
struct ServerOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("The Junction server's URL. Env: JUNCTION_URL. Default: http://127.0.0.1:8080.", valueName: "url"))
    var server: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A file holding the management API token. Default: the JUNCTION_ADMIN_TOKEN environment variable (never a flag, so it stays out of shell history).",
            valueName: "file"))
    var tokenFile: String?

    func client() throws -> ManagementClient {
        let url = server ?? Environment.value("JUNCTION_URL") ?? "http://127.0.0.1:8080"
        guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme ?? ""), components.host != nil,
            let base = URL(string: url.hasSuffix("/") ? String(url.dropLast()) : url)
        else {
            throw CLIError("--server must be an http or https URL, not '\(url)'")
        }
        let token: String
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw CLIError("cannot read the token file \(tokenFile)")
            }
            token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else if let value = Environment.value("JUNCTION_ADMIN_TOKEN") {
            token = value
        } else {
            throw CLIError("no management token: set JUNCTION_ADMIN_TOKEN or pass --token-file")
        }
        return ManagementClient(base: base, token: token)
    }
}
