import AsyncHTTPClient
import Foundation
import JunctionConnectors
import JunctionCore
import JunctionHTTP
import NIOCore

/// A connector's way out for one connection: credentials from the vault, the connection's client policy (retries,
/// rate limits, breaker), and the provider's final answer handed back whatever its status, so the connector maps
/// errors with what it knows of the provider's error shape.
struct ConnectionTransport: ConnectorTransport {
    let apiClient: APIClient
    let sender: CredentialedSender
    let policy: ClientPolicy
    /// Largest provider response read into memory.
    static let maximumResponseBytes = 32 * 1024 * 1024

    func send(_ request: APIRequest) async throws -> APIResponse {
        try await sender.send(request) { outbound in
            let streamed = try await apiClient.stream(outbound, policy: policy, passingErrorsThrough: true)
            var body = Data()
            for try await chunk in streamed.body {
                body.append(contentsOf: chunk.readableBytesView)
                guard body.count <= Self.maximumResponseBytes else {
                    throw ConnectorError.unexpectedResponse("the response is larger than \(Self.maximumResponseBytes) bytes")
                }
            }
            return APIResponse(status: streamed.status, headers: streamed.headers, body: body, attempt: streamed.attempt)
        }
    }
}
