import ArgumentParser
import AsyncHTTPClient
import Foundation
import JunctionConnectors
import JunctionCore
import NIOCore
import NIOHTTP1

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
            let reason = "\(error)".contains("refused") ? "nothing is listening there" : "\(error)"
            throw CLIError(
                "cannot reach the Junction server at \(base) (\(reason)); start it with `junction serve`, or point --server / JUNCTION_URL at it"
            )
        }
        let answer = Answer(
            status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"), body: Data(data.readableBytesView)
        )
        guard (200..<300).contains(answer.status) else {
            if let problem = try? answer.json, let detail = problem["detail"]?.stringValue {
                let title = problem["title"]?.stringValue ?? "Error"
                // Details often restate the title ("the provider rejected the input: …"); say it once.
                if detail.lowercased().hasPrefix(title.lowercased()) { throw CLIError("\(detail) (\(answer.status))") }
                throw CLIError("\(title) (\(answer.status)): \(detail)")
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
        FormEncoding.percentEncoded(text)
    }
}
