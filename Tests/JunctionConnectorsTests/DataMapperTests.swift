import Foundation
import JunctionConnectors
import JunctionCore
import Testing

/// The declarative mapper: each feature both ways, errors that name the record and the field, and definition
/// mistakes reported all at once with their paths.
@Suite("Data mapper")
struct DataMapperTests {
    /// A Stripe customer as `GET /v1/customers/{id}` returns it (https://docs.stripe.com/api/customers/object).
    static let customer: JSONValue = [
        "id": "cus_NffrFeUfNV2Hib", "object": "customer", "email": "jenny.rosen@example.com", "name": "Jenny Rosen",
        "created": 1_680_893_993, "balance": -1999, "currency": "usd", "delinquent": false,
        "address": ["city": "Berlin", "country": "DE", "line1": nil], "metadata": ["plan": "pro", "seats": "12"],
    ]

    static let mapping = DataMapping(
        name: "stripe-customer", version: 2, idSource: "id",
        fields: [
            .init(target: "externalId", source: "id", required: true),
            .init(target: "email", source: "email", type: "string", required: true),
            .init(target: "createdAt", source: "created", type: "date", format: "unix"),
            .init(target: "balance.amount", source: "balance", type: "money", currencySource: "currency"),
            .init(target: "balance.currency", source: "currency"),
            .init(target: "status", source: "delinquent", lookup: ["true": "late", "false": "current"]),
            .init(target: "city", source: "address.city"),
            .init(target: "street", source: "address.line1", default: "unknown"),
            .init(target: "seats", source: "metadata.seats", type: "integer"),
            .init(target: "label", template: "{name} <{email}>"),
        ]
    )

    @Test("inbound: paths, renames, unix dates, minor units, lookups, defaults, coercion and templates")
    func inbound() throws {
        let mapped = try DataMapper(Self.mapping).inbound(Self.customer)
        #expect(
            mapped == [
                "externalId": "cus_NffrFeUfNV2Hib", "email": "jenny.rosen@example.com", "createdAt": "2023-04-07T18:59:53Z",
                "balance": ["amount": -19.99, "currency": "usd"], "status": "current", "city": "Berlin", "street": "unknown",
                "seats": 12, "label": "Jenny Rosen <jenny.rosen@example.com>",
            ])
        // A template leaves a null or missing value blank rather than writing "null".
        let nameless = try DataMapper(Self.mapping).inbound(Self.customer.merging(patch: ["name": .null]))
        #expect(nameless["label"] == " <jenny.rosen@example.com>")
    }

    @Test("outbound reverses every field but the computed one")
    func roundTrip() throws {
        let mapper = try DataMapper(Self.mapping)
        let back = try mapper.outbound(try mapper.inbound(Self.customer))
        #expect(back["id"] == "cus_NffrFeUfNV2Hib")
        #expect(back["created"] == 1_680_893_993)
        #expect(back["balance"] == -1999)
        #expect(back["currency"] == "usd")
        #expect(back["delinquent"] == false, "the lookup's key comes back as the boolean it was")
        #expect(back["address"]?["city"] == "Berlin")
        #expect(back["name"] == nil, "a template is computed inbound only")
    }

    @Test("money follows the currency's minor unit: yen has none, dinar three")
    func currencies() throws {
        let mapper = try DataMapper(
            DataMapping(
                name: "m", version: 1, fields: [.init(target: "amount", source: "amount", type: "money", currencySource: "currency")]))
        #expect(try mapper.inbound(["amount": 500, "currency": "JPY"])["amount"] == 500)
        #expect(try mapper.inbound(["amount": 1500, "currency": "kwd"])["amount"] == 1.5)
    }

    @Test("a missing required field and a value outside the lookup name the record and the field")
    func recordErrors() throws {
        let mapper = try DataMapper(Self.mapping)
        var missing = Self.customer.objectValue ?? [:]
        missing["email"] = nil
        #expect(throws: MappingError(record: "cus_NffrFeUfNV2Hib", field: "email", message: "is required, but 'email' is missing")) {
            try mapper.inbound(.object(missing))
        }
        var odd = Self.customer.objectValue ?? [:]
        odd["delinquent"] = "maybe"
        odd["id"] = nil
        do {
            _ = try mapper.inbound(.object(odd), position: 7)
            Issue.record("accepted an unknown lookup value")
        } catch {
            #expect(error.record == "#7")
            #expect(error.field == "externalId" || error.field == "status")
        }
        var wrongType = Self.customer.objectValue ?? [:]
        wrongType["metadata"] = ["seats": "twelve"]
        #expect(throws: MappingError(record: "cus_NffrFeUfNV2Hib", field: "seats", message: "must be a whole number, not 'twelve'")) {
            try mapper.inbound(.object(wrongType))
        }
    }

    @Test("every mistake in a definition is reported with its path")
    func definitionErrors() throws {
        let broken = DataMapping(
            name: "", version: 0,
            fields: [
                .init(target: "a", source: "x..y"),
                .init(target: "b"),
                .init(target: "c", source: "c", type: "date", format: "rfc2822"),
                .init(target: "d", source: "d", type: "money"),
                .init(target: "a", source: "a", type: "colour"),
                .init(target: "e", template: "{unclosed"),
            ]
        )
        do {
            _ = try DataMapper(broken)
            Issue.record("a broken mapping compiled")
        } catch {
            let paths = error.errors.map(\.path)
            #expect(
                paths == [
                    "name", "version", "fields[0].source", "fields[1]", "fields[2].format", "fields[3]", "fields[4].target",
                    "fields[4].type",
                    "fields[5].template",
                ], "\(error)")
        }
    }

    @Test("mappings are plain JSON documents")
    func decodesFromJSON() throws {
        let text = #"{"name": "n", "version": 3, "fields": [{"target": "x", "source": "$.a[1].b", "default": 0}]}"#
        let mapping = try JSONDecoder().decode(DataMapping.self, from: Data(text.utf8))
        let mapper = try DataMapper(mapping)
        #expect(try mapper.inbound(["a": [["b": 1], ["b": 2]]]) == ["x": 2])
        #expect(try mapper.inbound(["a": []]) == ["x": 0])
        #expect(try mapper.outbound(["x": 5]) == ["a": [nil, ["b": 5]]])
    }
}
