import JunctionApp
import Foundation
import HTTPTypes
import Hummingbird
import JunctionAuth
import JunctionConnectors
import JunctionCore
import JunctionStore
import Logging

/// `/api/v1/connections`: create, list, read, update and delete connections. Credentials go into the vault
/// sealed, in the same transaction as the connection; responses show them masked.
struct ConnectionsController<Context: RequestContext>: Sendable {
    let repository: ConnectionRepository
    let secrets: VaultSecretRepository
    let vault: CredentialVault
    let catalog: ProviderCatalog
    let oauth: OAuth2Client
    let tokens: TokenManager
    let webhookSources: WebhookSourceCache

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("connections", use: create)
        group.get("connections", use: list)
        group.get("connections/:id", use: show)
        group.patch("connections/:id", use: update)
        group.delete("connections/:id", use: delete)
    }

    @Sendable func create(request: Request, context: Context) async throws -> Response {
        let (body, _) = try await RequestBodyDecoder.decode(CreateConnectionRequest.self, from: request, context: context)
        let provider = try ConnectionValidation.provider(named: body.provider, in: catalog)
        try ConnectionValidation.validateName(body.name)
        let settings = body.settings ?? [:]
        try ConnectionValidation.validateSettings(settings, provider: provider)
        let credentials = body.credentials ?? [:]
        try ConnectionValidation.validateCredentials(credentials, for: provider, allowNull: false)

        let now = Date()
        let record = ConnectionRecord(
            id: ResourceID.make(prefix: ConnectionRecord.idPrefix, at: now),
            provider: provider.name,
            name: body.name,
            settings: .object(settings),
            createdAt: now,
            updatedAt: now
        )
        let sealed = credentials.isEmpty ? nil : try vault.seal(credentials, ownerID: record.id)
        try await repository.insert(record, secret: sealed)
        context.logger.info("connection created", metadata: ["connection": "\(record.id)", "provider": "\(record.provider)"])
        var response = try JSONResponse.make(ConnectionResponse(record, credentials: credentials), status: .created)
        response.headers[.location] = "/api/v1/connections/\(record.id)"
        return response
    }

    @Sendable func list(request: Request, context: Context) async throws -> Response {
        let parameters = request.uri.queryParameters
        let limit = try ListParameters.limit(parameters.get("limit"))
        let cursor = try ListParameters.cursor(parameters.get("cursor"), prefix: ConnectionRecord.idPrefix)
        let records = try await repository.list(after: cursor, limit: limit + 1)
        let page = Array(records.prefix(limit))
        let sealed = try await secrets.find(ownerIDs: page.map(\.id))
        let items = try page.map { record in
            ConnectionResponse(record, credentials: try sealed[record.id].map(vault.open) ?? [:])
        }
        let next = records.count > limit ? page.last?.id : nil
        return try JSONResponse.make(Page(data: items, nextCursor: next))
    }

    @Sendable func show(request: Request, context: Context) async throws -> Response {
        let record = try await existingConnection(context)
        return try JSONResponse.make(ConnectionResponse(record, credentials: try await credentials(of: record.id)))
    }

    @Sendable func update(request: Request, context: Context) async throws -> Response {
        var record = try await existingConnection(context)
        let (body, raw) = try await RequestBodyDecoder.decode(UpdateConnectionRequest.self, from: request, context: context)
        if raw["name"] == .null { throw ProblemDetails.badRequest("field 'name' cannot be removed") }
        if let name = body.name {
            try ConnectionValidation.validateName(name)
            record.name = name
        }
        if raw["settings"] == .null {
            throw ProblemDetails.badRequest("field 'settings' cannot be null; send {} members set to null to remove them")
        }
        if let patch = body.settings {
            let merged = record.settings.merging(patch: .object(patch)).objectValue ?? [:]
            try ConnectionValidation.validateSettings(
                merged, provider: try ConnectionValidation.provider(named: record.provider, in: catalog))
            record.settings = .object(merged)
        }
        if raw["credentials"] == .null {
            throw ProblemDetails.badRequest("field 'credentials' cannot be null; set individual credentials to null to remove them")
        }
        var credentials: [String: JSONValue]
        if let patch = body.credentials {
            let provider = try ConnectionValidation.provider(named: record.provider, in: catalog)
            try ConnectionValidation.validateCredentials(patch, for: provider, allowNull: true)
            // Under the refresh lease: a token rotated at this moment is merged, not overwritten.
            credentials = try await tokens.updateCredentials(of: record.id) { stored in
                JSONValue.object(stored).merging(patch: .object(patch)).objectValue ?? [:]
            }
        } else {
            credentials = try await self.credentials(of: record.id)
        }
        record.updatedAt = Date()
        guard try await repository.update(record, secret: nil) else {
            throw ProblemDetails.notFound("no connection with id '\(record.id)'")
        }
        webhookSources.invalidate(record.id)
        context.logger.info(
            "connection updated",
            metadata: ["connection": "\(record.id)", "credentialsReplaced": "\(body.credentials != nil)"]
        )
        return try JSONResponse.make(ConnectionResponse(record, credentials: credentials))
    }

    @Sendable func delete(request: Request, context: Context) async throws -> Response {
        let id = try connectionID(context)
        if let record = try await repository.find(id: id) {
            await revokeTokens(of: record, context: context)
        }
        guard try await repository.delete(id: id) else {
            throw ProblemDetails.notFound("no connection with id '\(id)'")
        }
        webhookSources.invalidate(id)
        context.logger.info("connection deleted", metadata: ["connection": "\(id)"])
        return Response(status: .noContent)
    }

    /// RFC 7009: tell the provider the tokens are no longer wanted, where it has a revocation endpoint. Best
    /// effort: a provider that is down must not keep a connection from being deleted.
    private func revokeTokens(of record: ConnectionRecord, context: Context) async {
        guard OAuth2Configuration.isConfigured(in: record.settings),
            let credentials = try? await credentials(of: record.id),
            let configuration = try? OAuth2Configuration(settings: record.settings, credentials: credentials),
            configuration.revocationURL != nil
        else { return }
        let tokens = [
            ("refresh_token", credentials["refreshToken"]?.stringValue), ("access_token", credentials["accessToken"]?.stringValue),
        ]
        for (hint, token) in tokens {
            guard let token else { continue }
            do {
                try await oauth.revoke(token: token, hint: hint, configuration: configuration)
                context.logger.info("token revoked", metadata: ["connection": "\(record.id)", "token": "\(hint)"])
            } catch {
                context.logger.warning(
                    "token revocation failed; deleting the connection anyway",
                    metadata: ["connection": "\(record.id)", "token": "\(hint)", "error": "\(error)"]
                )
            }
        }
    }

    private func connectionID(_ context: Context) throws -> String {
        let id = context.parameters.get("id") ?? ""
        guard ResourceID.isWellFormed(id, prefix: ConnectionRecord.idPrefix) else {
            throw ProblemDetails.notFound("no connection with id '\(id)' (connection ids look like conn_01J…)")
        }
        return id
    }

    private func existingConnection(_ context: Context) async throws -> ConnectionRecord {
        let id = try connectionID(context)
        guard let record = try await repository.find(id: id) else {
            throw ProblemDetails.notFound("no connection with id '\(id)'")
        }
        return record
    }

    private func credentials(of id: String) async throws -> [String: JSONValue] {
        try await vault.credentials(of: id, in: secrets)
    }
}

/// Parsing of the `limit` and `cursor` query parameters shared by list routes.
enum ListParameters {
    static let defaultLimit = 50
    static let maximumLimit = 200

    static func limit(_ text: String?) throws -> Int {
        guard let text else { return defaultLimit }
        guard let value = Int(text), (1...maximumLimit).contains(value) else {
            throw ProblemDetails.badRequest("query parameter 'limit' must be an integer from 1 to \(maximumLimit), not '\(text)'")
        }
        return value
    }

    static func cursor(_ text: String?, prefix: String) throws -> String? {
        guard let text else { return nil }
        guard ResourceID.isWellFormed(text, prefix: prefix) else {
            throw ProblemDetails.badRequest("query parameter 'cursor' is not a cursor this API returned: '\(text)'")
        }
        return text
    }
}
