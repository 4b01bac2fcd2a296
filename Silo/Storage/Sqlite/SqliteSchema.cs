namespace LiveOrleans.Storage.Sqlite;

/// <summary>The embedded store's tables, created on open (every statement is idempotent).</summary>
internal static class SqliteSchema
{
    public const string Script = """
        -- The durable log: a global position, one stream per grain, per-tenant unique producer ids.
        CREATE TABLE IF NOT EXISTS event_log(
            position  INTEGER PRIMARY KEY,
            tenant    TEXT    NOT NULL,
            stream    TEXT    NOT NULL,
            kind      INTEGER NOT NULL,
            dedup_key TEXT    NOT NULL,
            payload   BLOB    NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS event_log_dedup ON event_log(tenant, dedup_key);
        CREATE INDEX IF NOT EXISTS event_log_stream ON event_log(tenant, stream, position);

        -- Grain snapshots, ETag-checked: a write names the version it replaces.
        CREATE TABLE IF NOT EXISTS grain_state(
            grain_key TEXT    PRIMARY KEY,
            etag      INTEGER NOT NULL,
            data      BLOB    NOT NULL) WITHOUT ROWID;

        -- Keyed rows of derived grains that hold many facts (live-index shards, tenant-days), written as they change.
        CREATE TABLE IF NOT EXISTS derived_rows(
            grain_key TEXT NOT NULL,
            row_key   TEXT NOT NULL,
            data      BLOB NOT NULL,
            PRIMARY KEY(grain_key, row_key)) WITHOUT ROWID;
        -- Which activation may write a grain's rows: a write names its claim, and a stale one is refused.
        CREATE TABLE IF NOT EXISTS derived_owner(
            grain_key TEXT    PRIMARY KEY,
            epoch     INTEGER NOT NULL) WITHOUT ROWID;

        -- The permanent audit log of interventions, hash-chained per tenant; never updated nor deleted.
        CREATE TABLE IF NOT EXISTS audit_log(
            tenant          TEXT    NOT NULL,
            seq             INTEGER NOT NULL,
            intervention_id TEXT    NOT NULL,
            session_id      TEXT    NOT NULL,
            at              INTEGER NOT NULL,
            entry           BLOB    NOT NULL,
            prev_hash       BLOB    NOT NULL,
            hash            BLOB    NOT NULL,
            PRIMARY KEY(tenant, seq)) WITHOUT ROWID;
        CREATE UNIQUE INDEX IF NOT EXISTS audit_log_intervention ON audit_log(tenant, intervention_id);
        CREATE INDEX IF NOT EXISTS audit_log_session ON audit_log(tenant, session_id, seq);
        CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit entries are never changed'); END;
        CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit entries are never deleted'); END;

        -- Control commands not yet acknowledged by a producer (numbered like their audit entries).
        CREATE TABLE IF NOT EXISTS control_outbox(
            tenant          TEXT    NOT NULL,
            seq             INTEGER NOT NULL,
            intervention_id TEXT    NOT NULL,
            command         BLOB    NOT NULL,
            PRIMARY KEY(tenant, seq)) WITHOUT ROWID;
        CREATE UNIQUE INDEX IF NOT EXISTS control_outbox_intervention ON control_outbox(tenant, intervention_id);

        CREATE TABLE IF NOT EXISTS meta(
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL);

        -- Identities: tenants, people, API keys (hashed), and people's saved views.
        CREATE TABLE IF NOT EXISTS tenants(
            id TEXT PRIMARY KEY, name TEXT NOT NULL, time_zone TEXT NOT NULL, created_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS users(
            id TEXT PRIMARY KEY, tenant TEXT NOT NULL REFERENCES tenants(id), username TEXT NOT NULL,
            name TEXT NOT NULL, role TEXT NOT NULL, agent_id TEXT, platform_admin INTEGER NOT NULL DEFAULT 0,
            password_hash TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE(tenant, username));
        CREATE TABLE IF NOT EXISTS api_keys(
            key_hash TEXT PRIMARY KEY, tenant TEXT NOT NULL REFERENCES tenants(id), created_at TEXT NOT NULL,
            id TEXT, name TEXT, last_used_at TEXT);
        CREATE TABLE IF NOT EXISTS saved_views(
            id TEXT PRIMARY KEY, tenant TEXT NOT NULL, user_id TEXT NOT NULL, name TEXT NOT NULL,
            filter TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            UNIQUE(tenant, user_id, name));
        """;

    /// <summary>
    /// Columns added after a store may already have been created, each added when missing (SQLite has no
    /// <c>ADD COLUMN IF NOT EXISTS</c>), then the rows made whole; safe to run on every open.
    /// </summary>
    public static readonly (string Table, string Column, string Definition)[] AddedColumns =
    [
        // API keys got an id (to list and revoke them without the key), a name and when they were last used.
        ("api_keys", "id", "TEXT"),
        ("api_keys", "name", "TEXT"),
        ("api_keys", "last_used_at", "TEXT"),
    ];

    /// <summary>Runs after <see cref="AddedColumns"/>: fills what older rows lack (idempotent).</summary>
    public const string Backfill = """
        UPDATE api_keys SET id = lower(hex(randomblob(8))) WHERE id IS NULL;
        CREATE UNIQUE INDEX IF NOT EXISTS api_keys_id ON api_keys(id);
        CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys(tenant);
        """;
}
