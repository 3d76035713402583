import HTTPTypes
import JunctionCore

/// A connector written as data: any REST API described by its base URL, auth, resources, paths, pagination,
/// record selectors, incremental cursor, error shape and webhook verifier, and served by ``DeclarativeConnector``
/// with no Swift code. Read from YAML or JSON by ``parse(_:knownVerifiers:)``, which reports every mistake with its
/// path; the reference is in `docs/api-integration-guide.md`.
public struct ConnectorDefinition: Sendable, Equatable {
    /// The provider as the catalog lists it, with the resources below.
    public var descriptor: ProviderDescriptor
    /// How create and update bodies are written.
    public var requestFormat: RequestFormat
    /// The call that shows a connection works; by default, the first listable resource with a page of one.
    public var health: HealthCheck?
    /// Where a provider's error body keeps its message and code, beyond the shapes Junction knows, and which of its
    /// statuses mean something else.
    public var errorMapping: ErrorMapping
    /// How each resource is reached, by resource name.
    public var resources: [String: ResourceDefinition]

    /// How bodies are encoded.
    public enum RequestFormat: String, Sendable, Equatable, CaseIterable {
        /// `application/json`.
        case json
        /// `application/x-www-form-urlencoded` with bracketed nesting (`metadata[plan]=pro`), as Stripe takes it.
        case form
    }

    /// A health probe.
    public struct HealthCheck: Sendable, Equatable {
        /// The path to GET, relative to the base URL.
        public var path: String
        /// Query parameters to add.
        public var query: [String: String]
    }

    /// How a provider's errors read.
    public struct ErrorMapping: Sendable, Equatable {
        /// The human message.
        public var message: JSONPath?
        /// The machine code.
        public var code: JSONPath?
        /// Provider statuses read as other statuses (Frappe's `417` validation failures as `422`).
        public var statuses: [Int: Int]
    }

    /// How one resource is reached.
    public struct ResourceDefinition: Sendable, Equatable {
        /// The collection's path (list and create), relative to the base URL; may contain `{apiVersion}`.
        public var path: String
        /// One record's path (get, update, delete), containing `{id}`.
        public var itemPath: String
        /// Query parameters every list sends (`fields=["*"]`).
        public var query: [String: String]
        /// How pages link.
        public var pagination: Pagination
        /// Where a list response keeps its records; `nil` when the body is the array.
        public var recordsPath: JSONPath?
        /// Where a single-record response keeps the record; `nil` when the body is the record.
        public var recordPath: JSONPath?
        /// Where the id is in a record.
        public var idPath: JSONPath
        /// A key create and update bodies are wrapped in (HubSpot's `properties`).
        public var bodyWrapper: String?
        /// The method of an update: `PATCH`, `PUT` or (Stripe) `POST`.
        public var updateMethod: HTTPRequest.Method
        /// How `updatedSince` becomes a query parameter, for incremental listing.
        public var incremental: Incremental?
        /// Query parameters that list deleted records (HubSpot's `archived=true`), for `flag` deletions.
        public var deletionQuery: [String: String]
        /// Where a change-feed event keeps the deleted record's id (Stripe's `data.object.id`), for `events` deletions.
        public var deletionIDPath: JSONPath?
    }

    /// Pagination of a list.
    public struct Pagination: Sendable, Equatable {
        /// How the next page is found.
        public var style: Style
        /// The page-size parameter, if the provider takes one.
        public var limitParam: String?
        /// The largest page the provider serves (and the default page size).
        public var maxPageSize: Int

        /// Pagination styles.
        public enum Style: Sendable, Equatable {
            /// One page holds everything.
            case none
            /// An opaque cursor read from the body at `next` and sent back as `param` (HubSpot `paging.next.after`).
            case cursor(param: String, next: JSONPath)
            /// The last record's id sent as `param`, while `hasMore` is true (Stripe `starting_after`, `has_more`).
            case lastRecordID(param: String, hasMore: JSONPath?)
            /// A record offset sent as `param`, starting at `startsAt`, until a short page (ERPNext `limit_start`).
            case offset(param: String, startsAt: Int)
            /// A page number sent as `param`, starting at `startsAt`, until an empty page.
            case page(param: String, startsAt: Int)
            /// A next-page URL in the body, absolute or relative to the base URL (Salesforce `nextRecordsUrl`).
            case nextURL(JSONPath)
            /// RFC 8288 `Link: <…>; rel="next"`.
            case linkHeader

            /// Whether its cursors are URLs.
            public var carriesURL: Bool {
                switch self {
                case .nextURL, .linkHeader: true
                default: false
                }
            }

            /// The style's name in definitions.
            public var name: String {
                switch self {
                case .none: "none"
                case .cursor: "cursor"
                case .lastRecordID: "lastRecordId"
                case .offset: "offset"
                case .page: "page"
                case .nextURL: "nextUrl"
                case .linkHeader: "linkHeader"
                }
            }
        }
    }

    /// Incremental listing.
    public struct Incremental: Sendable, Equatable {
        /// The record field that orders changes.
        public var field: JSONPath
        /// The query parameter carrying the lower bound.
        public var param: String
        /// The parameter's value with `{value}` standing for the formatted time; just the time when `nil`.
        public var template: String?
        /// How the time is written.
        public var format: TimeFormat
    }

    /// How a time is written in a query.
    public enum TimeFormat: String, Sendable, Equatable, CaseIterable {
        /// Unix seconds (Stripe).
        case unix
        /// Unix milliseconds.
        case unixMilliseconds
        /// ISO 8601 with a `Z` (`2024-05-01T12:00:00Z`).
        case iso8601
        /// `YYYY-MM-DD HH:MM:SS` in UTC (Frappe/ERPNext, SQL-backed APIs).
        case dateTime
    }
}
