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
        Migration(
            version: 3,
            name: "webhooks: inbox, processing attempts, outbound endpoints, messages, deliveries",
            statements: [
                // The inbox: every verified inbound webhook, committed before its sender gets a 2xx. The unique
                // index is the dedup on the provider's event id.
                """
                CREATE TABLE webhook_events (
                    id TEXT PRIMARY KEY,
                    connection_id TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    external_id TEXT NOT NULL,
                    type TEXT NOT NULL,
                    occurred_at BIGINT,
                    received_at BIGINT NOT NULL,
                    headers TEXT NOT NULL,
                    body TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    replays INTEGER NOT NULL,
                    last_error TEXT,
                    processed_at BIGINT
                )
                """,
                "CREATE UNIQUE INDEX webhook_events_dedup ON webhook_events (connection_id, external_id)",
                """
                CREATE TABLE webhook_event_attempts (
                    event_id TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    succeeded INTEGER NOT NULL,
                    error TEXT,
                    started_at BIGINT NOT NULL,
                    duration_ms BIGINT NOT NULL,
                    PRIMARY KEY (event_id, attempt)
                )
                """,
                """
                CREATE TABLE webhook_endpoints (
                    id TEXT PRIMARY KEY,
                    url TEXT NOT NULL,
                    description TEXT NOT NULL,
                    event_types TEXT NOT NULL,
                    rate_limit INTEGER,
                    retry_schedule TEXT,
                    ordered INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    disabled_reason TEXT,
                    failing_since BIGINT,
                    secret_version INTEGER NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE webhook_messages (
                    id TEXT PRIMARY KEY,
                    event_type TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    idempotency_key TEXT,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX webhook_messages_idempotency ON webhook_messages (idempotency_key) WHERE idempotency_key IS NOT NULL",
                """
                CREATE TABLE webhook_deliveries (
                    id TEXT PRIMARY KEY,
                    message_id TEXT NOT NULL,
                    endpoint_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    last_status_code INTEGER,
                    last_error TEXT,
                    next_attempt_at BIGINT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX webhook_deliveries_message ON webhook_deliveries (message_id)",
                "CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, status, created_at)",
                """
                CREATE TABLE webhook_delivery_attempts (
                    id TEXT PRIMARY KEY,
                    delivery_id TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    endpoint_id TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    status_code INTEGER,
                    error TEXT,
                    latency_ms BIGINT NOT NULL,
                    response_excerpt TEXT,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX webhook_delivery_attempts_endpoint ON webhook_delivery_attempts (endpoint_id, id)",
                "CREATE INDEX webhook_delivery_attempts_delivery ON webhook_delivery_attempts (delivery_id)",
            ]
        ),
        Migration(
            version: 4,
            name: "sync: definitions, runs, records",
            statements: [
                // A sync keeps one resource of one connection current in `sync_records`. `change_sequence` is the
                // last change version handed out for it: a writer takes the next one by updating this row, so on
                // PostgreSQL the row's lock orders the sync's writers and versions commit in the order they were
                // taken (a feed reader never sees a later version before an earlier one). `notified_sequence` is
                // where the last `sync.records.changed` message ended and `notify_due_at` when the next is due (set
                // with the changes, in their transaction, so no change goes unannounced); `generation` counts full runs.
                """
                CREATE TABLE syncs (
                    id TEXT PRIMARY KEY,
                    connection_id TEXT NOT NULL,
                    resource TEXT NOT NULL,
                    mode TEXT NOT NULL,
                    every_seconds BIGINT NOT NULL,
                    realtime INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    status_reason TEXT,
                    paused INTEGER NOT NULL,
                    checkpoint TEXT,
                    change_sequence BIGINT NOT NULL,
                    notified_sequence BIGINT NOT NULL,
                    generation BIGINT NOT NULL,
                    record_count BIGINT NOT NULL,
                    consecutive_failures INTEGER NOT NULL,
                    last_run_id TEXT,
                    last_run_at BIGINT,
                    next_run_at BIGINT,
                    notify_due_at BIGINT,
                    subscription TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX syncs_connection ON syncs (connection_id, resource)",
                "CREATE INDEX syncs_due ON syncs (next_run_at) WHERE next_run_at IS NOT NULL",
                "CREATE INDEX syncs_notify_due ON syncs (notify_due_at) WHERE notify_due_at IS NOT NULL",
                // One run of a sync. While it runs, `page_cursor` is where the next page starts and `holder` the job
                // lease that owns it: a page is committed only by its holder, in the same transaction as its records.
                """
                CREATE TABLE sync_runs (
                    id TEXT PRIMARY KEY,
                    sync_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    trigger TEXT NOT NULL,
                    status TEXT NOT NULL,
                    holder TEXT,
                    generation BIGINT NOT NULL,
                    page_cursor TEXT,
                    pages BIGINT NOT NULL,
                    added BIGINT NOT NULL,
                    updated BIGINT NOT NULL,
                    deleted BIGINT NOT NULL,
                    unchanged BIGINT NOT NULL,
                    highest_cursor_value TEXT,
                    error TEXT,
                    checkpoint_before TEXT,
                    checkpoint_after TEXT,
                    started_at BIGINT NOT NULL,
                    finished_at BIGINT
                )
                """,
                "CREATE INDEX sync_runs_sync ON sync_runs (sync_id, id)",
                // Every synced record. `change_sequence` is the version of its last change (the feed's order, with
                // the external id breaking ties inside one version); `first_sequence` the version it was added at, so
                // a reader learns whether it is new to them; `base_version` and `base_data` (NULL: the same as `raw`)
                // are what both sides last agreed, for two-way sync; `generation` the last full run that saw it.
                """
                CREATE TABLE sync_records (
                    sync_id TEXT NOT NULL,
                    external_id TEXT NOT NULL,
                    raw TEXT NOT NULL,
                    data TEXT,
                    hash TEXT NOT NULL,
                    remote_modified_at BIGINT,
                    change_sequence BIGINT NOT NULL,
                    first_sequence BIGINT NOT NULL,
                    changed_at BIGINT NOT NULL,
                    deleted INTEGER NOT NULL,
                    generation BIGINT NOT NULL,
                    base_version BIGINT NOT NULL,
                    base_data TEXT,
                    PRIMARY KEY (sync_id, external_id)
                )
                """,
                "CREATE INDEX sync_records_feed ON sync_records (sync_id, change_sequence, external_id)",
            ]
        ),
        Migration(
            version: 5,
            name: "two-way sync: directions, local changes, conflicts",
            statements: [
                // `merge_policy` is the JSON of the sync's conflict rules; `push_due_at` when its pending local
                // changes should be pushed (set with the change, in its transaction, so none waits forever).
                "ALTER TABLE syncs ADD COLUMN direction TEXT NOT NULL DEFAULT 'pull'",
                "ALTER TABLE syncs ADD COLUMN merge_policy TEXT",
                "ALTER TABLE syncs ADD COLUMN local_key_field TEXT",
                "ALTER TABLE syncs ADD COLUMN push_due_at BIGINT",
                "CREATE INDEX syncs_push_due ON syncs (push_due_at) WHERE push_due_at IS NOT NULL",
                // A record with an open conflict keeps its content until the conflict is resolved; `local_key` is
                // the application's key of a record it created.
                "ALTER TABLE sync_records ADD COLUMN conflict_id TEXT",
                "ALTER TABLE sync_records ADD COLUMN local_key TEXT",
                // A change the application made to a record, committed before it is pushed: `fields` in the
                // provider's shape (NULL for a deletion), `base_version` the record's version it was made against,
                // `attempts` counted before each provider write, so a retry knows an earlier one may have arrived, and
                // `failures` the tries that failed, for backoff.
                """
                CREATE TABLE sync_changes (
                    id TEXT PRIMARY KEY,
                    sync_id TEXT NOT NULL,
                    external_id TEXT,
                    local_key TEXT,
                    operation TEXT NOT NULL,
                    fields TEXT,
                    base_version BIGINT,
                    status TEXT NOT NULL,
                    reason TEXT,
                    attempts INTEGER NOT NULL,
                    failures INTEGER NOT NULL,
                    first_attempt_at BIGINT,
                    available_at BIGINT NOT NULL,
                    conflict_id TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    pushed_at BIGINT
                )
                """,
                "CREATE INDEX sync_changes_status ON sync_changes (sync_id, status, id)",
                "CREATE INDEX sync_changes_record ON sync_changes (sync_id, external_id, status)",
                "CREATE UNIQUE INDEX sync_changes_local_key ON sync_changes (sync_id, local_key) WHERE local_key IS NOT NULL",
                // A record both sides changed in a way no policy settles: the base both last agreed, the provider's
                // version (kept current while it is open), and how a person resolved it.
                """
                CREATE TABLE sync_conflicts (
                    id TEXT PRIMARY KEY,
                    sync_id TEXT NOT NULL,
                    external_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    base TEXT,
                    remote TEXT,
                    remote_changed_at BIGINT,
                    opened_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    resolved_at BIGINT,
                    resolved_by TEXT,
                    resolution TEXT,
                    resolution_change_id TEXT,
                    announced TEXT
                )
                """,
                "CREATE INDEX sync_conflicts_sync ON sync_conflicts (sync_id, status, id)",
                // `announced` is the last status a message went out for: the scheduler sends the missing ones, so a
                // process dying between a conflict's commit and its message loses no message.
                "CREATE INDEX sync_conflicts_unannounced ON sync_conflicts (id) WHERE announced IS NULL OR announced <> status",
                "CREATE INDEX sync_conflicts_status ON sync_conflicts (status, id)",
            ]
        ),
        Migration(
            version: 6,
            name: "service management: integrations, connection tenants, health, alerts, API version notices, configuration keys",
            statements: [
                // A provider-level configuration (an OAuth app, its presets, its health thresholds and pinned API
                // version) that connections reference, so it is set once; its secrets (client id and secret) are sealed
                // in the vault under its id. `key` is the name configuration files and people use.
                """
                CREATE TABLE integrations (
                    id TEXT PRIMARY KEY,
                    key TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    name TEXT NOT NULL,
                    settings TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX integrations_key ON integrations (key)",
                // A connection may use an integration, belong to the application's customer (`tenant`) and carry the
                // application's own `metadata` (JSON).
                "ALTER TABLE connections ADD COLUMN integration_id TEXT REFERENCES integrations (id)",
                "ALTER TABLE connections ADD COLUMN tenant TEXT",
                "ALTER TABLE connections ADD COLUMN metadata TEXT",
                "CREATE INDEX connections_integration ON connections (integration_id, id)",
                "CREATE INDEX connections_tenant ON connections (tenant, id)",
                "CREATE INDEX connections_provider ON connections (provider, id)",
                "CREATE INDEX connections_status ON connections (status, id)",
                // Where the browser goes after an authorization (checked against the integration's allowed list).
                "ALTER TABLE oauth_states ADD COLUMN return_to TEXT",
                // A connection's health now: its state with the cause and since when, and its probe schedule and last
                // outcome (`next_probe_at` is claimed by one node per interval).
                """
                CREATE TABLE connection_health (
                    connection_id TEXT PRIMARY KEY,
                    state TEXT NOT NULL,
                    cause TEXT,
                    detail TEXT,
                    since BIGINT NOT NULL,
                    next_probe_at BIGINT,
                    last_probe_at BIGINT,
                    last_probe_ok INTEGER,
                    last_probe_ms BIGINT,
                    last_probe_error TEXT,
                    probe_failures INTEGER NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX connection_health_probe ON connection_health (next_probe_at)",
                // Every change of state with its cause; `announced` once its outbound message was accepted.
                """
                CREATE TABLE connection_health_events (
                    id TEXT PRIMARY KEY,
                    connection_id TEXT NOT NULL,
                    state TEXT NOT NULL,
                    previous TEXT NOT NULL,
                    cause TEXT,
                    detail TEXT,
                    created_at BIGINT NOT NULL,
                    announced INTEGER NOT NULL
                )
                """,
                "CREATE INDEX connection_health_events_connection ON connection_health_events (connection_id, id)",
                "CREATE INDEX connection_health_events_unannounced ON connection_health_events (id) WHERE announced = 0",
                // Calls through each connection, counted by every node into 10-second buckets (added up across nodes).
                """
                CREATE TABLE connection_call_stats (
                    connection_id TEXT NOT NULL,
                    bucket BIGINT NOT NULL,
                    calls INTEGER NOT NULL,
                    errors INTEGER NOT NULL,
                    latency_ms BIGINT NOT NULL,
                    PRIMARY KEY (connection_id, bucket)
                )
                """,
                "CREATE INDEX connection_call_stats_bucket ON connection_call_stats (bucket)",
                // What needs a person: one alert per connection and cause while it is not resolved.
                """
                CREATE TABLE alerts (
                    id TEXT PRIMARY KEY,
                    connection_id TEXT,
                    cause TEXT NOT NULL,
                    severity TEXT NOT NULL,
                    status TEXT NOT NULL,
                    title TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    occurrences INTEGER NOT NULL,
                    opened_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    acknowledged_at BIGINT,
                    acknowledged_by TEXT,
                    resolved_at BIGINT
                )
                """,
                "CREATE UNIQUE INDEX alerts_active ON alerts (connection_id, cause) WHERE status <> 'resolved'",
                "CREATE INDEX alerts_status ON alerts (status, id)",
                "CREATE INDEX alerts_connection ON alerts (connection_id, id)",
                "CREATE INDEX operational_events_connection ON operational_events (connection_id, id)",
                // What providers said (Deprecation, Sunset, Link headers) about each API version and endpoint a
                // connection called, and the last sunset threshold (90, 30, 7, 0 days) alerted for a version.
                """
                CREATE TABLE api_version_notices (
                    connection_id TEXT NOT NULL,
                    version TEXT NOT NULL,
                    endpoint TEXT NOT NULL,
                    deprecated INTEGER NOT NULL,
                    deprecated_at BIGINT,
                    sunset_at BIGINT,
                    link TEXT,
                    first_seen_at BIGINT NOT NULL,
                    last_seen_at BIGINT NOT NULL,
                    PRIMARY KEY (connection_id, version, endpoint)
                )
                """,
                """
                CREATE TABLE api_version_alerts (
                    connection_id TEXT NOT NULL,
                    version TEXT NOT NULL,
                    threshold INTEGER NOT NULL,
                    PRIMARY KEY (connection_id, version)
                )
                """,
                // What `junction apply` made from a configuration file: its entry (kind and name) to the resource and
                // a keyed fingerprint of the entry as last applied, so an unchanged entry is left alone and `--prune`
                // deletes only what a file created.
                """
                CREATE TABLE config_keys (
                    kind TEXT NOT NULL,
                    name TEXT NOT NULL,
                    resource_id TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    applied_at BIGINT NOT NULL,
                    PRIMARY KEY (kind, name)
                )
                """,
            ]
        ),
        Migration(
            version: 7,
            name: "tracing: the trace context of jobs and inbox events",
            statements: [
                // The W3C headers of the span that caused the work (``TraceContext``), so the job or event's processing
                // joins that trace; NULL when tracing is off.
                "ALTER TABLE jobs ADD COLUMN trace_context TEXT",
                "ALTER TABLE webhook_events ADD COLUMN trace_context TEXT",
            ]
        ),
        Migration(
            version: 8,
            name: "dashboard: sign-in sessions, and the time indexes its overview reads",
            statements: [
                // Only the SHA-256 of a session's cookie is kept; each session has its own CSRF token.
                """
                CREATE TABLE dashboard_sessions (
                    id_hash TEXT PRIMARY KEY,
                    csrf_token TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    revoked_at BIGINT
                )
                """,
                // The overview counts a day of events and delivery attempts per hour: from these indexes alone.
                "CREATE INDEX webhook_events_received ON webhook_events (received_at, status)",
                "CREATE INDEX webhook_delivery_attempts_created ON webhook_delivery_attempts (created_at, status_code)",
                "CREATE INDEX sync_runs_started ON sync_runs (started_at, status)",
            ]
        ),
        Migration(
            version: 9,
            name: "repair: config_keys for databases that reached version 6 before it joined that migration",
            statements: [
                // Migration 6 gained this table after a build with the rest of it had been released; a database
                // migrated by that build is at version 6 without it. Fresh databases already have it.
                """
                CREATE TABLE IF NOT EXISTS config_keys (
                    kind TEXT NOT NULL,
                    name TEXT NOT NULL,
                    resource_id TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    applied_at BIGINT NOT NULL,
                    PRIMARY KEY (kind, name)
                )
                """
            ]
        ),
        Migration(
            version: 10,
            name: "two-way sync: a push round noted once before its calls, instead of each change",
            statements: [
                // A round of pushes whose provider calls may have started and whose outcomes are not yet committed:
                // its changes' ids (a JSON array) and when it started. Settling the round deletes its row; a row left
                // behind (the process stopped) counts an attempt for each of its changes still pending, before the
                // next push reads them. One row per round, where noting each change was a row write per change.
                """
                CREATE TABLE sync_push_rounds (
                    id TEXT PRIMARY KEY,
                    sync_id TEXT NOT NULL,
                    change_ids TEXT NOT NULL,
                    started_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX sync_push_rounds_sync ON sync_push_rounds (sync_id)",
            ]
        ),
    ]

    /// The version a fully migrated database is at.
    public static var latestVersion: Int { all.last?.version ?? 0 }
}
