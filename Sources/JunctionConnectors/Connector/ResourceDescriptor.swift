import JunctionCore

/// A kind of record a provider holds (Stripe customers, HubSpot contacts), and what can be done with it.
public struct ResourceDescriptor: Sendable, Equatable {
    /// The operations a resource may support.
    public enum Operation: String, Sendable, Codable, CaseIterable, Comparable {
        case list, get, create, update, delete

        public static func < (left: Operation, right: Operation) -> Bool {
            allCases.firstIndex(of: left) ?? 0 < allCases.firstIndex(of: right) ?? 0
        }
    }

    /// Where deletions of this resource can be learned from, for sync.
    public enum DeleteSource: Sendable, Equatable {
        /// Nowhere: a sync detects deletes only by a full comparison.
        case none
        /// Deleted records stay listed with this field set to this value (HubSpot `archived: true`).
        case flag(field: String, value: String)
        /// A change feed reports them: events of these types in another resource (Stripe `customer.deleted`).
        case events(resource: String, types: [String])
        /// A dedicated call lists them (Salesforce `getDeleted`).
        case endpoint(String)

        /// A one-line description for listings.
        public var summary: String {
            switch self {
            case .none: "none"
            case .flag(let field, let value): "records with \(field) = \(value)"
            case .events(let resource, let types): "\(resource) of type \(types.joined(separator: ", "))"
            case .endpoint(let path): path
            }
        }
    }

    /// The name used in routes (`customers`).
    public var name: String
    /// What it is, in a few words.
    public var description: String
    /// What can be done with it.
    public var operations: Set<Operation>
    /// The field of a record holding the provider's id.
    public var idField: String
    /// The field whose value orders changes, for incremental listing (`updatedSince`); `nil` if there is none.
    public var cursorField: String?
    /// Where deletions are learned from.
    public var deleteSource: DeleteSource

    /// A resource.
    public init(
        name: String, description: String = "", operations: Set<Operation>, idField: String = "id", cursorField: String? = nil,
        deleteSource: DeleteSource = .none
    ) {
        self.name = name
        self.description = description
        self.operations = operations
        self.idField = idField
        self.cursorField = cursorField
        self.deleteSource = deleteSource
    }

    /// The provider's id of `record` (read at ``idField``) as text, if it has one.
    public func externalID(of record: JSONValue) -> String? {
        JSONPath.value(at: idField, in: record)?.scalarText
    }
}
