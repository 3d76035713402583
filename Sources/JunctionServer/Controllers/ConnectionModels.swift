import Foundation
import JunctionAuth
import JunctionCore
import JunctionStore

/// `POST /api/v1/connections`.
struct CreateConnectionRequest: StrictRequestBody {
    static let fieldNames: Set<String> = ["provider", "name", "settings", "credentials"]
    var provider: String
    var name: String
    var settings: [String: JSONValue]?
    var credentials: [String: JSONValue]?
}

/// `PATCH /api/v1/connections/{id}`: a JSON merge patch (RFC 7396) of name, settings and credentials.
struct UpdateConnectionRequest: StrictRequestBody {
    static let fieldNames: Set<String> = ["name", "settings", "credentials"]
    var name: String?
    var settings: [String: JSONValue]?
    var credentials: [String: JSONValue]?
}

/// A connection as the API shows it: credentials masked, never in the clear.
struct ConnectionResponse: Encodable {
    var id: String
    var provider: String
    var name: String
    var status: String
    var settings: JSONValue
    var statusReason: String?
    var credentials: [String: String]
    var lastUsedAt: Date?
    var createdAt: Date
    var updatedAt: Date

    init(_ record: ConnectionRecord, credentials: [String: JSONValue]) {
        self.id = record.id
        self.provider = record.provider
        self.name = record.name
        self.status = record.status
        self.settings = record.settings
        self.statusReason = record.statusReason
        self.lastUsedAt = record.lastUsedAt
        var shown: [String: String] = [:]
        for (name, value) in credentials where name != "tokenExtras" {
            switch value {
            case .string(let text) where TokenSet.metadataFields.contains(name): shown[name] = text
            case .string(let secret): shown[name] = SecretMask.mask(secret)
            default: shown[name] = "••••"
            }
        }
        self.credentials = shown
        self.createdAt = record.createdAt
        self.updatedAt = record.updatedAt
    }
}

/// One page of a list, with the cursor of the next page (absent on the last page).
struct Page<Item: Encodable>: Encodable {
    var data: [Item]
    var nextCursor: String?
}

extension Page {
    /// The page of `records`, fetched with `limit + 1` so the extra one says a next page exists.
    init<Record>(fetched records: [Record], limit: Int, cursor: (Record) -> String, item: (Record) throws -> Item) rethrows {
        let page = records.prefix(limit)
        self.init(data: try page.map(item), nextCursor: records.count > limit ? page.last.map(cursor) : nil)
    }
}
