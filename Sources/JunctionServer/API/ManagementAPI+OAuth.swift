import JunctionAPI
import JunctionApp

extension ManagementAPI {
    func startOAuthAuthorization(_ input: Operations.StartOAuthAuthorization.Input) async throws
        -> Operations.StartOAuthAuthorization.Output
    {
        let started = try await authorizations.start(connectionID: input.path.id, returnTo: input.query.returnTo)
        return .ok(.init(body: .json(.init(authorizationUrl: started.authorizationURL, expiresAt: started.expiresAt))))
    }
}
