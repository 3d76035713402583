import AsyncHTTPClient
import Foundation
import HTTPTypes

/// One call to a provider, described as data so it can be retried, logged (redacted) and signed.
public struct APIRequest: Sendable {
    /// The method.
    public var method: HTTPRequest.Method
    /// The absolute URL.
    public var url: String
    /// Request headers (credentials are added by the caller's authenticator, not stored here by default).
    public var headers: HTTPFields
    /// The body, buffered so it can be sent again on a retry.
    public var body: Data?
    /// Who the call is for: the rate-limit bucket and the log's `connection` field.
    public var connectionID: String?

    /// A request.
    public init(method: HTTPRequest.Method, url: String, headers: HTTPFields = [:], body: Data? = nil, connectionID: String? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectionID = connectionID
    }

    /// Whether repeating the request cannot change the outcome (RFC 9110 §9.2.2).
    public var isIdempotent: Bool {
        [.get, .head, .options, .trace, .put, .delete].contains(method)
    }

    /// The URL's host, the circuit breaker's key.
    public var host: String {
        URLComponents(string: url)?.host ?? url
    }
}

/// A provider's answer whose body is still arriving.
public struct APIStreamingResponse: Sendable {
    /// The status code.
    public var status: Int
    /// Response headers.
    public var headers: HTTPFields
    /// The body, as the provider sends it.
    public var body: HTTPClientResponse.Body
    /// Which attempt produced it (1 = first try).
    public var attempt: Int
}

/// A provider's answer, body collected.
public struct APIResponse: Sendable {
    /// The status code.
    public var status: Int
    /// Response headers.
    public var headers: HTTPFields
    /// The body.
    public var body: Data
    /// Which attempt produced it (1 = first try).
    public var attempt: Int

    /// A response.
    public init(status: Int, headers: HTTPFields, body: Data, attempt: Int) {
        self.status = status
        self.headers = headers
        self.body = body
        self.attempt = attempt
    }

    /// The body decoded as JSON into `type`.
    public func decode<Value: Decodable>(_ type: Value.Type, decoder: JSONDecoder = JSONDecoder()) throws -> Value {
        try decoder.decode(type, from: body)
    }
}
