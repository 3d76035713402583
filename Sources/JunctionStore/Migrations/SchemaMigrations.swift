/// Junction's schema, one migration per version. Never edit a released migration: add the next one.
public enum SchemaMigrations {
    /// Every migration, in order.
    public static let all: [Migration] = [
        Migration(
            version: 1,
            name: "foundation: settings, connections, vault, jobs",
            statements: [
                """
                CREATE TABLE junction_settings (
                    name TEXT PRIMARY KEY,
                    value TEXT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE connections (
                    id TEXT PRIMARY KEY,
                    provider TEXT NOT NULL,
                    name TEXT NOT NULL,
                    settings TEXT NOT NULL,
                    status TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE vault_secrets (
                    owner_id TEXT PRIMARY KEY,
                    key_id TEXT NOT NULL,
                    wrapped_key TEXT NOT NULL,
                    ciphertext TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX vault_secrets_key_id ON vault_secrets (key_id)",
                """
                CREATE TABLE jobs (
                    id {serial_primary_key},
                    kind TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    unique_key TEXT,
                    status TEXT NOT NULL,
                    priority INTEGER NOT NULL,
                    attempts INTEGER NOT NULL,
                    max_attempts INTEGER NOT NULL,
                    available_at BIGINT NOT NULL,
                    lease_token TEXT,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                // Dedup holds while a job is waiting or running; a finished job is deleted and a dead one no
                // longer blocks a new enqueue under the same key.
                """
                CREATE UNIQUE INDEX jobs_unique_key ON jobs (kind, unique_key)
                WHERE unique_key IS NOT NULL AND status <> 'dead'
                """,
                "CREATE INDEX jobs_ready ON jobs (priority DESC, available_at) WHERE status <> 'dead'",
            ]
        ),
        Migration(
            version: 2,
            name: "auth: OAuth states, leases, operational events, connection usage",
            statements: [
                // A pending authorization: single-use, bound to its connection, expiring. Only the SHA-256 of
                // the state is stored; the PKCE verifier is sealed in the vault under the same id.
                """
                CREATE TABLE oauth_states (
                    state_hash TEXT PRIMARY KEY,
                    connection_id TEXT NOT NULL,
                    redirect_uri TEXT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    used_at BIGINT,
                    created_at BIGINT NOT NULL
                )
                """,
                // Named leases shared by every node: one token refresh in flight per connection.
                """
                CREATE TABLE leases (
                    name TEXT PRIMARY KEY,
                    holder TEXT NOT NULL,
                    expires_at BIGINT NOT NULL
                )
                """,
                // What operators must know about: a connection needing re-authorization, an endpoint disabled.
                """
                CREATE TABLE operational_events (
                    id TEXT PRIMARY KEY,
                    type TEXT NOT NULL,
                    connection_id TEXT,
                    message TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX operational_events_created ON operational_events (created_at)",
                "ALTER TABLE connections ADD COLUMN status_reason TEXT",
                "ALTER TABLE connections ADD COLUMN last_used_at BIGINT",
            ]
        ),
    ]

    /// The version a fully migrated database is at.
    public static var latestVersion: Int { all.last?.version ?? 0 }
}
