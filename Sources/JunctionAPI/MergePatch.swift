/// A JSON merge patch (RFC 7396) read with a generated schema type: `fields` holds the members present with a value
/// (checked by the schema as any body is: types, unknown members), and `nulls` names the members present as `null`,
/// which a patch uses to remove a value. The generated types read `null` and an absent member alike; this keeps
/// them apart, for every patch schema, without a second description of its fields.
public struct MergePatch<Fields: Codable & Hashable & Sendable>: Codable, Hashable, Sendable {
    /// The members present with a value.
    public var fields: Fields
    /// The members present as `null`.
    public var nulls: Set<String>

    /// A patch.
    public init(fields: Fields, nulls: Set<String> = []) {
        self.fields = fields
        self.nulls = nulls
    }

    /// Reads the members with `Fields` and notes which were `null`.
    public init(from decoder: any Decoder) throws {
        fields = try Fields(from: decoder)
        let container = try decoder.container(keyedBy: MemberKey.self)
        nulls = Set(try container.allKeys.filter { try container.decodeNil(forKey: $0) }.map(\.stringValue))
    }

    /// Writes the members with a value, then the `null` ones.
    public func encode(to encoder: any Encoder) throws {
        try fields.encode(to: encoder)
        var container = encoder.container(keyedBy: MemberKey.self)
        for name in nulls.sorted() { try container.encodeNil(forKey: MemberKey(stringValue: name)) }
    }

    /// Whether `member` was sent as `null`.
    public func removes(_ member: String) -> Bool { nulls.contains(member) }

    private struct MemberKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// `PATCH /api/v1/endpoints/{id}`'s body.
public typealias EndpointMergePatch = MergePatch<Components.Schemas.EndpointUpdate>

/// `PATCH /api/v1/connections/{id}`'s body.
public typealias ConnectionMergePatch = MergePatch<Components.Schemas.ConnectionUpdate>

/// `PATCH /api/v1/integrations/{key}`'s body.
public typealias IntegrationMergePatch = MergePatch<Components.Schemas.IntegrationUpdate>
