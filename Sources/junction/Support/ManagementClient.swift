import AsyncHTTPClient
import Foundation
import HTTPTypes
import JunctionAPI
import JunctionCore
import NIOCore
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// The management API's generated client (from `openapi.yaml`), with the token on every request, and every failure
/// (a problem document, an unreachable server) turned into one readable ``CLIError`` line.
struct ManagementClient: Sendable {
    /// The server's URL, for messages.
    let base: String
    /// The generated client.
    let api: Client

    /// A client of the server at `base` (an http or https URL) that sends `token`.
    init(base: URL, token: String) {
        self.base = base.absoluteString
        self.api = Client(
            serverURL: base, configuration: JunctionAPI.configuration,
            transport: AsyncHTTPClientTransport(configuration: .init(client: .shared, timeout: .seconds(120))),
            middlewares: [BearerToken(token: token), ProblemAnswers()])
    }

    /// Runs `operation` against the API; its failures come out as one line.
    func run<Value>(_ operation: (Client) async throws -> Value) async throws -> Value {
        do {
            return try await operation(api)
        } catch let error as ClientError {
            if let failure = error.underlyingError as? CLIError { throw failure }
            if error.response == nil {
                let reason = "\(error.underlyingError)".contains("refused") ? "nothing is listening there" : "\(error.underlyingError)"
                throw CLIError(
                    "cannot reach the Junction server at \(base) (\(reason)); start it with `junction serve`, or point --server / JUNCTION_URL at it"
                )
            }
            throw CLIError("the server's answer to \(error.operationID) does not match the API's description: \(error.underlyingError)")
        }
    }

    /// Every item of a paged listing, following `nextCursor`; `progress` sees the running count.
    func all<Item>(
        progress: ((Int) -> Void)? = nil, page: (Client, _ cursor: String?) async throws -> (items: [Item], nextCursor: String?)
    ) async throws -> [Item] {
        var items: [Item] = []
        var cursor: String?
        repeat {
            let next = try await run { try await page($0, cursor) }
            items += next.items
            progress?(items.count)
            cursor = next.nextCursor
        } while cursor != nil
        return items
    }

    /// Puts the management token on every request.
    private struct BearerToken: ClientMiddleware {
        let token: String

        func intercept(
            _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
            next: (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
        ) async throws -> (HTTPResponse, HTTPBody?) {
            var request = request
            request.headerFields[.authorization] = "Bearer \(token)"
            return try await next(request, body, baseURL)
        }
    }

    /// Turns an answer outside 2xx into its problem document's title and detail, said once.
    private struct ProblemAnswers: ClientMiddleware {
        func intercept(
            _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
            next: (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
        ) async throws -> (HTTPResponse, HTTPBody?) {
            let (response, responseBody) = try await next(request, body, baseURL)
            guard !(200..<300).contains(response.status.code) else { return (response, responseBody) }
            var bytes = Data()
            if let responseBody { bytes = try await Data(collecting: responseBody, upTo: 1024 * 1024) }
            let problem = try? JSONValue.parse(String(decoding: bytes, as: UTF8.self))
            guard let detail = problem?["detail"]?.stringValue else { throw CLIError("the server answered \(response.status.code)") }
            let title = problem?["title"]?.stringValue ?? "Error"
            // Details often restate the title ("the provider rejected the input: …"); say it once.
            if detail.lowercased().hasPrefix(title.lowercased()) { throw CLIError("\(detail) (\(response.status.code))") }
            throw CLIError("\(title) (\(response.status.code)): \(detail)")
        }
    }
}
