import Foundation
import JWTKit
import JunctionCore

/// Builds the signed JWT of the RFC 7523 JWT bearer grant: Google service accounts (the key JSON's
/// `private_key` and `client_email`, a `scope` claim, optional `sub` for domain-wide delegation) and
/// Salesforce's JWT bearer flow (`iss` = the connected app's client id, `sub` = the username, `aud` = the
/// login URL). RS256, valid for at most an hour.
public struct JWTBearerAssertion: Sendable {
    /// Who issues the assertion (`client_email`, or a client id).
    public var issuer: String
    /// Whom the token is for (the impersonated user, Salesforce's username), if anyone.
    public var subject: String?
    /// The token endpoint or login URL the assertion is addressed to.
    public var audience: String
    /// Google's space-separated `scope` claim, if any.
    public var scope: String?
    /// The RSA private key, PEM (PKCS#1 or PKCS#8).
    public var privateKeyPEM: String
    /// The key id put in the header (`private_key_id`).
    public var keyID: String?
    /// How long the assertion is valid; capped at one hour.
    public var lifetime: Duration
    /// Where the assertion is exchanged.
    public var tokenURL: String

    /// Reads the assertion's parameters from a connection: a Google `serviceAccountKey` (object or JSON text)
    /// or `privateKey` + `clientId` (+ `username`) with `settings.oauth.audience`.
    public init(settings: JSONValue, credentials: [String: JSONValue]) throws(OAuth2Error) {
        let oauth = settings["oauth"]?.objectValue ?? [:]
        var key = credentials["serviceAccountKey"]?.objectValue
        if key == nil, let text = credentials["serviceAccountKey"]?.stringValue {
            key = (try? JSONValue.parse(text))?.objectValue
        }
        let scopes: String? =
            if case .array(let list) = oauth["scopes"] { list.compactMap(\.stringValue).joined(separator: " ") } else {
                oauth["scopes"]?.stringValue
            }
        if let key {
            guard let email = key["client_email"]?.stringValue, let pem = key["private_key"]?.stringValue else {
                throw .misconfigured("credentials.serviceAccountKey must be a service account key JSON with client_email and private_key")
            }
            let tokenURL = oauth["tokenURL"]?.stringValue ?? key["token_uri"]?.stringValue ?? "https://oauth2.googleapis.com/token"
            self.issuer = email
            self.subject = oauth["subject"]?.stringValue
            self.audience = oauth["audience"]?.stringValue ?? tokenURL
            self.scope = scopes
            self.privateKeyPEM = pem
            self.keyID = key["private_key_id"]?.stringValue
            self.tokenURL = tokenURL
            self.lifetime = .seconds(3600)
        } else {
            guard let pem = credentials["privateKey"]?.stringValue, let clientID = credentials["clientId"]?.stringValue else {
                throw .misconfigured("JWT bearer needs credentials.serviceAccountKey, or credentials.privateKey and credentials.clientId")
            }
            guard let tokenURL = oauth["tokenURL"]?.stringValue else {
                throw .misconfigured("settings.oauth.tokenURL is required for JWT bearer")
            }
            self.issuer = clientID
            self.subject = credentials["username"]?.stringValue ?? oauth["subject"]?.stringValue
            self.audience = oauth["audience"]?.stringValue ?? tokenURL
            self.scope = scopes
            self.privateKeyPEM = pem
            self.keyID = nil
            self.tokenURL = tokenURL
            self.lifetime = .seconds(180)
        }
        if case .number(let seconds) = oauth["assertionLifetimeSeconds"] { self.lifetime = .clampedSeconds(seconds, maximum: 3600) }
        self.lifetime = min(self.lifetime, .seconds(3600))
    }

    struct Claims: JWTPayload {
        var iss: IssuerClaim
        var sub: SubjectClaim?
        var aud: AudienceClaim
        var scope: String?
        var iat: IssuedAtClaim
        var exp: ExpirationClaim

        func verify(using algorithm: some JWTAlgorithm) throws {
            try exp.verifyNotExpired()
        }
    }

    /// The signed assertion, issued now.
    public func sign(now: Date = Date()) async throws -> String {
        let key: Insecure.RSA.PrivateKey
        do {
            key = try Insecure.RSA.PrivateKey(pem: privateKeyPEM)
        } catch {
            throw OAuth2Error.misconfigured("the private key for the JWT bearer grant is not an RSA private key in PEM form")
        }
        // Whole seconds: NumericDate allows fractions, but Google's verifier compares an integer clock with
        // `iat` and refuses a token "used too early" by a fraction of a second.
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let keys = JWTKeyCollection()
        await keys.add(rsa: key, digestAlgorithm: .sha256, kid: keyID.map { JWKIdentifier(string: $0) })
        let claims = Claims(
            iss: IssuerClaim(value: issuer),
            sub: subject.map { SubjectClaim(value: $0) },
            aud: AudienceClaim(value: [audience]),
            scope: scope,
            iat: IssuedAtClaim(value: now),
            exp: ExpirationClaim(value: now.addingTimeInterval(Double(lifetime.components.seconds)))
        )
        return try await keys.sign(claims, kid: keyID.map { JWKIdentifier(string: $0) })
    }
}
