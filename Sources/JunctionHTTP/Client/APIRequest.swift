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
    /// Lowercased names of headers and query parameters that carry a credential under a name the redactor
    /// could not guess (`Ocp-Apim-Subscription-Key`, `appid`): masked in every log line.
    public var secretNames: Set<String> = []

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
        switch method {
        case .get, .head, .options, .trace, .put, .delete: true
        default: false
        }
    }

    /// The URL's host (without port), the circuit breaker's key. Read straight from the text:
    /// `URLComponents` would also run IDNA conversion, which costs more than the rest of a call's bookkeeping.
    public var host: String {
        let bytes = Array(url.utf8)
        var start = 0
        for index in 0..<max(0, bytes.count - 2)
        where bytes[index] == UInt8(ascii: ":") && bytes[index + 1] == UInt8(ascii: "/")
            && bytes[index + 2] == UInt8(ascii: "/")
        {
            start = index + 3
            break
        }
        guard start > 0 else { return url }
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "/"), bytes[end] != UInt8(ascii: "?"), bytes[end] != UInt8(ascii: "#") {
            end += 1
        }
        var authority = bytes[start..<end]
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) { authority = authority[(at + 1)...] }
        if authority.first == UInt8(ascii: "["), let close = authority.firstIndex(of: UInt8(ascii: "]")) {
            return String(decoding: authority[(authority.startIndex + 1)..<close], as: UTF8.self)
        }
        return String(decoding: authority.prefix { $0 != UInt8(ascii: ":") }, as: UTF8.self)
    }
}

/// What every provider answer tells before its body is read: its status and its headers, one by name without
/// converting the rest (what the health bookkeeping and the API version inspection read on every call).
public protocol ProviderAnswer: Sendable {
    /// The status code.
    var status: Int { get }
    /// The value of the header `name` (case-insensitive), several values joined by commas.
    func header(_ name: String) -> String?
}

/// A provider's answer whose body is still arriving.
public struct APIStreamingResponse: ProviderAnswer {
    /// The status code.
    public var status: Int
    /// Response headers.
    public var headers: HTTPFields {
        get { storedHeaders.fields }
        set { storedHeaders.fields = newValue }
    }
    /// The body, as the provider sends it.
    public var body: HTTPClientResponse.Body
    /// Which attempt produced it (1 = first try).
    public var attempt: Int
    private var storedHeaders: ResponseHeaders

    public func header(_ name: String) -> String? { storedHeaders[name] }

    init(status: Int, headers: ResponseHeaders, body: HTTPClientResponse.Body, attempt: Int) {
        self.status = status
        self.storedHeaders = headers
        self.body = body
        self.attempt = attempt
    }
}

/// A provider's answer, body collected.
public struct APIResponse: ProviderAnswer {
    /// The status code.
    public var status: Int
    /// Response headers.
    public var headers: HTTPFields {
        get { storedHeaders.fields }
        set { storedHeaders.fields = newValue }
    }
    /// The body.
    public var body: Data
    /// Which attempt produced it (1 = first try).
    public var attempt: Int
    private var storedHeaders: ResponseHeaders

    public func header(_ name: String) -> String? { storedHeaders[name] }

    /// A response.
    public init(status: Int, headers: HTTPFields, body: Data, attempt: Int) {
        self.init(status: status, headers: ResponseHeaders(headers), body: body, attempt: attempt)
    }

    init(status: Int, headers: ResponseHeaders, body: Data, attempt: Int) {
        self.status = status
        self.storedHeaders = headers
        self.body = body
        self.attempt = attempt
    }

    /// The body decoded as JSON into `type`.
    public func decode<Value: Decodable>(_ type: Value.Type, decoder: JSONDecoder = JSONDecoder()) throws -> Value {
        try decoder.decode(type, from: body)
    }
}
