import Foundation
import HTTPTypes
import JunctionCore
import JunctionHTTP

extension ConnectorSession {
    /// Sends `request` and returns the provider's 2xx answer; any other answer is thrown as ``APIError``, its message
    /// and code read where `errors` says (beyond the error shapes Junction knows) and its status remapped as it says.
    public func send(_ request: APIRequest, errors: ConnectorDefinition.ErrorMapping? = nil) async throws -> APIResponse {
        var request = request
        request.connectionID = connectionID
        let response = try await transport.send(request)
        guard (200..<300).contains(response.status) else { throw Self.providerError(response, errors: errors) }
        return response
    }

    static func providerError(_ response: APIResponse, errors: ConnectorDefinition.ErrorMapping?) -> APIError {
        let status = errors?.statuses[response.status] ?? response.status
        var details = ProviderErrorDetails.parse(status: response.status, body: response.body, contentType: response.headers[.contentType])
        if let errors, errors.message != nil || errors.code != nil, let body = try? response.jsonBody() {
            if let message = errors.message.flatMap({ $0.value(in: body)?.scalarText }) { details.message = message }
            if let code = errors.code.flatMap({ $0.value(in: body)?.scalarText }) { details.code = code }
        }
        return APIError.from(status: status, details: details, retryAfter: RetryAfter.delay(from: response.headers[.retryAfter]))
    }
}

extension APIResponse {
    /// The body as JSON, or ``ConnectorError/unexpectedResponse(_:)``.
    public func jsonBody() throws -> JSONValue {
        guard let text = String(validating: body, as: UTF8.self), let value = try? JSONValue.parse(text) else {
            throw ConnectorError.unexpectedResponse("the body is not JSON")
        }
        return value
    }
}

extension JSONValue {
    /// A cursor or id as text: strings as they are, whole numbers without a fraction; empty strings and
    /// everything else are none.
    public var scalarText: String? {
        switch self {
        case .string(let text): text.isEmpty ? nil : text
        case .number, .integer: numberText
        default: nil
        }
    }
}
