import JunctionCore

/// Why a connector could not do what was asked, apart from the provider's own errors (``JunctionHTTP/APIError``).
public enum ConnectorError: JunctionError, Equatable {
    /// The provider has no resource by that name.
    case unknownResource(String, provider: String, known: [String])
    /// The resource does not support the operation (`list`, `create`, `changes`, `batch`…).
    case unsupportedOperation(String, resource: String)
    /// `updatedSince` was given for a resource without an incremental cursor.
    case incrementalUnsupported(resource: String)
    /// The cursor is not one this connector handed out.
    case invalidCursor(String)
    /// The input cannot be sent (not an object, cannot be form-encoded).
    case invalidInput(String)
    /// The provider answered 2xx with a body the connector cannot read.
    case unexpectedResponse(String)
    /// The connection lacks a setting the connector needs.
    case missingSetting(String)
    /// The provider no longer accepts the checkpoint (Google's `410 Gone` for an old `syncToken`): list everything
    /// again, without a checkpoint, and treat what is missing as deleted.
    case checkpointExpired(resource: String)
    /// The provider has no health probe (a proxy-only provider): nothing can be checked without knowing its API.
    case probeUnavailable(provider: String)

    public var title: String {
        switch self {
        case .unknownResource: "Unknown resource"
        case .unsupportedOperation: "Operation not supported"
        case .incrementalUnsupported: "Incremental listing not supported"
        case .invalidCursor: "Invalid cursor"
        case .invalidInput: "Invalid record"
        case .unexpectedResponse: "Unexpected provider response"
        case .missingSetting: "Connection setting missing"
        case .checkpointExpired: "Full resync required"
        case .probeUnavailable: "No health probe"
        }
    }

    public var detail: String {
        switch self {
        case .unknownResource(let name, let provider, let known):
            "provider '\(provider)' has no resource '\(name)'"
                + (known.isEmpty ? "; it has no resources (use the proxy)" : "; its resources are \(known.joined(separator: ", "))")
        case .unsupportedOperation(let operation, let resource): "resource '\(resource)' does not support \(operation)"
        case .incrementalUnsupported(let resource): "resource '\(resource)' has no incremental cursor, so updatedSince cannot be used"
        case .invalidCursor(let reason): "the cursor is not valid: \(reason)"
        case .invalidInput(let reason): reason
        case .unexpectedResponse(let reason): "the provider's answer could not be read: \(reason)"
        case .missingSetting(let reason): reason
        case .checkpointExpired(let resource):
            "the provider no longer accepts this checkpoint for '\(resource)'; list again without one (a full resync)"
        case .probeUnavailable(let provider):
            "provider '\(provider)' has no health probe; check the connection with a call through /api/v1/connections/{id}/proxy/…"
        }
    }
}
