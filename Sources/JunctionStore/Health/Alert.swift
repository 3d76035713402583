import Foundation

/// Something a person should look at: opened by a cause (a connection going down, an API version nearing its sunset),
/// acknowledged by a person, resolved by itself when the cause goes away. One alert per connection and cause is open
/// at a time; the cause happening again counts an occurrence on it rather than opening another.
public struct Alert: Sendable, Equatable {
    /// Where it is.
    public enum Status: String, Sendable, CaseIterable {
        /// Needs a person.
        case open
        /// A person has seen it; it stays until the cause goes away.
        case acknowledged
        /// The cause went away.
        case resolved
    }

    /// How urgent.
    public enum Severity: String, Sendable, CaseIterable {
        /// Degraded service, a sunset some way off.
        case warning
        /// No service, credentials refused, a sunset within days.
        case critical
    }

    /// `alrt_…`, time-ordered.
    public var id: String
    /// The connection concerned.
    public var connectionID: String?
    /// What raised it: `health`, `reauthorization`, `sunset:<version>`…
    public var cause: String
    /// How urgent it is now.
    public var severity: Severity
    /// Where it is.
    public var status: Status
    /// A one-line summary.
    public var title: String
    /// The facts.
    public var detail: String
    /// How often the cause was seen while it was open.
    public var occurrences: Int
    /// When it opened.
    public var openedAt: Date
    /// When it last changed.
    public var updatedAt: Date
    /// When a person acknowledged it.
    public var acknowledgedAt: Date?
    /// Who.
    public var acknowledgedBy: String?
    /// When it resolved.
    public var resolvedAt: Date?

    /// The prefix of alert ids.
    public static let idPrefix = "alrt"
}
