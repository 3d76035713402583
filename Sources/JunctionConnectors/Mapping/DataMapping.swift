import JunctionCore

/// A declarative, versioned mapping between a provider's record shape and the application's, written as JSON (or
/// YAML) and read by ``DataMapper``:
///
///     {"name": "stripe-customer", "version": 2, "idSource": "id", "fields": [
///       {"target": "email", "source": "email", "required": true},
///       {"target": "createdAt", "source": "created", "type": "date", "format": "unix"},
///       {"target": "balance", "source": "balance", "type": "money", "currencySource": "currency"},
///       {"target": "status", "source": "delinquent", "lookup": {"true": "late", "false": "current"}},
///       {"target": "plan", "source": "metadata.plan", "default": "free"},
///       {"target": "label", "template": "{name} <{email}>"}
///     ]}
///
/// Every field but a templated one maps both ways: inbound (provider → application) and outbound (back).
public struct DataMapping: Sendable, Equatable, Codable {
    /// The mapping's name, such as `stripe-customer`.
    public var name: String
    /// Bumped on every change, so records mapped with an older version can be told apart.
    public var version: Int
    /// Where the provider record's id is, for error messages that name the record.
    public var idSource: String?
    /// The fields, in order.
    public var fields: [Field]

    /// One field of the application's record.
    public struct Field: Sendable, Equatable, Codable {
        /// Where the value goes in the application's record (a path).
        public var target: String
        /// Where it comes from in the provider's record (a path); absent for a templated field.
        public var source: String?
        /// The application-side type: `string`, `integer`, `number`, `boolean`, `date` or `money`.
        public var type: String?
        /// For `date`: how the provider writes it, `iso8601` (default), `unix`, `unixMilliseconds` or `date` (YYYY-MM-DD).
        public var format: String?
        /// For `money`: the currency's ISO code, when every record uses one.
        public var currency: String?
        /// For `money`: where the provider record's currency code is (Stripe's `currency`).
        public var currencySource: String?
        /// Provider values (as text) to application values; reversed outbound.
        public var lookup: [String: JSONValue]?
        /// The inbound value when the provider's is missing or null.
        public var `default`: JSONValue?
        /// Whether a record without the value is refused.
        public var required: Bool?
        /// A computed, inbound-only value: text with `{path}` placeholders read from the provider record.
        public var template: String?

        /// A field.
        public init(
            target: String, source: String? = nil, type: String? = nil, format: String? = nil, currency: String? = nil,
            currencySource: String? = nil, lookup: [String: JSONValue]? = nil, default: JSONValue? = nil, required: Bool? = nil,
            template: String? = nil
        ) {
            self.target = target
            self.source = source
            self.type = type
            self.format = format
            self.currency = currency
            self.currencySource = currencySource
            self.lookup = lookup
            self.default = `default`
            self.required = required
            self.template = template
        }
    }

    /// A mapping.
    public init(name: String, version: Int, idSource: String? = nil, fields: [Field]) {
        self.name = name
        self.version = version
        self.idSource = idSource
        self.fields = fields
    }
}

/// A record that cannot be mapped, named by the record and the field.
public struct MappingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The record's id (from `idSource`), or its position in the batch.
    public var record: String
    /// The application-side field.
    public var field: String
    /// What is wrong with the value.
    public var message: String

    /// An error for `field` of `record`.
    public init(record: String, field: String, message: String) {
        self.record = record
        self.field = field
        self.message = message
    }

    public var description: String { "record \(record): field '\(field)' \(message)" }
}
