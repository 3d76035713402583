import JunctionCore

extension ProviderDescriptor {
    /// The provider as the management API and `junction providers --json` show it.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "name": .string(name), "displayName": .string(displayName), "authKinds": .array(authKinds.map { .string($0.rawValue) }),
            "credentialFields": .array(credentialFields.map(JSONValue.string)), "resources": .array(resources.map(\.json)),
        ]
        if let defaultBaseURL { members["defaultBaseURL"] = .string(defaultBaseURL) }
        if let apiVersionHeader { members["apiVersionHeader"] = .string(apiVersionHeader) }
        if let defaultAPIVersion { members["defaultAPIVersion"] = .string(defaultAPIVersion) }
        if let webhookVerifier { members["webhookVerifier"] = .string(webhookVerifier) }
        return .object(members)
    }
}

extension ResourceDescriptor {
    /// The resource as listings show it.
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "name": .string(name), "description": .string(description),
            "operations": .array(operations.sorted().map { .string($0.rawValue) }),
            "idField": .string(idField), "deletes": .string(deleteSource.summary),
        ]
        if let cursorField { members["cursorField"] = .string(cursorField) }
        return .object(members)
    }
}
