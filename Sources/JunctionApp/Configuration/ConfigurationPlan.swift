/// What applying a configuration does (or, in a dry run, would do), one step per entry of the file and per resource a
/// prune deletes, in the order they are carried out.
public struct ConfigurationPlan: Sendable, Equatable {
    /// The kinds of resource a file declares, in the order they are created.
    public enum Kind: String, Sendable, CaseIterable, Comparable {
        case integration, connection, endpoint, sync

        public static func < (lhs: Kind, rhs: Kind) -> Bool {
            allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
        }
    }

    /// What happens to one resource.
    public enum Action: String, Sendable {
        /// Made from its entry.
        case create
        /// Set to its entry (which changed since it was last applied, or was made by hand before).
        case update
        /// Left alone: its entry is as last applied.
        case unchanged
        /// Deleted by `--prune`: a file made it and no longer names it.
        case delete
    }

    /// One step.
    public struct Step: Sendable, Equatable {
        /// The kind of resource.
        public var kind: Kind
        /// The entry's name in the file.
        public var name: String
        /// What happens.
        public var action: Action
        /// The resource's id, once it has one (an integration's key).
        public var resourceID: String?
        /// Why, for people (`adopts the existing integration`, `changed since last applied`).
        public var reason: String?

        /// A step.
        public init(kind: Kind, name: String, action: Action, resourceID: String? = nil, reason: String? = nil) {
            (self.kind, self.name, self.action, self.resourceID, self.reason) = (kind, name, action, resourceID, reason)
        }
    }

    /// The steps, in order.
    public var steps: [Step]
    /// Whether anything was (or would be) changed.
    public var applied: Bool

    /// A plan.
    public init(steps: [Step], applied: Bool) {
        (self.steps, self.applied) = (steps, applied)
    }

    /// How many steps change something.
    public var changes: Int { steps.filter { $0.action != .unchanged }.count }
}
