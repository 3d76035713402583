import Foundation
import JunctionCore


/// What a provider said about one API version and endpoint a connection called, as last seen.
public struct APIVersionNotice: Sendable, Equatable {
    /// Which connection, version and endpoint it is about.
    public struct Key: Sendable, Hashable {
        /// The connection.
        public var connectionID: String
        /// The API version its calls used (`unversioned` when it pins none).
        public var version: String
        /// `GET /v1/customers`.
        public var endpoint: String

        /// A key.
        public init(connectionID: String, version: String, endpoint: String) {
            (self.connectionID, self.version, self.endpoint) = (connectionID, version, endpoint)
        }
    }

    /// Which connection, version and endpoint.
    public var key: Key
    /// What the provider said.
    public var notice: DeprecationNotice
    /// When it first said it (for a stored notice).
    public var firstSeenAt: Date
    /// When it last said it.
    public var lastSeenAt: Date

    /// A notice seen at `seenAt`.
    public init(key: Key, notice: DeprecationNotice, seenAt: Date) {
        (self.key, self.notice, self.firstSeenAt, self.lastSeenAt) = (key, notice, seenAt, seenAt)
    }
}
