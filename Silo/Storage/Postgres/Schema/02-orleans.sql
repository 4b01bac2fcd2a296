-- Orleans' tables in PostgreSQL (cluster mode), for its ADO.NET providers: clustering (membership), grain
-- persistence, reminders. The providers read the SQL they run from the OrleansQuery table, by query key; their
-- parameters (@Name) and the column names they read are the providers' contract. The statements below are this
-- project's, written for that contract: plain SQL (no stored functions), one unique key per row, idempotent.
-- Membership times are UTC, stored without a time zone (Orleans writes and compares UTC DateTimes).

CREATE TABLE IF NOT EXISTS OrleansQuery(
    QueryKey  varchar(64)   NOT NULL PRIMARY KEY,
    QueryText varchar(8000) NOT NULL);

-- Clustering: one version row per cluster (every membership change bumps it, checked), one row per silo.
CREATE TABLE IF NOT EXISTS orleans_membership_version(
    deployment_id varchar(150) PRIMARY KEY,
    changed_at    timestamp    NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    version       integer      NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS orleans_membership(
    deployment_id   varchar(150)  NOT NULL REFERENCES orleans_membership_version(deployment_id),
    address         varchar(45)   NOT NULL,
    port            integer       NOT NULL,
    generation      integer       NOT NULL,
    silo_name       varchar(150)  NOT NULL,
    host_name       varchar(150)  NOT NULL,
    status          integer       NOT NULL,
    proxy_port      integer,
    suspect_times   varchar(8000),
    start_time      timestamp     NOT NULL,
    i_am_alive_time timestamp     NOT NULL,
    PRIMARY KEY(deployment_id, address, port, generation));

-- Grain persistence: one row per (service, grain type, grain id); version is the ETag.
CREATE TABLE IF NOT EXISTS orleans_storage(
    service_id        varchar(150) NOT NULL,
    grain_type_hash   integer      NOT NULL,
    grain_type        varchar(512) NOT NULL,
    grain_id_hash     integer      NOT NULL,
    grain_id_n0       bigint       NOT NULL,
    grain_id_n1       bigint       NOT NULL,
    grain_id_string   varchar(512),
    payload           bytea,
    version           integer      NOT NULL,
    modified_at       timestamp    NOT NULL DEFAULT (now() AT TIME ZONE 'utc'));
CREATE UNIQUE INDEX IF NOT EXISTS orleans_storage_key ON orleans_storage
    (grain_id_hash, grain_type_hash, service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_string) NULLS NOT DISTINCT;

-- Reminders: one row per (service, grain, name); version is the ETag.
CREATE TABLE IF NOT EXISTS orleans_reminders(
    service_id    varchar(150) NOT NULL,
    grain_id      varchar(150) NOT NULL,
    reminder_name varchar(150) NOT NULL,
    start_time    timestamp    NOT NULL,
    period        bigint       NOT NULL,
    grain_hash    integer      NOT NULL,
    version       integer      NOT NULL,
    PRIMARY KEY(service_id, grain_id, reminder_name));
CREATE INDEX IF NOT EXISTS orleans_reminders_hash ON orleans_reminders(service_id, grain_hash);

INSERT INTO OrleansQuery(QueryKey, QueryText) VALUES

-- Clustering -----------------------------------------------------------------------------------------------------
('InsertMembershipVersionKey', $q$
    WITH added AS (
        INSERT INTO orleans_membership_version(deployment_id) VALUES (@DeploymentId)
        ON CONFLICT (deployment_id) DO NOTHING RETURNING 1)
    SELECT count(*) FROM added
$q$),

-- A silo joins: its row is added and the version moves, only if the version is the one the silo read.
('InsertMembershipKey', $q$
    WITH moved AS (
        UPDATE orleans_membership_version SET version = version + 1, changed_at = now() AT TIME ZONE 'utc'
        WHERE deployment_id = @DeploymentId AND version = @Version
          AND NOT EXISTS (SELECT 1 FROM orleans_membership
                          WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation)
        RETURNING deployment_id),
    added AS (
        INSERT INTO orleans_membership(deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
        SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime FROM moved
        ON CONFLICT DO NOTHING RETURNING 1)
    SELECT count(*) FROM added
$q$),

-- A silo's status or suspicions change: likewise checked against the version.
('UpdateMembershipKey', $q$
    WITH moved AS (
        UPDATE orleans_membership_version SET version = version + 1, changed_at = now() AT TIME ZONE 'utc'
        WHERE deployment_id = @DeploymentId AND version = @Version
          AND EXISTS (SELECT 1 FROM orleans_membership
                      WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation)
        RETURNING deployment_id),
    changed AS (
        UPDATE orleans_membership m SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
        FROM moved
        WHERE m.deployment_id = moved.deployment_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
        RETURNING 1)
    SELECT count(*) FROM changed
$q$),

('UpdateIAmAlivetimeKey', $q$
    UPDATE orleans_membership SET i_am_alive_time = @IAmAliveTime
    WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$q$),

('MembershipReadRowKey', $q$
    SELECT v.deployment_id AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation,
           m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort,
           m.suspect_times AS SuspectTimes, m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime, v.version AS Version
    FROM orleans_membership_version v
    LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
         AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    WHERE v.deployment_id = @DeploymentId
$q$),

('MembershipReadAllKey', $q$
    SELECT v.deployment_id AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation,
           m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort,
           m.suspect_times AS SuspectTimes, m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime, v.version AS Version
    FROM orleans_membership_version v
    LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
    WHERE v.deployment_id = @DeploymentId
$q$),

('GatewaysQueryKey', $q$
    SELECT address AS Address, proxy_port AS ProxyPort, generation AS Generation
    FROM orleans_membership
    WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
$q$),

('DeleteMembershipTableEntriesKey', $q$
    DELETE FROM orleans_membership WHERE deployment_id = @DeploymentId;
    DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId
$q$),

-- Rows of silos that stopped saying they are alive before @IAmAliveTime, unless still active (status 3).
('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM orleans_membership
    WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status <> 3
$q$),

-- Grain persistence -----------------------------------------------------------------------------------------------
-- A write names the version it replaces (none: the row must not exist) and answers the new one; no row answered
-- means another activation wrote first, and the provider raises InconsistentStateException.
('WriteToStorageKey', $q$
    WITH replaced AS (
        UPDATE orleans_storage SET payload = @PayloadBinary, version = version + 1, modified_at = now() AT TIME ZONE 'utc'
        WHERE @GrainStateVersion IS NOT NULL AND version = @GrainStateVersion
          AND grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash AND service_id = @ServiceId
          AND grain_type = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
          AND grain_id_string IS NOT DISTINCT FROM @GrainIdExtensionString
        RETURNING version),
    added AS (
        INSERT INTO orleans_storage(service_id, grain_type_hash, grain_type, grain_id_hash, grain_id_n0, grain_id_n1, grain_id_string, payload, version)
        SELECT @ServiceId, @GrainTypeHash, @GrainTypeString, @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString, @PayloadBinary, 1
        WHERE @GrainStateVersion IS NULL
        ON CONFLICT DO NOTHING RETURNING version)
    SELECT version AS NewGrainStateVersion FROM replaced
    UNION ALL
    SELECT version FROM added
$q$),

('ReadFromStorageKey', $q$
    SELECT payload AS PayloadBinary, now() AT TIME ZONE 'utc' AS ReadAt, version AS Version
    FROM orleans_storage
    WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash AND service_id = @ServiceId
      AND grain_type = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_string IS NOT DISTINCT FROM @GrainIdExtensionString
$q$),

('ClearStorageKey', $q$
    UPDATE orleans_storage SET payload = NULL, version = version + 1, modified_at = now() AT TIME ZONE 'utc'
    WHERE version = @GrainStateVersion
      AND grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash AND service_id = @ServiceId
      AND grain_type = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_string IS NOT DISTINCT FROM @GrainIdExtensionString
    RETURNING version AS NewGrainStateVersion
$q$),

('DeleteStorageKey', $q$
    DELETE FROM orleans_storage
    WHERE version = @GrainStateVersion
      AND grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash AND service_id = @ServiceId
      AND grain_type = @GrainTypeString AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_string IS NOT DISTINCT FROM @GrainIdExtensionString
    RETURNING version + 1 AS NewGrainStateVersion
$q$),

-- Reminders -------------------------------------------------------------------------------------------------------
('UpsertReminderRowKey', $q$
    INSERT INTO orleans_reminders(service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
    ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
        SET start_time = excluded.start_time, period = excluded.period, grain_hash = excluded.grain_hash,
            version = orleans_reminders.version + 1
    RETURNING version AS Version
$q$),

('ReadReminderRowsKey', $q$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period AS Period, version AS Version
    FROM orleans_reminders WHERE service_id = @ServiceId AND grain_id = @GrainId
$q$),

('ReadReminderRowKey', $q$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period AS Period, version AS Version
    FROM orleans_reminders WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
$q$),

-- A silo's share of the hash ring: (begin, end] when begin < end ...
('ReadRangeRows1Key', $q$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period AS Period, version AS Version
    FROM orleans_reminders WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
$q$),

-- ... and when the range wraps around.
('ReadRangeRows2Key', $q$
    SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period AS Period, version AS Version
    FROM orleans_reminders WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
$q$),

('DeleteReminderRowKey', $q$
    WITH deleted AS (
        DELETE FROM orleans_reminders
        WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName AND version = @Version
        RETURNING 1)
    SELECT count(*) FROM deleted
$q$),

('DeleteReminderRowsKey', $q$
    DELETE FROM orleans_reminders WHERE service_id = @ServiceId
$q$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
