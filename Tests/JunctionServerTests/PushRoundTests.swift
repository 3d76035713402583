import Foundation
import HTTPTypes
import HummingbirdTesting
@testable import JunctionApp
import JunctionConnectors
import JunctionCore
import JunctionServer
import JunctionStore
import JunctionTestSupport
import SQLKit
import Testing

/// A push notes each round before its provider calls (one row, ``SyncChangeStore/PushRound``) instead of each change:
/// the note must outlive every outcome it stands for, and count an attempt for each change a stopped push left pending.
@Suite("Push rounds")
struct PushRoundTests {
    @Test(
        "A round a stopped push left behind counts its creates as attempted: the next push finds them, creates none twice",
        arguments: TestEngine.available)
    func strandedRoundCountsAttempts(engine: TestEngine) async throws {
        let provider = SimulatedProvider(seed: 7)
        let catalog = ProviderCatalog.builtIn.adding([SimulatedConnector(provider: provider)])
        try await ServerTestHarness.with(engine, catalog: catalog) { harness, client in
            let (api, syncID) = try await ModelAPI.simulatedSync(client)
            for key in ["k1", "k2"] {
                _ = try await api.json(
                    .post, "/api/v1/syncs/\(syncID)/records", #"{"localKey": "\#(key)", "record": {"name": "\#(key)"}}"#, status: .accepted)
            }
            let store = SyncChangeStore(database: harness.database)
            let pending = try await store.pendingGroups(syncID: syncID, limit: 10).flatMap { $0 }
            #expect(pending.count == 2 && pending.allSatisfy { $0.attempts == 0 })
            // A push noted its round and its create of k1 reached the provider; the process stopped before the commit.
            _ = try await store.beginRound(syncID: syncID, changeIDs: pending.map(\.id))
            _ = await provider.create(["name": "k1", "reference": "k1"])

            let pusher = harness.services.syncPusher(logger: TestDatabase.logger)
            try await pusher.pushPending(syncID: syncID)
            let remote = await provider.records.values
            for key in ["k1", "k2"] {
                #expect(remote.filter { $0["reference"] == .string(key) }.count == 1, "\(key) exists once at the provider")
            }
            for change in pending {
                let settled = try #require(try await store.change(syncID: syncID, id: change.id))
                #expect(settled.status == .pushed)
                // One attempt for the stopped round, one for the push that settled it.
                #expect(settled.attempts == 2, "\(change.localKey ?? ""): \(settled.attempts) attempts")
            }
            let found = try #require(try await store.change(syncID: syncID, id: pending[0].id))
            #expect(found.reason?.contains("earlier attempt") == true, "\(found.reason ?? "no reason")")
            #expect(try await Self.notes(harness.database) == 0)
        }
    }

    @Test("A drained queue's last rounds are cut in halves, each noted before its calls", arguments: TestEngine.available)
    func drainedQueueIsCut(engine: TestEngine) async throws {
        let provider = SimulatedProvider(seed: 8)
        let catalog = ProviderCatalog.builtIn.adding([SimulatedConnector(provider: provider)])
        try await ServerTestHarness.with(engine, catalog: catalog) { harness, client in
            let (api, syncID) = try await ModelAPI.simulatedSync(client)
            for index in 1...30 {
                _ = try await api.json(
                    .post, "/api/v1/syncs/\(syncID)/records", #"{"localKey": "c\#(index)", "record": {"name": "c\#(index)"}}"#, status: .accepted)
            }
            var rounds = SyncPusher.Configuration()
            rounds.batchSize = 40
            let pusher = harness.services.syncPusher(logger: TestDatabase.logger, configuration: rounds)
            let sync = try #require(try await SyncRepository(database: harness.database).find(id: syncID))

            // 30 records where 40 were asked for: the queue is drained, so 15, 7, 4 and 4 (a twentieth of 40 is 2).
            let cut = try await pusher.prepareRounds(sync, excluding: [])
            #expect(cut.map(\.groups.count) == [15, 7, 4, 4])
            #expect(Set(cut.flatMap(\.changeIDs)).count == 30)
            #expect(try await Self.notes(harness.database) == 4)
            // A full round is not cut.
            try await SyncChangeStore(database: harness.database).forget(cut.map(\.note))
            let full = try await pusher.prepareRounds(sync, excluding: [], limit: 30)
            #expect(full.map(\.groups.count) == [30])
            try await SyncChangeStore(database: harness.database).forget(full.map(\.note))

            try await pusher.pushPending(syncID: syncID)
            #expect(await provider.records.count == 30)
            #expect(try await Self.notes(harness.database) == 0)
        }
    }

    static func notes(_ database: Database) async throws -> Int64? {
        try await database.withSQL { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM sync_push_rounds").first()?.decode(column: "n", as: Int64.self)
        }
    }
}
