import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Plain HTTP calls to the Python peers' control routes (configure, inspect), outside anything under test.
public enum PeerHTTP {
    /// The body of a GET.
    public static func get(_ url: String) async throws -> String {
        try await send(url, method: .GET, body: nil)
    }

    /// The body of a POST with a JSON `body`.
    @discardableResult
    public static func post(_ url: String, body: String) async throws -> String {
        try await send(url, method: .POST, body: body)
    }

    private static func send(_ url: String, method: HTTPMethod, body: String?) async throws -> String {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 16 << 20))
    }
}
