import ServiceLifecycle

/// The database's connection pool as a service of the server's group, for a database opened with
/// ``Database/PoolRunner/caller``. List it first: a group starts its services in order and stops them in reverse,
/// so the pool outlives every service that uses the store, and stops when they have.
public struct DatabaseService: Service {
    private let database: Database

    /// The service running `database`'s pool.
    public init(database: Database) {
        self.database = database
    }

    public func run() async throws {
        // The pool runs until cancelled; a graceful shutdown is its cue, once the services after it have stopped.
        await cancelWhenGracefulShutdown { await database.run() }
    }
}
