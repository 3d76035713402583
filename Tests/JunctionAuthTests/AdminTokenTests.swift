import Foundation
import JunctionAuth
import JunctionStore
import JunctionTestSupport
import Testing

@Suite("Admin token")
struct AdminTokenTests {
    @Test("verification accepts the token and nothing else")
    func verify() {
        let token = AdminToken(token: "jct_correct-horse")
        #expect(token.verify("jct_correct-horse"))
        #expect(!token.verify("jct_correct-hors"))
        #expect(!token.verify(""))
        #expect(AdminToken(digestHex: token.digestHex)?.verify("jct_correct-horse") == true)
        #expect(AdminToken(digestHex: "zz") == nil)
    }

    @Test("first start generates a token once and stores only its hash", arguments: TestEngine.available)
    func provisioning(engine: TestEngine) async throws {
        try await TestDatabase.with(engine) { database, test in
            let settings = SettingsRepository(database: database)
            guard case .generated(let token, let plaintext) = try await AdminToken.provision(configured: nil, settings: settings) else {
                Issue.record("expected a generated token")
                return
            }
            #expect(plaintext.hasPrefix("jct_"))
            #expect(token.verify(plaintext))
            guard case .stored(let again) = try await AdminToken.provision(configured: nil, settings: settings) else {
                Issue.record("expected the stored token on the second start")
                return
            }
            #expect(again.verify(plaintext))
            #expect(try await test.rawContents().range(of: Data(plaintext.utf8)) == nil)
            guard case .configured(let configured) = try await AdminToken.provision(configured: "jct_env", settings: settings) else {
                Issue.record("expected the configured token")
                return
            }
            #expect(configured.verify("jct_env"))
        }
    }
}
