import Foundation
import JunctionAPI
import JunctionApp
import JunctionCore
import JunctionStore

extension ManagementAPI {
    func applyConfiguration(_ input: Operations.ApplyConfiguration.Input) async throws -> Operations.ApplyConfiguration.Output {
        let body =
            switch input.body {
            case .json(let body): body
            }
        let options = ConfigurationApplier.Options(
            dryRun: input.query.dryRun ?? false, prune: input.query.prune ?? false, force: input.query.force ?? false)
        let plan = try await configuration.apply(try ConfigurationDocument(body), options: options)
        return .ok(.init(body: .json(.init(plan))))
    }
}

extension ConfigurationDocument {
    /// The document as the API carries it, each entry turned into what its create call takes.
    public init(_ body: Components.Schemas.ConfigurationDocument) throws {
        self.init(
            integrations: try Self.entries(body.integrations?.additionalProperties, IntegrationService.Draft.init),
            connections: try Self.entries(body.connections?.additionalProperties, ConnectionService.Draft.init),
            endpoints: try Self.entries(body.endpoints?.additionalProperties, EndpointService.Draft.init),
            syncs: try Self.entries(body.syncs?.additionalProperties, SyncService.Draft.init))
    }

    /// Entries in name order, each with its canonical JSON (sorted keys) for its fingerprint.
    private static func entries<Body: Encodable, Draft>(_ bodies: [String: Body]?, _ draft: (Body) -> Draft) throws -> [Entry<Draft>] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try (bodies ?? [:]).sorted { $0.key < $1.key }.map { name, body in
            Entry(name: name, draft: draft(body), canonical: try encoder.encode(body))
        }
    }
}

extension Components.Schemas.ConfigurationPlan {
    /// The plan as the API shows it.
    init(_ plan: ConfigurationPlan) {
        self.init(
            applied: plan.applied, changes: plan.changes,
            steps: plan.steps.map { step in
                .init(
                    kind: .init(rawValue: step.kind.rawValue) ?? .integration, name: step.name,
                    action: .init(rawValue: step.action.rawValue) ?? .unchanged, resourceId: step.resourceID, reason: step.reason)
            })
    }
}

extension IntegrationService.Draft {
    /// What an API create body asks for.
    public init(_ body: Components.Schemas.IntegrationCreate) {
        self.init(
            key: body.key, provider: body.provider, name: body.name, preset: body.preset, oauth: body.oauth, settings: body.settings,
            credentials: body.credentials)
    }
}

extension ConnectionService.Draft {
    /// What an API create body asks for.
    public init(_ body: Components.Schemas.ConnectionCreate) {
        self.init(
            provider: body.provider, name: body.name, integration: body.integration, tenant: body.tenant, metadata: body.metadata,
            settings: body.settings, credentials: body.credentials)
    }
}

extension EndpointService.Draft {
    /// What an API create body asks for.
    public init(_ body: Components.Schemas.EndpointCreate) {
        self.init(
            url: body.url, eventTypes: body.eventTypes, description: body.description, rateLimit: body.rateLimit,
            retrySchedule: body.retrySchedule, ordered: body.ordered)
    }
}

extension SyncService.Draft {
    /// What an API create body asks for.
    public init(_ body: Components.Schemas.SyncCreate) {
        self.init(
            connectionID: body.connectionId, resource: body.resource, mode: body.mode.flatMap { .init(rawValue: $0.rawValue) },
            every: body.schedule?.every, realtime: body.realtime,
            twoWay: .init(
                direction: body.direction.flatMap { .init(rawValue: $0.rawValue) },
                conflictPolicy: body.conflictPolicy.flatMap { .init(rawValue: $0.rawValue) }, fieldPolicies: body.fieldPolicies?.policies,
                deletePolicy: body.deletePolicy.flatMap { .init(rawValue: $0.rawValue) }, keepFilledValues: body.keepFilledValues,
                localKeyField: body.localKeyField))
    }
}

extension ConfigurationFile {
    /// The file's resources as the API's configuration document and as drafts, every entry checked against the
    /// API's schema; each mistake is reported with its line.
    public func document() throws(ConfigurationFile.Problems) -> (body: Components.Schemas.ConfigurationDocument, document: ConfigurationDocument) {
        var problems: [Problem] = []
        var body = Components.Schemas.ConfigurationDocument()
        func decoded<Body: Decodable>(_ section: String, as type: Body.Type) -> [String: Body]? {
            guard let entries = resources[section]?.objectValue else { return nil }
            var result: [String: Body] = [:]
            for (name, entry) in entries.sorted(by: { $0.key < $1.key }) {
                do {
                    result[name] = try JSONDecoder().decode(Body.self, from: try JSONEncoder().encode(entry))
                } catch let error as DecodingError {
                    let (path, message) = Self.describe(error)
                    let full = [section, name] + path
                    problems.append(.init(path: full.joined(separator: "."), line: line(of: full), message: message))
                } catch {
                    problems.append(.init(path: "\(section).\(name)", line: line(of: [section, name]), message: "\(error)"))
                }
            }
            return result
        }
        body.integrations = decoded("integrations", as: Components.Schemas.IntegrationCreate.self).map { .init(additionalProperties: $0) }
        body.connections = decoded("connections", as: Components.Schemas.ConnectionCreate.self).map { .init(additionalProperties: $0) }
        body.endpoints = decoded("endpoints", as: Components.Schemas.EndpointCreate.self).map { .init(additionalProperties: $0) }
        body.syncs = decoded("syncs", as: Components.Schemas.SyncCreate.self).map { .init(additionalProperties: $0) }
        guard problems.isEmpty else { throw Problems(file: path, problems: problems) }
        do {
            let document = try ConfigurationDocument(body)
            try ConfigurationApplier.validate(document)
            return (body, document)
        } catch let error as ApplicationError {
            throw Problems(file: path, problems: [.init(path: "", line: nil, message: error.detail)])
        } catch {
            throw Problems(file: path, problems: [.init(path: "", line: nil, message: "\(error)")])
        }
    }

    /// Where a decoding error is (path components below the entry) and what it says, for people.
    private static func describe(_ error: DecodingError) -> ([String], String) {
        func components(_ path: [any CodingKey]) -> [String] {
            path.map { $0.intValue.map(String.init) ?? $0.stringValue }
        }
        switch error {
        case .keyNotFound(let key, let context):
            return (components(context.codingPath), "needs '\(key.stringValue)'")
        case .typeMismatch(let type, let context):
            return (components(context.codingPath), "must be \(Self.name(of: type))")
        case .valueNotFound(let type, let context):
            return (components(context.codingPath), "must be \(Self.name(of: type)), not null")
        case .dataCorrupted(let context):
            return (components(context.codingPath), context.debugDescription)
        @unknown default:
            return ([], "\(error)")
        }
    }

    private static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        default: "of another type (\(type))"
        }
    }
}
