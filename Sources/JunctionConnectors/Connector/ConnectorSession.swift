import JunctionCore
import JunctionHTTP

/// Sends a request for one connection with its credentials applied, under the API client's retry, rate-limit and
/// circuit-breaker policy. The server implements it; connectors never see a credential.
public protocol ConnectorTransport: Sendable {
    /// Sends `request`; a provider's error answer is thrown as ``APIError``.
    func send(_ request: APIRequest) async throws -> APIResponse
}

/// What a connector needs to serve one connection.
public struct ConnectorSession: Sendable {
    /// The connection's id, for rate limits, breakers and logs.
    public var connectionID: String
    /// Where the provider's API is for this connection (its `settings.baseURL`, or the provider's default).
    public var baseURL: String
    /// The API version pinned for this connection (`settings.apiVersion`, or the provider's default).
    public var apiVersion: String?
    /// The connection's settings, for connector-specific options.
    public var settings: [String: JSONValue]
    /// Sends authorized requests.
    public var transport: any ConnectorTransport

    /// A session for `connectionID`.
    public init(
        connectionID: String, baseURL: String, apiVersion: String?, settings: [String: JSONValue] = [:], transport: any ConnectorTransport
    ) {
        self.connectionID = connectionID
        self.baseURL = baseURL
        self.apiVersion = apiVersion
        self.settings = settings
        self.transport = transport
    }
}
