import HTTPTypes
import JunctionApp
import JunctionAuth
import JunctionConnectors
import JunctionCore
import JunctionHTTP

/// How connection, connector and provider failures read as problem documents: the caller's mistakes are 4xx, the
/// connection's or the provider's state is passed on (404, 409, 422, 429 with `Retry-After`), and a provider or token
/// endpoint that fails or cannot be reached is 502/503/504. Never a 500 for something the provider said.
extension ProblemDetails {
    /// The problem a domain error becomes, or `nil` for an error that is not one (a bug: a 500, logged).
    init?(domain error: any Error) {
        switch error {
        case let error as ProblemDetails: self = error
        case let error as ApplicationError: self.init(error)
        case let error as ConnectionCallError: self.init(error)
        case let error as ConnectorError: self.init(error)
        case let error as APIError: self.init(error)
        default: return nil
        }
    }

    init(_ error: ConnectionCallError) {
        switch error {
        case .unknownProvider:
            self.init(status: .conflict, type: "/problems/unknown-provider", title: error.title, detail: error.detail)
        case .noBaseURL:
            self.init(status: .conflict, type: "/problems/connection-settings", title: error.title, detail: error.detail)
        case .insecureInstanceURL:
            self.init(status: .badGateway, type: "/problems/provider-instance-url", title: error.title, detail: error.detail)
        case .credentials:
            self.init(status: .conflict, type: "/problems/connection-credentials", title: error.title, detail: error.detail)
        case .tokenEndpoint(let cause):
            let status: HTTPResponse.Status =
                switch cause {
                case .timeout: .gatewayTimeout
                case .circuitOpen: .serviceUnavailable
                default: .badGateway
                }
            self.init(status: status, type: "/problems/token-endpoint", title: error.title, detail: error.detail)
        }
    }

    init(_ error: ConnectorError) {
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
        self.init(status: status, type: type, title: error.title, detail: error.detail)
    }

    init(_ error: APIError) {
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
        case .hostNotAllowed: (status, type) = (.conflict, "/problems/host-not-allowed")
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
        self.init(status: status, type: type, title: error.title, detail: error.detail, extensions: extensions, headers: headers)
    }
}
