import HTTPTypes
import JunctionConnectors
import JunctionCore
import JunctionHTTP

/// How connector and provider failures read as problem documents: the caller's mistakes are 4xx, the provider's
/// state is passed on (404, 409, 422, 429 with `Retry-After`), and a provider that fails or cannot be reached is
/// 502/503/504. Never a 500 for something the provider said.
enum ConnectorProblems {
    static func problem(for error: any Error) -> ProblemDetails {
        switch error {
        case let error as ConnectorError: return problem(for: error)
        case let error as APIError: return problem(for: error)
        case let error as ProblemDetails: return error
        default:
            return ProblemDetails(
                status: .badGateway, type: "/problems/provider-call", title: "Provider call failed", detail: String(describing: error))
        }
    }

    static func problem(for error: ConnectorError) -> ProblemDetails {
        let (status, type): (HTTPResponse.Status, String) =
            switch error {
            case .unknownResource: (.notFound, "/problems/unknown-resource")
            case .unsupportedOperation: (.methodNotAllowed, "/problems/unsupported-operation")
            case .incrementalUnsupported: (.badRequest, "/problems/incremental-unsupported")
            case .invalidCursor: (.badRequest, "/problems/invalid-cursor")
            case .invalidInput: (.badRequest, "/problems/invalid-record")
            case .unexpectedResponse: (.badGateway, "/problems/unexpected-provider-response")
            case .missingSetting: (.conflict, "/problems/connection-settings")
            case .checkpointExpired: (.gone, "/problems/full-resync-required")
            case .probeUnavailable: (.methodNotAllowed, "/problems/no-health-probe")
            }
        return ProblemDetails(status: status, type: type, title: error.title, detail: error.detail)
    }

    static func problem(for error: APIError) -> ProblemDetails {
        var headers: HTTPFields = [:]
        let (status, type): (HTTPResponse.Status, String)
        switch error {
        case .transport: (status, type) = (.badGateway, "/problems/provider-unreachable")
        case .timeout: (status, type) = (.gatewayTimeout, "/problems/provider-timeout")
        case .circuitOpen(_, let retryAfter):
            (status, type) = (.serviceUnavailable, "/problems/circuit-open")
            headers[.retryAfter] = String(max(1, retryAfter.components.seconds))
        case .rateLimited(let retryAfter, _):
            (status, type) = (.tooManyRequests, "/problems/provider-rate-limited")
            if let retryAfter { headers[.retryAfter] = String(max(1, retryAfter.components.seconds)) }
        case .unauthorized: (status, type) = (.conflict, "/problems/provider-credentials")
        case .forbidden: (status, type) = (.conflict, "/problems/provider-permission")
        case .notFound: (status, type) = (.notFound, "/problems/provider-not-found")
        case .conflict: (status, type) = (.conflict, "/problems/provider-conflict")
        case .validation: (status, type) = (.unprocessableContent, "/problems/provider-validation")
        case .server, .client: (status, type) = (.badGateway, "/problems/provider-error")
        case .invalidRequest: (status, type) = (.badRequest, "/problems/invalid-request")
        }
        var extensions: [String: JSONValue] = [:]
        if let providerStatus = error.status { extensions["providerStatus"] = .number(Double(providerStatus)) }
        switch error {
        case .rateLimited(_, let details), .unauthorized(let details), .forbidden(let details), .notFound(let details),
            .conflict(let details), .validation(_, let details), .server(_, let details), .client(_, let details):
            if let code = details.code { extensions["providerCode"] = .string(code) }
            if !details.fields.isEmpty { extensions["providerFields"] = .array(details.fields.map(JSONValue.string)) }
        default: break
        }
        return ProblemDetails(
            status: status, type: type, title: error.title, detail: error.detail, extensions: extensions, headers: headers)
    }
}
