import JunctionAuth
import JunctionCore
import JunctionHTTP

/// Why a call through a connection could not be made, before or around the provider's own answer (which is an
/// `APIError` or a `ConnectorError`): the connection is not usable as configured, or its credentials could not be
/// obtained.
public enum ConnectionCallError: JunctionError, Equatable {
    /// The connection's provider has no connector on this server (its definition was removed).
    case unknownProvider(String)
    /// Neither the connection's `settings.baseURL`, its token's instance URL nor the provider gives a base URL.
    case noBaseURL
    /// The token answer named an instance URL that is neither https nor loopback; the token is not sent there.
    case insecureInstanceURL
    /// The connection's credentials are not usable (consent revoked, refresh cooling down): the connection's state.
    case credentials(OAuth2Error)
    /// The token endpoint could not be reached or failed.
    case tokenEndpoint(APIError)

    public var title: String {
        switch self {
        case .unknownProvider: "Provider not available"
        case .noBaseURL: "No base URL"
        case .insecureInstanceURL: "Unusable instance URL"
        case .credentials(let error): error.title
        case .tokenEndpoint: "Token endpoint failed"
        }
    }

    public var detail: String {
        switch self {
        case .unknownProvider(let name): "this server has no connector for provider '\(name)' (was its definition removed?)"
        case .noBaseURL: "the connection has no settings.baseURL, and its provider has no default"
        case .insecureInstanceURL: "the token answer named an instance URL that is not https; the token is not sent there"
        case .credentials(let error): error.detail
        case .tokenEndpoint(let error): "the connection's token could not be obtained: \(error.detail)"
        }
    }
}

extension ConnectionCallError {
    /// Whether only a person can make the connection usable again (consent revoked: `invalid_grant`), so work that
    /// uses it should wait for that rather than retry.
    public var needsAuthorization: Bool {
        switch self {
        case .credentials(.reauthorizationRequired), .credentials(.invalidGrant): true
        default: false
        }
    }
}
