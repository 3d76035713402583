import Foundation
import JunctionCore

/// Applies a ``DataMapping`` to records, both ways. The mapping is checked and compiled once (paths parsed,
/// conversions chosen, lookup tables reversed), so mapping a record is a walk over prepared steps.
public struct DataMapper: Sendable {
    /// The mapping this mapper applies.
    public let mapping: DataMapping
    private let fields: [CompiledField]
    private let idPath: JSONPath?

    /// Compiles `mapping`, or throws every mistake in it, each with its path.
    public init(_ mapping: DataMapping) throws(MappingDefinitionErrors) {
        var errors: [DefinitionError] = []
        if mapping.name.isEmpty { errors.append(.init(path: "name", message: "must not be empty")) }
        if mapping.version < 1 { errors.append(.init(path: "version", message: "must be 1 or more, not \(mapping.version)")) }
        var idPath: JSONPath?
        if let text = mapping.idSource {
            idPath = JSONPath(text)
            if idPath == nil { errors.append(.init(path: "idSource", message: "'\(text)' is not a path")) }
        }
        var compiled: [CompiledField] = []
        var targets: Set<String> = []
        for (index, field) in mapping.fields.enumerated() {
            let base = "fields[\(index)]"
            if !targets.insert(field.target).inserted {
                errors.append(.init(path: base + ".target", message: "'\(field.target)' is mapped twice"))
            }
            do {
                compiled.append(try CompiledField(field, path: base, all: mapping.fields))
            } catch {
                errors += error.errors
            }
        }
        guard errors.isEmpty else { throw MappingDefinitionErrors(errors: errors) }
        self.mapping = mapping
        self.fields = compiled
        self.idPath = idPath
    }

    /// The application's shape of a provider record. `position` names the record in errors when it has no id.
    public func inbound(_ record: JSONValue, position: Int = 0) throws(MappingError) -> JSONValue {
        var output: [String: JSONValue] = [:]
        var nested: [(JSONPath, JSONValue)] = []
        for field in fields {
            guard let value = try field.inbound(from: record, recordName: { name(of: record, position: position) }) else { continue }
            if case .member(let key) = field.target.components.first, field.target.components.count == 1 {
                output[key] = value
            } else {
                nested.append((field.target, value))
            }
        }
        var result = JSONValue.object(output)
        for (path, value) in nested { result = path.setting(value, in: result) }
        return result
    }

    /// The provider's shape of an application record (templated fields, being computed, are not sent back).
    public func outbound(_ record: JSONValue, position: Int = 0) throws(MappingError) -> JSONValue {
        var result = JSONValue.object([:])
        for field in fields {
            guard let value = try field.outbound(from: record, recordName: { "#\(position)" }) else { continue }
            if let source = field.source { result = source.setting(value, in: result) }
        }
        return result
    }

    private func name(of record: JSONValue, position: Int) -> String {
        let id = idPath.flatMap { $0.value(in: record) }
        return id?.stringValue ?? id?.numberText ?? "#\(position)"
    }
}

/// Every mistake in a mapping definition.
public struct MappingDefinitionErrors: Error, Sendable, Equatable, CustomStringConvertible {
    /// The mistakes, in the order of the fields.
    public var errors: [DefinitionError]

    public var description: String { errors.map(\.description).joined(separator: "; ") }
}

/// One field, ready to apply.
private struct CompiledField: Sendable {
    enum Conversion: Sendable {
        case none, string, integer, number, boolean
        case date(DateFormat)
        case money(currency: String?, currencySource: JSONPath?, currencyTarget: JSONPath?)
    }

    enum DateFormat: String, Sendable {
        case iso8601, unix, unixMilliseconds, date
    }

    enum TemplatePart: Sendable {
        case literal(String)
        case value(JSONPath)
    }

    let name: String
    let target: JSONPath
    let source: JSONPath?
    let conversion: Conversion
    let lookup: [String: JSONValue]?
    let reverseLookup: [JSONValue: JSONValue]?
    let defaultValue: JSONValue?
    let required: Bool
    let template: [TemplatePart]?

    init(_ field: DataMapping.Field, path base: String, all: [DataMapping.Field]) throws(MappingDefinitionErrors) {
        var errors: [DefinitionError] = []
        let target = JSONPath(field.target)
        if target == nil { errors.append(.init(path: base + ".target", message: "'\(field.target)' is not a path")) }
        var source: JSONPath?
        if let text = field.source {
            source = JSONPath(text)
            if source == nil { errors.append(.init(path: base + ".source", message: "'\(text)' is not a path")) }
        }
        switch (field.source, field.template) {
        case (nil, nil): errors.append(.init(path: base, message: "needs a source or a template"))
        case (.some, .some): errors.append(.init(path: base, message: "has both a source and a template; a template reads its own paths"))
        default: break
        }
        var template: [TemplatePart]?
        if let text = field.template {
            do { template = try Self.parseTemplate(text, path: base + ".template") } catch { errors.append(error) }
        }
        var conversion = Conversion.none
        switch field.type {
        case nil: break
        case "string": conversion = .string
        case "integer": conversion = .integer
        case "number": conversion = .number
        case "boolean": conversion = .boolean
        case "date":
            let format = field.format ?? "iso8601"
            if let parsed = DateFormat(rawValue: format) {
                conversion = .date(parsed)
            } else {
                errors.append(.init(path: base + ".format", message: "'\(format)' is not one of iso8601, unix, unixMilliseconds, date"))
            }
        case "money":
            var currencySource: JSONPath?
            if let text = field.currencySource {
                currencySource = JSONPath(text)
                if currencySource == nil { errors.append(.init(path: base + ".currencySource", message: "'\(text)' is not a path")) }
            }
            if field.currency == nil, field.currencySource == nil {
                errors.append(.init(path: base, message: "a money field needs currency (an ISO code) or currencySource (a path)"))
            }
            // Outbound, the currency is read from wherever the application record carries it.
            let currencyTarget = field.currencySource.flatMap { currencyText in all.first { $0.source == currencyText } }.flatMap {
                JSONPath($0.target)
            }
            conversion = .money(currency: field.currency?.lowercased(), currencySource: currencySource, currencyTarget: currencyTarget)
        case let other?:
            errors.append(.init(path: base + ".type", message: "'\(other)' is not one of string, integer, number, boolean, date, money"))
        }
        if field.lookup != nil, field.type != nil {
            errors.append(.init(path: base + ".lookup", message: "a lookup table replaces the type conversion; remove one of them"))
        }
        if field.template != nil, field.type != nil || field.lookup != nil {
            errors.append(.init(path: base + ".template", message: "a templated field is text; it takes no type or lookup"))
        }
        guard errors.isEmpty, let target else { throw MappingDefinitionErrors(errors: errors) }
        self.name = field.target
        self.target = target
        self.source = source
        self.conversion = conversion
        self.lookup = field.lookup
        var reverse: [JSONValue: JSONValue] = [:]
        for (key, value) in field.lookup ?? [:] where reverse[value] == nil {
            // The provider's value as it was: "true" was a boolean, "42" a number, anything else text.
            reverse[value] = (try? JSONValue.parse(key)).flatMap { $0.isScalar && $0.stringValue == nil ? $0 : nil } ?? .string(key)
        }
        self.reverseLookup = field.lookup == nil ? nil : reverse
        self.defaultValue = field.default
        self.required = field.required ?? false
        self.template = template
    }

    func inbound(from record: JSONValue, recordName: () -> String) throws(MappingError) -> JSONValue? {
        var value: JSONValue?
        if let template {
            value = .string(Self.render(template, record))
        } else if let source, let found = source.value(in: record), found != .null {
            if let lookup {
                guard let mapped = lookup[Self.text(of: found)] else {
                    throw MappingError(
                        record: recordName(), field: name,
                        message:
                            "has '\(Self.text(of: found))', which the lookup table does not list (it lists \(lookup.keys.sorted().joined(separator: ", ")))"
                    )
                }
                value = mapped
            } else {
                do { value = try convertInbound(found, record: record) } catch {
                    throw MappingError(record: recordName(), field: name, message: error.message)
                }
            }
        }
        if value == nil { value = defaultValue }
        if value == nil, required {
            throw MappingError(
                record: recordName(), field: name, message: "is required, but '\(source?.text ?? "its template")' is missing")
        }
        return value
    }

    func outbound(from record: JSONValue, recordName: () -> String) throws(MappingError) -> JSONValue? {
        guard template == nil, source != nil else { return nil }
        guard let value = target.value(in: record), value != .null else {
            if required { throw MappingError(record: recordName(), field: name, message: "is required, but missing") }
            return nil
        }
        if let reverseLookup {
            guard let original = reverseLookup[value] else {
                throw MappingError(record: recordName(), field: name, message: "has a value the lookup table does not produce")
            }
            return original
        }
        do { return try convertOutbound(value, record: record) } catch {
            throw MappingError(record: recordName(), field: name, message: error.message)
        }
    }

    struct ConversionFailure: Error {
        let message: String
    }

    private func convertInbound(_ value: JSONValue, record: JSONValue) throws(ConversionFailure) -> JSONValue {
        switch conversion {
        case .none: return value
        case .string:
            switch value {
            case .string: return value
            case .number, .integer, .bool: return .string(Self.text(of: value))
            default: throw ConversionFailure(message: "must be text, not \(value.typeName)")
            }
        case .integer:
            if case .number(let number) = value, number == number.rounded() { return value }
            if case .integer = value { return value }
            if case .string(let text) = value, let number = Int64(text) { return .integer(exactly: number) }
            throw ConversionFailure(message: "must be a whole number, not \(Self.describe(value))")
        case .number:
            if case .number = value { return value }
            if case .integer = value { return value }
            if case .string(let text) = value, let number = Double(text), number.isFinite { return .number(number) }
            throw ConversionFailure(message: "must be a number, not \(Self.describe(value))")
        case .boolean:
            switch value {
            case .bool: return value
            case .string("true"), .string("1"), .number(1): return .bool(true)
            case .string("false"), .string("0"), .number(0): return .bool(false)
            default: throw ConversionFailure(message: "must be true or false, not \(Self.describe(value))")
            }
        case .date(let format):
            return .string(try Self.isoText(of: value, format: format))
        case .money(let currency, let currencySource, _):
            guard case .number(let minor) = value, minor == minor.rounded() else {
                throw ConversionFailure(message: "must be an amount in minor units (a whole number), not \(Self.describe(value))")
            }
            let code = currency ?? currencySource.flatMap { $0.value(in: record)?.stringValue }?.lowercased()
            guard let code else { throw ConversionFailure(message: "has no currency to read the amount in") }
            return .number(minor / Self.scale(of: code))
        }
    }

    private func convertOutbound(_ value: JSONValue, record: JSONValue) throws(ConversionFailure) -> JSONValue {
        switch conversion {
        case .none, .string, .integer, .number, .boolean: return value
        case .date(let format):
            guard case .string(let text) = value, let date = Self.parseISO(text) else {
                throw ConversionFailure(message: "must be an ISO 8601 time, not \(Self.describe(value))")
            }
            switch format {
            case .iso8601: return .string(text)
            case .unix: return .number(date.timeIntervalSince1970.rounded(.down))
            case .unixMilliseconds: return .number((date.timeIntervalSince1970 * 1000).rounded())
            case .date: return .string(String(text.prefix(10)))
            }
        case .money(let currency, _, let currencyTarget):
            guard case .number(let major) = value else {
                throw ConversionFailure(message: "must be an amount, not \(Self.describe(value))")
            }
            let code = currency ?? currencyTarget.flatMap { $0.value(in: record)?.stringValue }?.lowercased()
            guard let code else { throw ConversionFailure(message: "has no currency: map the currency field too") }
            return .number((major * Self.scale(of: code)).rounded())
        }
    }

    /// Minor units per major unit: Stripe's zero-decimal and three-decimal currencies, otherwise 100.
    static func scale(of currency: String) -> Double {
        switch currency {
        case "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf": 1
        case "bhd", "jod", "kwd", "omr", "tnd": 1000
        default: 100
        }
    }

    static func isoText(of value: JSONValue, format: DateFormat) throws(ConversionFailure) -> String {
        switch (format, value) {
        case (.unix, .number(let seconds)):
            return Date(timeIntervalSince1970: seconds).formatted(.iso8601)
        case (.unixMilliseconds, .number(let milliseconds)):
            return Date(timeIntervalSince1970: milliseconds / 1000).formatted(.iso8601)
        case (.iso8601, .string(let text)):
            guard let date = parseISO(text) else { throw ConversionFailure(message: "must be an ISO 8601 time, not '\(text)'") }
            return date.formatted(.iso8601)
        case (.date, .string(let text)):
            guard text.count == 10, parseISO(text + "T00:00:00Z") != nil else {
                throw ConversionFailure(message: "must be a date as YYYY-MM-DD, not '\(text)'")
            }
            return text
        default:
            throw ConversionFailure(message: "must be a \(format.rawValue) time, not \(describe(value))")
        }
    }

    static func parseISO(_ text: String) -> Date? {
        (try? Date(text, strategy: .iso8601))
            ?? (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
    }

    static func parseTemplate(_ text: String, path: String) throws(DefinitionError) -> [TemplatePart] {
        var parts: [TemplatePart] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            if open > rest.startIndex { parts.append(.literal(String(rest[..<open]))) }
            guard let close = rest[open...].firstIndex(of: "}") else { throw .init(path: path, message: "'{' without a closing '}'") }
            let inner = String(rest[rest.index(after: open)..<close])
            guard let valuePath = JSONPath(inner) else { throw .init(path: path, message: "'{\(inner)}' is not a path") }
            parts.append(.value(valuePath))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        return parts
    }

    static func render(_ template: [TemplatePart], _ record: JSONValue) -> String {
        var output = ""
        for part in template {
            switch part {
            case .literal(let text): output += text
            case .value(let path):
                // A missing or null value is left blank, not written as "null".
                if let value = path.value(in: record), value != .null { output += text(of: value) }
            }
        }
        return output
    }

    /// A scalar as lookup keys and templates write it: text as is, whole numbers without a decimal point.
    static func text(of value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .number, .integer: value.numberText ?? ""
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        default: (try? value.serialized()) ?? value.typeName
        }
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): "'\(text.prefix(64))'"
        case .number, .integer, .bool: text(of: value)
        default: value.typeName
        }
    }
}

extension JSONValue {
    /// Whether the value is a string, number, boolean or null.
    fileprivate var isScalar: Bool {
        switch self {
        case .array, .object: false
        default: true
        }
    }
}
