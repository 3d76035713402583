import JunctionCore

/// A request the application refused or could not carry out, in terms of the domain: what kind of failure it was, a
/// stable code a client can branch on, and a message for the person reading it. The HTTP layer turns it into a
/// problem document in one place; the CLI prints its message.
public struct ApplicationError: JunctionError, Equatable {
    /// The kind of failure, which decides how a client should react (and the HTTP status).
    public enum Kind: Sendable, Equatable {
        /// The input is malformed or breaks a rule; sending it again unchanged fails again.
        case invalidInput
        /// No such thing exists (or it cannot exist, such as an id of the wrong shape).
        case notFound
        /// The thing exists but its state does not allow this now (a disabled endpoint, a connection needing consent).
        case conflict
        /// The operation does not apply to this thing (a resource that cannot be deleted).
        case notSupported
        /// The input is well-formed but cannot be carried out as it is (a record the connection's mapping cannot map).
        case unprocessable
    }

    /// The kind of failure.
    public var kind: Kind
    /// A stable, kebab-case code (`unknown-fields`, `not-found`, `endpoint-disabled`): a problem's type is `/problems/<code>`.
    public var code: String
    /// A short, stable summary of the code.
    public var title: String
    /// What went wrong in this request and, where there is one, what to do about it. Never contains a secret.
    public var detail: String
    /// Facts a client can act on: the unknown fields, the accepted values.
    public var details: [String: JSONValue]

    /// An error.
    public init(kind: Kind, code: String, title: String, detail: String, details: [String: JSONValue] = [:]) {
        self.kind = kind
        self.code = code
        self.title = title
        self.detail = detail
        self.details = details
    }

    /// The input breaks a rule; `code` names which kind of rule (`invalid-request`, `invalid-field`).
    public static func invalid(_ detail: String, code: String = "invalid-request", details: [String: JSONValue] = [:]) -> Self {
        Self(kind: .invalidInput, code: code, title: "Invalid request", detail: detail, details: details)
    }

    /// Nothing exists by that name or id.
    public static func notFound(_ detail: String, details: [String: JSONValue] = [:]) -> Self {
        Self(kind: .notFound, code: "not-found", title: "Not found", detail: detail, details: details)
    }

    /// A `noun` with `id` does not exist; `prefix` tells what its ids look like.
    public static func notFound(_ noun: String, id: String, prefix: String) -> Self {
        notFound("no \(noun) with id '\(id.prefix(64))' (\(noun) ids look like \(prefix)_01J…)")
    }

    /// Members an object may not have: a misspelt field is an error rather than silently ignored.
    public static func unknownFields(_ names: [String], accepted: String) -> Self {
        let sorted = names.sorted()
        return Self(
            kind: .invalidInput, code: "unknown-fields", title: "Invalid request",
            detail: "unknown \(sorted.count == 1 ? "field" : "fields") \(sorted.map { "'\($0)'" }.joined(separator: ", ")); \(accepted)",
            details: ["unknownFields": .array(sorted.map(JSONValue.string))])
    }
}
