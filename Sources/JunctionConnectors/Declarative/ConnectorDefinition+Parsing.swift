import Foundation
import HTTPTypes
import JunctionCore

extension ConnectorDefinition {
    /// Reads a definition from YAML or JSON text; see ``parse(_:knownVerifiers:)``.
    public static func load(_ text: String, knownVerifiers: Set<String>?) throws(ConnectorDefinitionErrors) -> ConnectorDefinition {
        try parse(try DefinitionDocument.parse(text), knownVerifiers: knownVerifiers)
    }

    /// Reads and checks a definition, collecting every mistake (with its path) before throwing, so a definition is
    /// fixed in one pass. `knownVerifiers` are the webhook verifier names the server has (`nil` skips that check,
    /// for callers below the webhook module).
    public static func parse(_ document: JSONValue, knownVerifiers: Set<String>?) throws(ConnectorDefinitionErrors) -> ConnectorDefinition {
        var reader = DefinitionReader()
        let definition = reader.definition(document, knownVerifiers: knownVerifiers)
        guard reader.problems.isEmpty, let definition else {
            throw ConnectorDefinitionErrors(reader.problems.isEmpty ? [.init(path: "(document)", message: "unreadable")] : reader.problems)
        }
        return definition
    }

    /// Credential fields a connection may hold for each auth kind (plus the webhook secrets every provider takes).
    static func credentialFields(for kinds: [ProviderDescriptor.AuthKind]) -> [String] {
        var fields: [String] = []
        for kind in kinds {
            switch kind {
            case .apiKey: fields += ["apiKey", "token"]
            case .basic: fields += ["username", "password"]
            case .oauth2AuthorizationCode: fields += ["clientId", "clientSecret", "accessToken", "refreshToken"]
            case .oauth2ClientCredentials: fields += ["clientId", "clientSecret"]
            case .jwtBearer: fields += ["clientId", "privateKey", "serviceAccountKey", "username"]
            }
        }
        var seen = Set<String>()
        return (fields + ["webhookSecret", "webhookSecrets"]).filter { seen.insert($0).inserted }
    }
}

/// Walks a definition document, collecting problems instead of stopping at the first.
private struct DefinitionReader {
    var problems: [DefinitionError] = []

    mutating func problem(_ path: String, _ message: String) {
        problems.append(.init(path: path, message: message))
    }

    // MARK: Primitives

    mutating func object(_ value: JSONValue?, _ path: String, known: Set<String>) -> [String: JSONValue]? {
        guard let value else { return nil }
        guard let members = value.objectValue else {
            problem(path.isEmpty ? "(document)" : path, "must be an object, not \(value.typeName)")
            return nil
        }
        for key in members.keys.sorted() where !known.contains(key) {
            problem(join(path, key), "unknown key; expected one of \(known.sorted().joined(separator: ", "))")
        }
        return members
    }

    mutating func string(_ members: [String: JSONValue], _ key: String, _ path: String, required: Bool = false) -> String? {
        guard let value = members[key], value != .null else {
            if required { problem(join(path, key), "is required") }
            return nil
        }
        guard let text = value.stringValue, !text.isEmpty else {
            problem(join(path, key), "must be a non-empty string")
            return nil
        }
        return text
    }

    mutating func integer(_ members: [String: JSONValue], _ key: String, _ path: String, range: ClosedRange<Int>) -> Int? {
        guard let value = members[key], value != .null else { return nil }
        guard let number = value.doubleValue, let whole = Int(exactly: number), range.contains(whole) else {
            problem(join(path, key), "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return whole
    }

    mutating func jsonPath(_ members: [String: JSONValue], _ key: String, _ path: String, required: Bool = false) -> JSONPath? {
        guard let text = string(members, key, path, required: required) else { return nil }
        guard let parsed = JSONPath(text) else {
            problem(join(path, key), "'\(text)' is not a path like data.items[0].id")
            return nil
        }
        return parsed
    }

    mutating func stringMap(_ value: JSONValue?, _ path: String) -> [String: String] {
        guard let value else { return [:] }
        guard let members = value.objectValue else {
            problem(path, "must be an object of strings")
            return [:]
        }
        var result: [String: String] = [:]
        for (key, member) in members {
            switch member {
            case .string(let text): result[key] = text
            case .number, .integer: result[key] = member.numberText
            case .bool(let flag): result[key] = flag ? "true" : "false"
            default: problem(join(path, key), "must be a string, number or boolean")
            }
        }
        return result
    }

    mutating func relativePath(_ members: [String: JSONValue], _ key: String, _ path: String, required: Bool) -> String? {
        guard let text = string(members, key, path, required: required) else { return nil }
        guard text.hasPrefix("/") else {
            problem(join(path, key), "must start with '/' (it is relative to the base URL)")
            return nil
        }
        guard !text.contains("?"), !text.contains("#") else {
            problem(join(path, key), "must not contain a query or fragment; use 'query'")
            return nil
        }
        return text
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    // MARK: The definition

    mutating func definition(_ document: JSONValue, knownVerifiers: Set<String>?) -> ConnectorDefinition? {
        let known: Set<String> = [
            "name", "displayName", "baseURL", "auth", "apiVersion", "request", "pagination", "records", "record", "health",
            "errors", "webhook", "resources",
        ]
        guard let root = object(document, "", known: known) else { return nil }
        let name = string(root, "name", "", required: true)
        if let name, name.range(of: "^[a-z][a-z0-9-]{0,62}$", options: .regularExpression) == nil {
            problem("name", "must be lowercase letters, digits and '-', starting with a letter (it is used in URLs)")
        }
        let displayName = string(root, "displayName", "", required: true)
        let baseURL = string(root, "baseURL", "", required: true)
        if let baseURL, !(baseURL.hasPrefix("https://") || baseURL.hasPrefix("http://")) {
            problem("baseURL", "must be an http or https URL")
        }

        // auth
        var authKinds: [ProviderDescriptor.AuthKind] = []
        var credentialFields: [String]?
        var placement: [String: JSONValue]?
        if let auth = object(root["auth"], "auth", known: ["kinds", "credentials", "placement"]) {
            if let kinds = auth["kinds"]?.arrayValue, !kinds.isEmpty {
                for (index, kind) in kinds.enumerated() {
                    if let parsed = kind.stringValue.flatMap(ProviderDescriptor.AuthKind.init(rawValue:)) {
                        authKinds.append(parsed)
                    } else {
                        problem(
                            "auth.kinds[\(index)]",
                            "must be one of \(ProviderDescriptor.AuthKind.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                }
            } else {
                problem("auth.kinds", "is required: a non-empty list of auth kinds")
            }
            if let fields = auth["credentials"] {
                if let list = fields.arrayValue?.compactMap(\.stringValue), list.count == fields.arrayValue?.count, !list.isEmpty {
                    credentialFields = list + ["webhookSecret", "webhookSecrets"].filter { !list.contains($0) }
                } else {
                    problem("auth.credentials", "must be a non-empty list of credential field names")
                }
            }
            if let given = auth["placement"] {
                placement = self.placement(given, "auth.placement")
            }
        } else if root["auth"] == nil {
            problem("auth", "is required")
        }

        // apiVersion
        var versionHeader: String?
        var defaultVersion: String?
        if let version = object(root["apiVersion"], "apiVersion", known: ["header", "default"]) {
            versionHeader = string(version, "header", "apiVersion")
            if let header = versionHeader, HTTPField.Name(header) == nil { problem("apiVersion.header", "is not a valid header name") }
            defaultVersion = string(version, "default", "apiVersion", required: true)
        }

        // request
        var format = ConnectorDefinition.RequestFormat.json
        var idempotencyHeader: String?
        var updateMethod = HTTPRequest.Method.patch
        var conditionalUpdate: ProviderDescriptor.ConditionalUpdate?
        if let request = object(root["request"], "request", known: ["format", "idempotencyHeader", "updateMethod", "conditionalUpdate"]) {
            if let conditional = object(request["conditionalUpdate"], "request.conditionalUpdate", known: ["header", "field"]) {
                let header = string(conditional, "header", "request.conditionalUpdate", required: true)
                let field = string(conditional, "field", "request.conditionalUpdate", required: true)
                if let header, HTTPField.Name(header) == nil { problem("request.conditionalUpdate.header", "is not a valid header name") }
                if let field, JSONPath(field) == nil { problem("request.conditionalUpdate.field", "'\(field)' is not a path") }
                if let header, let field { conditionalUpdate = .init(header: header, field: field) }
            }
            if let text = string(request, "format", "request") {
                if let parsed = ConnectorDefinition.RequestFormat(rawValue: text) {
                    format = parsed
                } else {
                    problem("request.format", "must be json or form")
                }
            }
            idempotencyHeader = string(request, "idempotencyHeader", "request")
            if let header = idempotencyHeader, HTTPField.Name(header) == nil {
                problem("request.idempotencyHeader", "is not a valid header name")
            }
            if let method = self.updateMethod(request, "request") { updateMethod = method }
        }

        let defaultPagination =
            root["pagination"].flatMap { pagination($0, "pagination") } ?? .init(style: .none, limitParam: nil, maxPageSize: 100)
        let recordsPath = jsonPath(root, "records", "")
        let recordPath = jsonPath(root, "record", "")

        var health: ConnectorDefinition.HealthCheck?
        if let check = object(root["health"], "health", known: ["path", "query"]) {
            if let path = relativePath(check, "path", "health", required: true) {
                health = .init(path: path, query: stringMap(check["query"], "health.query"))
            }
        }

        var errorMapping = ConnectorDefinition.ErrorMapping(message: nil, code: nil, statuses: [:])
        if let errors = object(root["errors"], "errors", known: ["message", "code", "statuses"]) {
            var statuses: [Int: Int] = [:]
            for (from, to) in stringMap(errors["statuses"], "errors.statuses").sorted(by: { $0.key < $1.key }) {
                guard let source = Int(from), (400...599).contains(source), let target = Int(to), (400...599).contains(target) else {
                    problem("errors.statuses.\(from)", "must map an error status (400-599) to another")
                    continue
                }
                statuses[source] = target
            }
            errorMapping = .init(
                message: jsonPath(errors, "message", "errors"), code: jsonPath(errors, "code", "errors"), statuses: statuses)
        }

        var verifier: String?
        var eventResources: [String: String] = [:]
        if let webhook = object(root["webhook"], "webhook", known: ["verifier", "events"]) {
            verifier = string(webhook, "verifier", "webhook", required: true)
            if let name = verifier, let knownVerifiers, !knownVerifiers.contains(name) {
                problem("webhook.verifier", "unknown verifier '\(name)'; known: \(knownVerifiers.sorted().joined(separator: ", "))")
            }
            eventResources = stringMap(webhook["events"], "webhook.events")
        }

        // resources
        var resources: [ResourceDescriptor] = []
        var definitions: [String: ConnectorDefinition.ResourceDefinition] = [:]
        if let list = root["resources"]?.arrayValue, !list.isEmpty {
            for (index, element) in list.enumerated() {
                let path = "resources[\(index)]"
                guard
                    let parsed = resource(
                        element, path, pagination: defaultPagination, recordsPath: recordsPath, recordPath: recordPath,
                        updateMethod: updateMethod)
                else { continue }
                if definitions[parsed.descriptor.name] != nil {
                    problem("\(path).name", "'\(parsed.descriptor.name)' is defined twice")
                    continue
                }
                resources.append(parsed.descriptor)
                definitions[parsed.descriptor.name] = parsed.definition
            }
        } else {
            problem("resources", "is required: a non-empty list of resources")
        }
        for (pattern, resource) in eventResources.sorted(by: { $0.key < $1.key }) where definitions[resource] == nil {
            problem("webhook.events.\(pattern)", "names resource '\(resource)', which is not defined")
        }
        for (index, resource) in resources.enumerated() {
            if case .events(let feed, _) = resource.deleteSource, definitions[feed] == nil {
                problem("resources[\(index)].deletes.events.resource", "names resource '\(feed)', which is not defined")
            }
        }

        guard let name, let displayName, let baseURL, problems.isEmpty else { return nil }
        var descriptor = ProviderDescriptor(
            name: name, displayName: displayName, authKinds: authKinds, defaultBaseURL: baseURL,
            credentialFields: credentialFields ?? ConnectorDefinition.credentialFields(for: authKinds),
            defaultAuthPlacement: placement, apiVersionHeader: versionHeader, defaultAPIVersion: defaultVersion,
            idempotencyHeader: idempotencyHeader, resources: resources, webhookVerifier: verifier, eventResources: eventResources
        )
        descriptor.conditionalUpdate = conditionalUpdate
        return ConnectorDefinition(
            descriptor: descriptor,
            requestFormat: format,
            health: health,
            errorMapping: errorMapping,
            resources: definitions
        )
    }

    mutating func placement(_ value: JSONValue, _ path: String) -> [String: JSONValue]? {
        guard let members = object(value, path, known: ["type", "name", "credential", "prefix"]) else { return nil }
        let types = ["bearer", "basic", "header", "query", "oauth2"]
        if let type = string(members, "type", path, required: true), !types.contains(type) {
            problem(join(path, "type"), "must be one of \(types.joined(separator: ", "))")
        }
        _ = string(members, "name", path)
        _ = string(members, "credential", path)
        _ = members["prefix"].map { _ in string(members, "prefix", path) }
        return members
    }

    mutating func updateMethod(_ members: [String: JSONValue], _ path: String) -> HTTPRequest.Method? {
        guard let text = string(members, "updateMethod", path) else { return nil }
        switch text.uppercased() {
        case "PATCH": return .patch
        case "PUT": return .put
        case "POST": return .post
        default:
            problem(join(path, "updateMethod"), "must be PATCH, PUT or POST")
            return nil
        }
    }

    mutating func pagination(_ value: JSONValue, _ path: String) -> ConnectorDefinition.Pagination? {
        let known: Set<String> = ["style", "param", "next", "hasMore", "startsAt", "limitParam", "maxPageSize"]
        guard let members = object(value, path, known: known) else { return nil }
        let limitParam = string(members, "limitParam", path)
        let maxPageSize = integer(members, "maxPageSize", path, range: 1...10_000) ?? 100
        guard let styleName = string(members, "style", path, required: true) else { return nil }
        func param() -> String? { string(members, "param", path, required: true) }
        let style: ConnectorDefinition.Pagination.Style?
        switch styleName {
        case "none": style = ConnectorDefinition.Pagination.Style.none
        case "cursor":
            let name = param()
            let next = jsonPath(members, "next", path, required: true)
            style = name.flatMap { name in next.map { .cursor(param: name, next: $0) } }
        case "lastRecordId":
            style = param().map { .lastRecordID(param: $0, hasMore: jsonPath(members, "hasMore", path)) }
        case "offset":
            let startsAt = integer(members, "startsAt", path, range: 0...1) ?? 0
            style = param().map { .offset(param: $0, startsAt: startsAt) }
            if limitParam == nil {
                problem(join(path, "limitParam"), "is required for offset pagination (the offset advances by the page size)")
            }
        case "page":
            let startsAt = integer(members, "startsAt", path, range: 0...1) ?? 1
            style = param().map { .page(param: $0, startsAt: startsAt) }
        case "nextUrl":
            style = jsonPath(members, "next", path, required: true).map { .nextURL($0) }
        case "linkHeader": style = .linkHeader
        default:
            problem(join(path, "style"), "must be one of none, cursor, lastRecordId, offset, page, nextUrl, linkHeader")
            style = nil
        }
        return style.map { .init(style: $0, limitParam: limitParam, maxPageSize: maxPageSize) }
    }

    mutating func resource(
        _ value: JSONValue, _ path: String, pagination defaultPagination: ConnectorDefinition.Pagination, recordsPath: JSONPath?,
        recordPath: JSONPath?, updateMethod defaultUpdateMethod: HTTPRequest.Method
    ) -> (descriptor: ResourceDescriptor, definition: ConnectorDefinition.ResourceDefinition)? {
        let known: Set<String> = [
            "name", "description", "path", "itemPath", "operations", "idField", "query", "pagination", "records", "record",
            "bodyWrapper", "updateMethod", "incremental", "deletes",
        ]
        guard let members = object(value, path, known: known) else { return nil }
        let name = string(members, "name", path, required: true)
        if let name, name.range(of: "^[a-z][a-zA-Z0-9_-]{0,62}$", options: .regularExpression) == nil {
            problem(join(path, "name"), "must start with a lowercase letter and hold only letters, digits, '_' and '-'")
        }
        let collectionPath = relativePath(members, "path", path, required: true)
        var itemPath = relativePath(members, "itemPath", path, required: false)
        if let given = itemPath, !given.contains("{id}") {
            problem(join(path, "itemPath"), "must contain {id}")
            itemPath = nil
        }
        var operations = Set<ResourceDescriptor.Operation>()
        if let list = members["operations"]?.arrayValue, !list.isEmpty {
            for (index, element) in list.enumerated() {
                if let operation = element.stringValue.flatMap(ResourceDescriptor.Operation.init(rawValue:)) {
                    operations.insert(operation)
                } else {
                    problem("\(path).operations[\(index)]", "must be one of list, get, create, update, delete")
                }
            }
        } else {
            problem(join(path, "operations"), "is required: a non-empty list of list, get, create, update, delete")
        }
        let idField = string(members, "idField", path) ?? "id"
        let idPath = JSONPath(idField)
        if idPath == nil { problem(join(path, "idField"), "'\(idField)' is not a path") }
        let pagination = members["pagination"].flatMap { self.pagination($0, join(path, "pagination")) } ?? defaultPagination
        let records = jsonPath(members, "records", path) ?? recordsPath
        let record = jsonPath(members, "record", path) ?? recordPath
        let wrapper = string(members, "bodyWrapper", path)
        let updateMethod = self.updateMethod(members, path) ?? defaultUpdateMethod

        var incremental: ConnectorDefinition.Incremental?
        if let spec = object(members["incremental"], join(path, "incremental"), known: ["field", "param", "template", "format"]) {
            let incrementalPath = join(path, "incremental")
            let field = jsonPath(spec, "field", incrementalPath, required: true)
            let param = string(spec, "param", incrementalPath, required: true)
            let template = string(spec, "template", incrementalPath)
            if let template, !template.contains("{value}") { problem(join(incrementalPath, "template"), "must contain {value}") }
            var format = ConnectorDefinition.TimeFormat.iso8601
            if let text = string(spec, "format", incrementalPath) {
                if let parsed = ConnectorDefinition.TimeFormat(rawValue: text) {
                    format = parsed
                } else {
                    problem(
                        join(incrementalPath, "format"),
                        "must be one of \(ConnectorDefinition.TimeFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            }
            if let field, let param { incremental = .init(field: field, param: param, template: template, format: format) }
            if !operations.contains(.list) { problem(incrementalPath, "needs the list operation") }
        }

        var deleteSource = ResourceDescriptor.DeleteSource.none
        var deletionQuery: [String: String] = [:]
        var deletionIDPath: JSONPath?
        if let deletes = object(members["deletes"], join(path, "deletes"), known: ["flag", "events", "endpoint"]) {
            let deletesPath = join(path, "deletes")
            if deletes.count != 1 { problem(deletesPath, "must have exactly one of flag, events, endpoint") }
            if let flag = object(deletes["flag"], join(deletesPath, "flag"), known: ["field", "value", "query"]) {
                let field = string(flag, "field", join(deletesPath, "flag"), required: true)
                deletionQuery = stringMap(flag["query"], join(deletesPath, "flag.query"))
                let value = stringMap(.object(flag.filter { $0.key == "value" }), join(deletesPath, "flag"))["value"]
                if value == nil { problem(join(deletesPath, "flag.value"), "is required") }
                if let field, let value { deleteSource = .flag(field: field, value: value) }
            }
            if let events = object(deletes["events"], join(deletesPath, "events"), known: ["resource", "types", "idPath"]) {
                let resource = string(events, "resource", join(deletesPath, "events"), required: true)
                deletionIDPath = jsonPath(events, "idPath", join(deletesPath, "events")) ?? JSONPath("data.object.id")
                let types = events["types"]?.arrayValue?.compactMap(\.stringValue) ?? []
                if types.isEmpty { problem(join(deletesPath, "events.types"), "is required: a non-empty list of event types") }
                if let resource, !types.isEmpty { deleteSource = .events(resource: resource, types: types) }
            }
            if deletes["endpoint"] != nil, let endpoint = relativePath(deletes, "endpoint", deletesPath, required: true) {
                deleteSource = .endpoint(endpoint)
            }
        }

        guard let name, let collectionPath, let idPath else { return nil }
        let descriptor = ResourceDescriptor(
            name: name, description: string(members, "description", path) ?? "", operations: operations, idField: idField,
            cursorField: incremental?.field.text, deleteSource: deleteSource
        )
        let definition = ConnectorDefinition.ResourceDefinition(
            path: collectionPath, itemPath: itemPath ?? collectionPath + "/{id}", query: stringMap(members["query"], join(path, "query")),
            pagination: pagination, recordsPath: records, recordPath: record, idPath: idPath, bodyWrapper: wrapper,
            updateMethod: updateMethod, incremental: incremental, deletionQuery: deletionQuery, deletionIDPath: deletionIDPath
        )
        return (descriptor, definition)
    }
}
