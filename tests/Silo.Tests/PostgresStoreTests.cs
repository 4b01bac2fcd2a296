using System.Text;
using LiveOrleans.Events;
using LiveOrleans.Live;
using LiveOrleans.Queries;
using LiveOrleans.Storage.Postgres;
using LiveOrleans.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Storage;

namespace LiveOrleans.Silo.Tests;

/// <summary>A silo's view of a PostgreSQL store: its database, committer, log, rows, audit and outbox.</summary>
public sealed class PostgresSilo : IDisposable
{
    public PostgresSilo(string connectionString, LogOptions? options = null)
    {
        Database = new PostgresDatabase(connectionString);
        Writer = new PostgresWriter(Database, options ?? new LogOptions(), NullLogger<PostgresWriter>.Instance, Health);
        Clock = new PostgresLogClock(Database);
        Log = new PostgresEventLog(Database, Writer, Clock);
        Rows = new PostgresRowStore(Database, Writer);
        Audit = new PostgresAuditLog(Database);
        Outbox = new PostgresControlOutbox(Database);
    }

    public PostgresDatabase Database { get; }
    public LiveOrleans.Storage.StoreWriteHealth Health { get; } = new();
    public PostgresWriter Writer { get; }
    public PostgresLogClock Clock { get; }
    public PostgresEventLog Log { get; }
    public PostgresRowStore Rows { get; }
    public PostgresAuditLog Audit { get; }
    public PostgresControlOutbox Outbox { get; }

    public void Execute(string sql)
    {
        using var connection = Database.DataSource.OpenConnection();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        Clock.Dispose();
        Writer.Dispose();
        Database.Dispose();
    }
}

/// <summary>
/// The store of cluster mode on a real PostgreSQL server: the same contract as the embedded store (EventLogTests,
/// AuditTests, GrainStorageTests), and what only a shared store has to get right — two silos writing at once.
/// </summary>
[Trait("Category", "store")]
public sealed class PostgresStoreTests : IDisposable
{
    private static readonly DateTimeOffset T = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private readonly string _connectionString = PostgresServer.CreateDatabase("lo_store");
    private readonly List<PostgresSilo> _silos = [];

    private PostgresSilo Silo(LogOptions? options = null)
    {
        var silo = new PostgresSilo(_connectionString, options);
        _silos.Add(silo);
        return silo;
    }

    public void Dispose()
    {
        foreach (var silo in _silos) silo.Dispose();
        PostgresServer.DropDatabase(_connectionString);
    }

    private static LogAppend Entry(string id) => new(LogEntryKind.Event, id, Encoding.UTF8.GetBytes("payload of " + id));

    private static Task<InterventionAppendOutcome> InterveneAsync(PostgresSilo silo, string tenant, string id, InterventionType type, string session = "s1")
    {
        var entry = new InterventionView(id, session, "usr_1", type, "because", T, tenant, null, null, null);
        var control = type == InterventionType.CobrowseStart ? null : new ControlCommand(0, id, session, "bot", type, null, null);
        return silo.Log.AppendInterventionAsync(tenant, $"session/{session}", new LogAppend(LogEntryKind.Intervention, id, Encoding.UTF8.GetBytes(id)), entry, control);
    }

    [Fact]
    public async Task A_write_PostgreSQL_breaks_off_for_a_moment_fails_as_store_unavailable_and_the_next_one_lands()
    {
        var silo = Silo();
        await silo.Log.AppendAsync("t1", "session/s1", [Entry("before")]);

        // The committer's connection is cut (as by a server restart or a failover of the database).
        silo.Execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'LiveOrleans'");
        var refused = await Assert.ThrowsAsync<StoreUnavailableException>(() => silo.Log.AppendAsync("t1", "session/s1", [Entry("cut")]));

        Assert.Contains("nothing of it was stored", refused.Message);
        Assert.Equal(StoreUnavailableException.DefaultRetryAfter, refused.RetryAfter);
        Assert.NotNull(silo.Health.Problem);
        var retried = await silo.Log.AppendAsync("t1", "session/s1", [Entry("cut")]);
        Assert.False(retried[0].Duplicate);
    }

    [Fact]
    public async Task Processes_starting_at_once_create_the_schema_once_and_a_later_start_changes_nothing()
    {
        var opened = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new PostgresDatabase(_connectionString))));
        foreach (var database in opened) database.Dispose();
        using var again = new PostgresDatabase(_connectionString);
        using var connection = again.DataSource.OpenConnection();
        using var tables = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", connection);
        // Ours (event_log, derived_rows, derived_owner, audit_log, audit_head, control_outbox, meta, tenants, users, api_keys,
        // saved_views) and Orleans' (OrleansQuery, membership version and rows, storage, reminders).
        Assert.Equal(16L, (long)tables.ExecuteScalar()!);
        using var queries = new NpgsqlCommand("SELECT count(*) FROM OrleansQuery", connection);
        // 9 clustering, 4 persistence, 7 reminders query keys.
        Assert.Equal(20L, (long)queries.ExecuteScalar()!);
    }

    [Fact]
    public async Task A_burst_of_reads_such_as_a_recovery_makes_waits_for_the_engines_few_connections_instead_of_taking_the_servers()
    {
        var silo = Silo();
        foreach (var i in Enumerable.Range(0, 50)) await silo.Log.AppendAsync("t1", $"session/s{i}", [Entry($"r{i}")]);
        // Another process's view of the server: how many connections the engine holds, sampled while the burst runs.
        await using var observer = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { ApplicationName = "observer", Pooling = false }.ConnectionString);
        await observer.OpenAsync();
        var held = 0L;
        using var done = new CancellationTokenSource();
        var sampling = Task.Run(async () =>
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'LiveOrleans'", observer);
            while (!done.IsCancellationRequested) held = Math.Max(held, (long)(await count.ExecuteScalarAsync())!);
        });

        var reads = await Task.WhenAll(Enumerable.Range(0, 600).Select(i => Task.Run(() => silo.Log.ReadAsync("t1", $"session/s{i % 50}", 0))));
        await done.CancelAsync();
        await sampling;

        Assert.All(reads.Select((records, i) => (records, i)), r => Assert.Equal(Encoding.UTF8.GetBytes($"payload of r{r.i % 50}"), Assert.Single(r.records).Payload));
        Assert.InRange(held, 1, PostgresDatabase.EnginePoolSize);
    }

    [Fact]
    public void Orleans_providers_get_a_capped_pool_of_their_own_unless_the_connection_string_sets_one()
    {
        var orleans = new NpgsqlConnectionStringBuilder(PostgresDatabase.ForOrleans("Host=db;Username=lo;Database=lo"));
        Assert.Equal((PostgresDatabase.OrleansPoolSize, "LiveOrleans (Orleans)"), (orleans.MaxPoolSize, orleans.ApplicationName));
        Assert.Equal(50, new NpgsqlConnectionStringBuilder(PostgresDatabase.ForOrleans("Host=db;Username=lo;Database=lo;Maximum Pool Size=50")).MaxPoolSize);
        Assert.Equal(40, new NpgsqlConnectionStringBuilder(PostgresDatabase.ForOrleans("Host=db;Username=lo;Database=lo;MaxPoolSize=40")).MaxPoolSize);
        var invalid = Assert.Throws<InvalidOperationException>(() => PostgresDatabase.ForOrleans("Host=db;Nonsense=1"));
        Assert.Contains("ConnectionStrings:PostgreSql is not a valid PostgreSQL connection string", invalid.Message);
    }

    [Fact]
    public async Task Appends_made_at_once_share_transactions_and_each_gets_its_own_positions_in_order()
    {
        var silo = Silo();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 200)
            .Select(i => silo.Log.AppendAsync("t1", $"session/s{i}", [Entry($"e{i}-a"), Entry($"e{i}-b"), Entry($"e{i}-c")])));

        Assert.Equal(600, outcomes.SelectMany(o => o).Select(p => p.Position).Distinct().Count());
        Assert.All(outcomes, o => Assert.True(o[0].Position < o[1].Position && o[1].Position < o[2].Position));
        Assert.All(outcomes, o => Assert.DoesNotContain(o, p => p.Duplicate));
        Assert.InRange(silo.Writer.Transactions, 1, 50);
        var stream = await silo.Log.ReadAsync("t1", "session/s7", 0);
        Assert.Equal(outcomes[7].Select(o => o.Position), stream.Select(r => r.Position));
    }

    [Fact]
    public async Task Writes_of_one_commit_group_repeating_each_others_ids_store_the_first_and_point_the_others_at_it()
    {
        // The group's entries go to PostgreSQL as one multi-row statement: a repeat within it, across writes, tenants
        // and streams, must answer as a one-by-one append would. The model: in queue order, the first (tenant, id) is stored.
        var silo = Silo();
        var random = new Random(7);
        var writes = Enumerable.Range(0, 300).Select(i =>
        {
            var tenant = $"t{random.Next(2)}";
            var ids = Enumerable.Range(0, 1 + random.Next(4)).Select(_ => $"e{random.Next(150)}").ToArray();
            return (Tenant: tenant, Stream: $"session/s{random.Next(20)}", Ids: ids);
        }).ToArray();
        var tasks = writes.Select(w => silo.Log.AppendAsync(w.Tenant, w.Stream, [.. w.Ids.Select(Entry)])).ToArray();
        var outcomes = await Task.WhenAll(tasks);

        var stored = new Dictionary<(string, string), (string Stream, long Position)>();
        var queued = new List<(string Tenant, string Stream, string Id, long Position)>(); // the stored ones, in queue order
        for (var w = 0; w < writes.Length; w++)
        {
            for (var i = 0; i < writes[w].Ids.Length; i++)
            {
                var key = (writes[w].Tenant, writes[w].Ids[i]);
                var outcome = outcomes[w][i];
                if (stored.TryGetValue(key, out var first))
                {
                    Assert.Equal(new LogAppendOutcome(first.Position, true), outcome);
                }
                else
                {
                    Assert.False(outcome.Duplicate);
                    stored[key] = (writes[w].Stream, outcome.Position);
                    queued.Add((writes[w].Tenant, writes[w].Stream, writes[w].Ids[i], outcome.Position));
                }
            }
        }
        Assert.Equal(stored.Count, stored.Values.Select(v => v.Position).Distinct().Count());
        Assert.InRange(silo.Writer.Transactions, 1, 100);
        // Each stream holds its first occurrences, at ascending positions in the order they were queued.
        foreach (var stream in queued.GroupBy(q => (q.Tenant, q.Stream)))
        {
            var read = await silo.Log.ReadAsync(stream.Key.Tenant, stream.Key.Stream, 0);
            Assert.Equal(stream.Select(q => q.Position), read.Select(r => r.Position));
            Assert.Equal(stream.Select(q => "payload of " + q.Id), read.Select(r => Encoding.UTF8.GetString(r.Payload)));
        }
    }

    [Fact]
    public async Task Two_silos_appending_the_same_ids_at_once_store_each_once_and_both_answer_its_position()
    {
        var a = Silo();
        var b = Silo();
        for (var round = 0; round < 20; round++)
        {
            var ids = Enumerable.Range(0, 25).Select(i => $"r{round}-e{i}").ToArray();
            var fromA = a.Log.AppendAsync("t1", "session/x", [.. ids.Select(id => Entry(id))]);
            var fromB = b.Log.AppendAsync("t1", "session/x", [.. ids.Select(id => Entry(id))]);
            var (first, second) = (await fromA, await fromB);
            Assert.Equal(first.Select(o => o.Position), second.Select(o => o.Position));
            // Each id was new to exactly one of them.
            Assert.All(first.Zip(second), pair => Assert.True(pair.First.Duplicate != pair.Second.Duplicate));
        }
        Assert.Equal(500, (await a.Log.ReadAsync("t1", "session/x", 0)).Count);
    }

    [Fact]
    public async Task A_repeated_id_is_a_duplicate_within_its_tenant_only_and_streams_read_back_in_order()
    {
        var silo = Silo();
        var first = await silo.Log.AppendAsync("t1", "session/a", [Entry("e1"), Entry("e2")]);
        var again = await silo.Log.AppendAsync("t1", "session/a", [Entry("e2"), Entry("e3"), Entry("e3")]);
        var other = await silo.Log.AppendAsync("t2", "session/a", [Entry("e1")]);
        await silo.Log.AppendAsync("t1", "agent/bot", [Entry("e4")]);

        Assert.Equal(new LogAppendOutcome(first[1].Position, true), again[0]);
        Assert.False(again[1].Duplicate);
        Assert.Equal(new LogAppendOutcome(again[1].Position, true), again[2]);
        Assert.False(other[0].Duplicate);
        Assert.Equal(["payload of e1", "payload of e2", "payload of e3"], (await silo.Log.ReadAsync("t1", "session/a", 0)).Select(r => Encoding.UTF8.GetString(r.Payload)));
        Assert.Equal([again[1].Position], (await silo.Log.ReadAsync("t1", "session/a", first[1].Position)).Select(r => r.Position));
        Assert.Equal(["agent/bot", "session/a"], (await silo.Log.ChangedStreamsAsync("t1", first[0].Position)).Order());
        Assert.Equal(["session/a"], await silo.Log.ChangedStreamsAsync("t2", 0));
    }

    [Fact]
    public async Task A_write_postgres_refuses_fails_alone_and_the_writes_sharing_its_transaction_are_committed()
    {
        var silo = Silo();
        var claim = await silo.Rows.ClaimAsync("index/t1/0");
        // Queued at once, so they share a transaction; the rows write names one row twice, which PostgreSQL refuses.
        var appends = Enumerable.Range(0, 20).Select(i => silo.Log.AppendAsync("t1", $"session/s{i}", [Entry($"ok-{i}")])).ToArray();
        var broken = silo.Rows.SaveAsync("index/t1/0", claim, [new StoredRow("same", [1]), new StoredRow("same", [2])], []);
        var fine = silo.Rows.SaveAsync("index/t1/0", claim, [new StoredRow("other", [3])], []);

        await Assert.ThrowsAsync<PostgresException>(() => broken);
        await fine;
        Assert.All(await Task.WhenAll(appends), o => Assert.False(o[0].Duplicate));
        Assert.Equal(20, (await silo.Log.ChangedStreamsAsync("t1", 0)).Count);
        Assert.Equal(["other"], (await silo.Rows.ReadAllAsync("index/t1/0")).Select(r => r.Key));
    }

    [Fact]
    public async Task The_stable_position_follows_the_whole_clusters_positions_by_the_margin()
    {
        var writer = Silo();
        var observer = Silo();
        var appended = await writer.Log.AppendAsync("t1", "session/a", [Entry("a1"), Entry("a2")]);

        // The observer appended nothing: it still learns of the cluster's positions (sampled every 200 ms).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (observer.Log.StablePosition(TimeSpan.Zero) < appended[1].Position && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(appended[1].Position, observer.Log.StablePosition(TimeSpan.Zero));
        // Nothing it saw is a minute old yet.
        Assert.Equal(0, observer.Log.StablePosition(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Past_its_queue_limit_the_log_refuses_appends_as_overload()
    {
        var silo = Silo(new LogOptions { MaxPendingEntries = 10 });
        var first = silo.Log.AppendAsync("t1", "session/a", [.. Enumerable.Range(0, 11).Select(i => Entry($"a{i}"))]);
        Assert.True(silo.Writer.IsOverloaded);
        Assert.Throws<OverloadedException>(() => { _ = silo.Log.AppendAsync("t1", "session/b", [.. Enumerable.Range(0, 11).Select(i => Entry($"b{i}"))]); });
        Assert.Equal(11, (await first).Length);
        Assert.False(silo.Writer.IsOverloaded);
    }

    [Fact]
    public async Task A_stale_activation_cannot_write_rows_once_a_newer_one_on_another_silo_claimed_them()
    {
        var old = Silo();
        var next = Silo();
        var zombie = await old.Rows.ClaimAsync("day/t1/2026-11-24");
        await old.Rows.SaveAsync("day/t1/2026-11-24", zombie, [new StoredRow("s1", [1]), new StoredRow("s2", [2]), new StoredRow("s3", [3])], []);
        var live = await next.Rows.ClaimAsync("day/t1/2026-11-24");

        await Assert.ThrowsAsync<InconsistentStateException>(() => old.Rows.SaveAsync("day/t1/2026-11-24", zombie, [new StoredRow("s1", [99])], ["s2"]));
        await next.Rows.SaveAsync("day/t1/2026-11-24", live, [new StoredRow("s2", [22])], ["s3"]);

        var rows = (await next.Rows.ReadAllAsync("day/t1/2026-11-24")).OrderBy(r => r.Key).ToArray();
        Assert.Equal(["s1", "s2"], rows.Select(r => r.Key));
        Assert.Equal([[1], [22]], rows.Select(r => r.Data));
    }

    [Fact]
    public async Task Interventions_made_on_two_silos_at_once_form_one_intact_chain_and_a_repeat_is_written_once()
    {
        var a = Silo();
        var b = Silo();
        var made = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            InterveneAsync(i % 2 == 0 ? a : b, "t1", $"int_{i}", i % 5 == 0 ? InterventionType.CobrowseStart : InterventionType.Pause, $"s{i % 7}")));
        var again = await InterveneAsync(b, "t1", "int_3", InterventionType.Pause, "s3");

        Assert.True(again.Duplicate);
        Assert.Equal(new AuditVerification(true, 40, null, null), await a.Audit.VerifyAsync("t1"));
        Assert.Equal(40, (await b.Audit.QueryAsync("t1", null, null, null)).Select(e => e.InterventionId).Distinct().Count());
        Assert.Equal(40, await a.Outbox.LastSequenceAsync("t1"));
        // Silent monitoring (every fifth) issues no control command; the others wait in the outbox, numbered like their audit entries.
        var pending = await a.Outbox.PendingAsync("t1", 0);
        Assert.Equal(32, pending.Count);
        Assert.Equal(made.Where(m => m.ControlSequence > 0).Select(m => m.ControlSequence).Order(), pending.Select(c => c.Sequence));
        Assert.True(await b.Outbox.AcknowledgeAsync("t1", pending[0].InterventionId));
        Assert.False(await a.Outbox.AcknowledgeAsync("t1", pending[0].InterventionId));
        Assert.Equal(31, (await a.Outbox.PendingAsync("t1", 0)).Count);
    }

    [Fact]
    public async Task The_store_refuses_to_change_or_delete_an_audit_entry_and_the_chain_shows_one_changed_behind_its_back()
    {
        var silo = Silo();
        foreach (var id in new[] { "int_a", "int_b", "int_c" }) await InterveneAsync(silo, "t1", id, InterventionType.Pause);
        Assert.Equal(new AuditVerification(true, 3, null, null), await silo.Audit.VerifyAsync("t1"));

        Assert.Throws<PostgresException>(() => silo.Execute("UPDATE audit_log SET at = 0 WHERE tenant = 't1'"));
        Assert.Throws<PostgresException>(() => silo.Execute("DELETE FROM audit_log WHERE tenant = 't1'"));
        Assert.Throws<PostgresException>(() => silo.Execute("TRUNCATE audit_log"));

        silo.Execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update");
        silo.Execute("UPDATE audit_log SET entry = convert_to(replace(convert_from(entry, 'UTF8'), 'because', 'innocent'), 'UTF8') WHERE seq = 2 AND tenant = 't1'");
        var changed = await silo.Audit.VerifyAsync("t1");
        Assert.Equal((false, 2L), (changed.Intact, changed.BrokenAt!.Value));
        Assert.Contains("changed", changed.Problem);
    }

    /// <summary>Runs one of the providers' queries (from OrleansQuery) as Orleans' ADO.NET providers do: named, typed parameters.</summary>
    private static async Task<List<object?[]>> OrleansQueryAsync(PostgresSilo silo, string key, params (string Name, object? Value, System.Data.DbType Type)[] parameters)
    {
        await using var connection = await silo.Database.DataSource.OpenConnectionAsync();
        string sql;
        await using (var find = new NpgsqlCommand("SELECT QueryText FROM OrleansQuery WHERE QueryKey = $1", connection))
        {
            find.Parameters.Add(new NpgsqlParameter { Value = key });
            sql = (string)(await find.ExecuteScalarAsync())!;
        }
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value, type) in parameters) command.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value) { DbType = type });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    [Fact]
    public async Task The_grain_storage_query_writes_over_the_version_it_names_only_and_a_stale_or_second_first_write_gets_no_version()
    {
        var silo = Silo();
        (string, object?, System.Data.DbType)[] Key(int? version, byte[] payload) =>
        [
            ("GrainIdHash", 42, System.Data.DbType.Int32), ("GrainIdN0", 0L, System.Data.DbType.Int64), ("GrainIdN1", 0L, System.Data.DbType.Int64),
            ("GrainTypeHash", 7, System.Data.DbType.Int32), ("GrainTypeString", "session", System.Data.DbType.String),
            ("GrainIdExtensionString", "t1/s1", System.Data.DbType.String), ("ServiceId", "liveorleans", System.Data.DbType.String),
            ("GrainStateVersion", version, System.Data.DbType.Int32), ("PayloadBinary", payload, System.Data.DbType.Binary),
        ];
        async Task<int?> WriteAsync(int? version, byte[] payload)
            => (await OrleansQueryAsync(silo, "WriteToStorageKey", Key(version, payload))).Select(r => (int?)r[0]).SingleOrDefault();

        Assert.Equal(1, await WriteAsync(null, [1]));
        Assert.Null(await WriteAsync(null, [9]));   // a second activation that never read cannot create over it
        Assert.Equal(2, await WriteAsync(1, [2]));
        Assert.Null(await WriteAsync(1, [9]));      // a zombie still holding version 1
        var read = await OrleansQueryAsync(silo, "ReadFromStorageKey", [.. Key(null, []).Where(p => p.Item1 is not ("GrainStateVersion" or "PayloadBinary"))]);
        Assert.Equal([2], (byte[])read.Single()[0]!);
        Assert.Equal(2, (int)read.Single()[2]!);
    }

    [Fact]
    public async Task The_membership_queries_change_a_row_only_over_the_table_version_they_read()
    {
        var silo = Silo();
        var now = DateTime.UtcNow;
        Assert.Equal(1L, (await OrleansQueryAsync(silo, "InsertMembershipVersionKey", ("DeploymentId", "c1", System.Data.DbType.String))).Single()[0]);
        Assert.Equal(0L, (await OrleansQueryAsync(silo, "InsertMembershipVersionKey", ("DeploymentId", "c1", System.Data.DbType.String))).Single()[0]);
        (string, object?, System.Data.DbType)[] Row(int version, int status) =>
        [
            ("DeploymentId", "c1", System.Data.DbType.String), ("Address", "127.0.0.1", System.Data.DbType.String), ("Port", 11111, System.Data.DbType.Int32),
            ("Generation", 5, System.Data.DbType.Int32), ("SiloName", "s1", System.Data.DbType.String), ("HostName", "h", System.Data.DbType.String),
            ("Status", status, System.Data.DbType.Int32), ("ProxyPort", 30000, System.Data.DbType.Int32), ("StartTime", now, System.Data.DbType.DateTime),
            ("IAmAliveTime", now, System.Data.DbType.DateTime), ("Version", version, System.Data.DbType.Int32),
        ];
        Assert.Equal(0L, (await OrleansQueryAsync(silo, "InsertMembershipKey", Row(version: 3, status: 1))).Single()[0]); // not the version read
        Assert.Equal(1L, (await OrleansQueryAsync(silo, "InsertMembershipKey", Row(version: 0, status: 1))).Single()[0]);
        Assert.Equal(0L, (await OrleansQueryAsync(silo, "InsertMembershipKey", Row(version: 1, status: 1))).Single()[0]); // already there
        (string, object?, System.Data.DbType)[] Update(int version) =>
            [.. Row(version, 3).Where(p => p.Item1 is not ("SiloName" or "HostName" or "ProxyPort" or "StartTime")), ("SuspectTimes", null, System.Data.DbType.String)];
        Assert.Equal(0L, (await OrleansQueryAsync(silo, "UpdateMembershipKey", Update(0))).Single()[0]);
        Assert.Equal(1L, (await OrleansQueryAsync(silo, "UpdateMembershipKey", Update(1))).Single()[0]);

        var all = await OrleansQueryAsync(silo, "MembershipReadAllKey", ("DeploymentId", "c1", System.Data.DbType.String));
        var row = Assert.Single(all);
        Assert.Equal((3, 2), ((int)row[6]!, (int)row[11]!)); // status Active, table version moved twice
        Assert.Equal([30000], (await OrleansQueryAsync(silo, "GatewaysQueryKey", ("DeploymentId", "c1", System.Data.DbType.String), ("Status", 3, System.Data.DbType.Int32))).Select(r => (int)r[1]!));
    }
}
