import JunctionCore

/// Why an OAuth2 step failed. Messages name settings and provider error codes, never a token or secret.
public enum OAuth2Error: JunctionError, Equatable {
    /// The connection's OAuth settings are incomplete or wrong.
    case misconfigured(String)
    /// The token endpoint refused the grant as invalid (`invalid_grant`): a revoked or expired refresh token,
    /// a replayed or wrong code, a PKCE verifier that does not match.
    case invalidGrant(String)
    /// The token endpoint answered another OAuth error or an unexpected response.
    case tokenEndpoint(status: Int, code: String?, description: String?)
    /// The connection needs a person to authorize it again; nothing will be retried until then.
    case reauthorizationRequired(String)
    /// A refresh failed moments ago; the next attempt waits for the cool-down.
    case refreshCoolingDown(secondsLeft: Int)
    /// Another node holds the refresh lease and did not finish in time.
    case refreshTimedOut
    /// The callback's `state` is not one this server issued.
    case unknownState
    /// The callback's `state` was already used.
    case stateAlreadyUsed
    /// The user came back after the state expired.
    case stateExpired
    /// The provider reported an authorization error on the callback (`access_denied`…).
    case authorizationDenied(code: String, description: String?)

    public var title: String {
        switch self {
        case .misconfigured: "OAuth2 misconfigured"
        case .invalidGrant: "OAuth2 grant rejected"
        case .tokenEndpoint: "OAuth2 token endpoint error"
        case .reauthorizationRequired: "Re-authorization required"
        case .refreshCoolingDown: "Token refresh cooling down"
        case .refreshTimedOut: "Token refresh timed out"
        case .unknownState: "Unknown authorization state"
        case .stateAlreadyUsed: "Authorization already completed"
        case .stateExpired: "Authorization expired"
        case .authorizationDenied: "Authorization denied"
        }
    }

    public var detail: String {
        switch self {
        case .misconfigured(let reason): reason
        case .invalidGrant(let description): "the provider rejected the grant (invalid_grant): \(description)"
        case .tokenEndpoint(let status, let code, let description):
            "the token endpoint answered \(status)\(code.map { " \($0)" } ?? "")\(description.map { ": \($0)" } ?? "")"
        case .reauthorizationRequired(let reason): "the connection must be authorized again: \(reason)"
        case .refreshCoolingDown(let seconds): "the last token refresh failed; the next attempt is allowed in \(seconds) s"
        case .refreshTimedOut: "another node is refreshing this connection's token and did not finish in time"
        case .unknownState: "this authorization link was not issued by this server (unknown state); start the authorization again"
        case .stateAlreadyUsed: "this authorization was already completed; a link can be used once"
        case .stateExpired: "this authorization link expired; start the authorization again"
        case .authorizationDenied(let code, let description):
            "the provider did not authorize the connection (\(code))\(description.map { ": \($0)" } ?? "")"
        }
    }
}
