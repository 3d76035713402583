import ArgumentParser
import AsyncHTTPClient
import Foundation
import JunctionCore
import NIOCore
import NIOHTTP1

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
        guard let components = URLComponents(string: url), ["http", "https"].contains(components.scheme ?? ""), components.host != nil
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
        return ManagementClient(base: url.hasSuffix("/") ? String(url.dropLast()) : url, token: token)
    }
}

/// Calls the management API and turns its problem documents into one readable line.
struct ManagementClient: Sendable {
    let base: String
    let token: String

    /// The answer of a call: its status, content type and body.
    struct Answer: Sendable {
        var status: Int
        var contentType: String?
        var body: Data

        var json: JSONValue {
            get throws {
                guard let value = try? JSONValue.parse(String(decoding: body, as: UTF8.self)) else {
                    throw CLIError("the server answered with something that is not JSON (status \(status))")
                }
                return value
            }
        }
    }

    /// Sends a request to `path` (under the server's URL) and returns a 2xx answer; anything else is a ``CLIError``.
    func call(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: try body.serialized()))
        }
        let response: HTTPClientResponse
        let data: ByteBuffer
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
            data = try await response.body.collect(upTo: 64 * 1024 * 1024)
        } catch {
            throw CLIError("cannot reach the Junction server at \(base): \(error)")
        }
        let answer = Answer(
            status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"), body: Data(data.readableBytesView)
        )
        guard (200..<300).contains(answer.status) else {
            if let problem = try? answer.json, let detail = problem["detail"]?.stringValue {
                throw CLIError("\(problem["title"]?.stringValue ?? "Error") (\(answer.status)): \(detail)")
            }
            throw CLIError("the server answered \(answer.status)")
        }
        return answer
    }

    /// Every item of a paged listing (`data` + `nextCursor`), following cursors; `progress` sees the running count.
    func all(_ path: String, progress: ((Int) -> Void)? = nil) async throws -> [JSONValue] {
        var items: [JSONValue] = []
        var cursor: String?
        repeat {
            let separator = path.contains("?") ? "&" : "?"
            let page = try await call(.GET, path + (cursor.map { separator + "cursor=" + Self.encoded($0) } ?? "")).json
            items += page["data"]?.arrayValue ?? []
            progress?(items.count)
            cursor = page["nextCursor"]?.stringValue
        } while cursor != nil
        return items
    }

    /// A query or path value, percent-encoded.
    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(
            withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"))
            ?? text
    }
}

/// JSON output for `--json`: pretty, keys sorted.
enum JSONOutput {
    static func print(_ value: JSONValue) throws {
        let data = try JSONSerialization.data(
            withJSONObject: try JSONSerialization.jsonObject(with: Data(try value.serialized().utf8), options: [.fragmentsAllowed]),
            options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        Swift.print(String(decoding: data, as: UTF8.self))
    }

    /// A cell for a table: text as is, other values as compact JSON, cut to `width`.
    static func cell(_ value: JSONValue?, width: Int = 40) -> String {
        let text: String
        switch value {
        case nil, .null?: text = ""
        case .string(let string)?: text = string
        case .number(let number)?: text = number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .bool(let flag)?: text = flag ? "true" : "false"
        case let other?: text = (try? other.serialized()) ?? ""
        }
        let line = text.replacingOccurrences(of: "\n", with: " ")
        return line.count > width ? String(line.prefix(width - 1)) + "…" : line
    }
}
