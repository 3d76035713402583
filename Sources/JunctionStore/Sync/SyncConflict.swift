import Foundation
import JunctionCore

/// A record both sides of a two-way sync changed in a way its policy does not settle. While it is open the record
/// keeps its content on both sides; the provider's later versions update ``remote`` and the application's later
/// changes join it.
public struct SyncConflict: Sendable, Equatable {
    /// Whether a person has settled it.
    public enum Status: String, Sendable, CaseIterable {
        /// Waiting for a person.
        case open
        /// Settled; the resolution is pushed as a change of its own.
        case resolved
    }

    /// `cfl_…`, time-ordered.
    public var id: String
    /// The sync.
    public var syncID: String
    /// The provider's id of the record.
    public var externalID: String
    /// Open or resolved.
    public var status: Status
    /// What both sides last agreed (`nil`: nothing, the record is new).
    public var base: JSONObject?
    /// The provider's version, kept current while open (`nil`: deleted at the provider).
    public var remote: JSONObject?
    /// When the provider last changed it, when known.
    public var remoteChangedAt: Date?
    /// When it was opened.
    public var openedAt: Date
    /// When it last changed.
    public var updatedAt: Date
    /// When, by whom and how it was resolved.
    public var resolvedAt: Date?
    /// Who resolved it (as the request said).
    public var resolvedBy: String?
    /// How: `{"take": "local"|"remote"}` or `{"record": {…}}`.
    public var resolution: JSONValue?
    /// The change that pushes the resolution.
    public var resolutionChangeID: String?
    /// The last status a message went out for (`nil`: none yet).
    public var announced: Status?

    /// The prefix of conflict ids.
    public static let idPrefix = "cfl"

    /// A new open conflict.
    public init(
        id: String = ResourceID.make(prefix: SyncConflict.idPrefix), syncID: String, externalID: String, base: JSONObject?,
        remote: JSONObject?, remoteChangedAt: Date?, now: Date = Date()
    ) {
        self.id = id
        self.syncID = syncID
        self.externalID = externalID
        self.status = .open
        self.base = base
        self.remote = remote
        self.remoteChangedAt = remoteChangedAt
        self.openedAt = now
        self.updatedAt = now
        self.resolvedAt = nil
        self.resolvedBy = nil
        self.resolution = nil
        self.resolutionChangeID = nil
        self.announced = nil
    }
}
