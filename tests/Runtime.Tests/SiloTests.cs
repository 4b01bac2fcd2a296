using System.Text;
using LiveOrleans.Runtime.Memory;
using LiveOrleans.Runtime.Sqlite;

namespace LiveOrleans.Runtime.Tests;

public sealed class SiloTests
{
    [Fact]
    public async Task Appended_entries_are_applied_in_log_order_before_the_append_completes()
    {
        var harness = new SiloHarness();
        await using var silo = await harness.StartAsync();
        var outcomes = await silo.AppendAsync("t1", [CounterRouter.Entry("t1", "a", "one"), CounterRouter.Entry("t1", "a", "two")]);
        await silo.AppendAsync("t1", [CounterRouter.Entry("t1", "a", "three")]);

        Assert.Equal([1L, 2L], outcomes.Select(o => o.Position));
        var state = await SiloHarness.ReadAsync(silo, "t1", "a");
        Assert.Equal(["one", "two", "three"], state.Payloads);
    }

    [Fact]
    public async Task A_repeated_dedup_key_is_a_duplicate_within_its_tenant_only()
    {
        var harness = new SiloHarness();
        await using var silo = await harness.StartAsync();
        await silo.AppendAsync("t1", [CounterRouter.Entry("t1", "a", "x", dedup: "e1")]);
        var again = await silo.AppendAsync("t1", [CounterRouter.Entry("t1", "a", "x", dedup: "e1"), CounterRouter.Entry("t1", "a", "y", dedup: "e2"), CounterRouter.Entry("t1", "a", "y", dedup: "e2")]);
        var otherTenant = await silo.AppendAsync("t2", [CounterRouter.Entry("t2", "a", "x", dedup: "e1")]);

        Assert.Equal([true, false, true], again.Select(o => o.IsDuplicate));
        Assert.False(otherTenant[0].IsDuplicate);
        Assert.Equal(["x", "y"], (await SiloHarness.ReadAsync(silo, "t1", "a")).Payloads);
    }

    [Fact]
    public async Task A_restart_from_the_checkpoint_and_the_log_tail_gives_the_state_before_the_crash()
    {
        var harness = new SiloHarness();
        var first = await harness.StartAsync();
        for (var i = 0; i < 20; i++) await first.AppendAsync("t1", [CounterRouter.Entry("t1", $"g{i % 3}", $"before-{i}")]);
        await first.CheckpointAsync();
        for (var i = 0; i < 7; i++) await first.AppendAsync("t1", [CounterRouter.Entry("t1", $"g{i % 3}", $"after-{i}")]);
        var expected = await first.SnapshotAllAsync();

        // The first silo is left as a crash leaves it: no final checkpoint.
        await using var second = await harness.StartAsync();
        var recovered = await second.SnapshotAllAsync();

        Assert.Equal(expected.Keys.OrderBy(k => k.ToString()), recovered.Keys.OrderBy(k => k.ToString()));
        foreach (var (id, data) in expected) Assert.Equal(Encoding.UTF8.GetString(data), Encoding.UTF8.GetString(recovered[id]));
        Assert.Equal(7 + 3, (await SiloHarness.ReadAsync(second, "t1", "g0")).Count);
    }

    [Fact]
    public async Task Replaying_the_same_log_gives_the_same_state_wherever_the_checkpoint_fell()
    {
        var log = new InMemoryEventLogStore();
        var random = new Random(42);
        for (var i = 0; i < 300; i++)
        {
            var tenant = $"t{random.Next(4)}";
            log.AppendBatch([CounterRouter.Entry(tenant, $"g{random.Next(5)}", $"p{i}", dedup: $"e{random.Next(250)}")]);
        }

        var fromScratch = new SiloHarness { Log = log };
        await using var reference = await fromScratch.StartAsync();
        var expected = await reference.SnapshotAllAsync();

        var withCheckpoint = new SiloHarness { Log = new InMemoryEventLogStore() };
        var writer = await withCheckpoint.StartAsync();
        var entries = log.ReadAfter(0).ToArray();
        for (var i = 0; i < entries.Length; i++)
        {
            await writer.AppendAsync(entries[i].Tenant, [new LogAppend(entries[i].Tenant, entries[i].Kind, null, entries[i].Payload)]);
            if (i == 137) await writer.CheckpointAsync();
        }
        await using var restarted = await withCheckpoint.StartAsync();
        var actual = await restarted.SnapshotAllAsync();

        Assert.Equal(expected.Count, actual.Count);
        foreach (var (id, data) in expected) Assert.Equal(Encoding.UTF8.GetString(data), Encoding.UTF8.GetString(actual[id]));
    }

    [Fact]
    public async Task A_collected_grain_comes_back_with_its_state_before_and_after_the_checkpoint()
    {
        var harness = new SiloHarness();
        await using var silo = await harness.StartAsync();
        await silo.AppendAsync("t1", [CounterRouter.Entry("t1", "a", "one"), CounterRouter.Entry("t1", "a", "collect")]);
        Assert.Equal(["one", "collect"], (await SiloHarness.ReadAsync(silo, "t1", "a")).Payloads);

        await silo.AppendAsync("t1", [CounterRouter.Entry("t1", "a", "collect")]);
        await silo.CheckpointAsync();
        Assert.NotNull(harness.Storage.ReadGrain(new GrainId("counter", "t1", "a")));
        await silo.AppendAsync("t1", [CounterRouter.Entry("t1", "a", "three")]);

        Assert.Equal(["one", "collect", "collect", "three"], (await SiloHarness.ReadAsync(silo, "t1", "a")).Payloads);
    }

    [Fact]
    public async Task A_failing_entry_is_skipped_and_the_partition_goes_on()
    {
        var harness = new SiloHarness();
        await using var silo = await harness.StartAsync();
        await silo.AppendAsync("t1", [new LogAppend("t1", LogEntryKind.Event, null, "boom"u8.ToArray()), CounterRouter.Entry("t1", "a", "ok")]);

        Assert.Equal(["ok"], (await SiloHarness.ReadAsync(silo, "t1", "a")).Payloads);
    }

    [Fact]
    public async Task Due_timers_fire_on_the_partition_loop()
    {
        var harness = new SiloHarness();
        await using var silo = await harness.StartAsync();
        await silo.AppendAsync("t1", [CounterRouter.Entry("t1", "a", "timer:ring")]);

        var fired = false;
        for (var i = 0; i < 200 && !fired; i++)
        {
            await Task.Delay(20);
            fired = await silo.QueryAsync("t1", g => g.FindGrain<CounterGrain>("t1", "a")!.Fired.Contains("timer:ring"));
        }
        Assert.True(fired);
    }

    [Fact]
    public async Task Appends_beyond_the_pending_limit_are_refused_as_overload()
    {
        var gate = new GatedLogStore(new InMemoryEventLogStore());
        var harness = new SiloHarness { Log = gate, Options = new SiloOptions { Partitions = 2, MaxPendingEntries = 20 } };
        await using var silo = await harness.StartAsync();
        OverloadedException refused;
        Task stuck, queued;
        try
        {
            stuck = silo.AppendAsync("t1", Enumerable.Range(0, 8).Select(i => CounterRouter.Entry("t1", "a", $"{i}")).ToArray());
            await gate.Entered.Task;
            queued = silo.AppendAsync("t1", Enumerable.Range(0, 8).Select(i => CounterRouter.Entry("t1", "a", $"q{i}")).ToArray());
            refused = Assert.Throws<OverloadedException>(() => { _ = silo.AppendAsync("t1", [.. Enumerable.Range(0, 5).Select(i => CounterRouter.Entry("t1", "a", $"r{i}"))]); });
        }
        finally
        {
            gate.Open.TrySetResult();
        }

        await Task.WhenAll(stuck, queued);
        Assert.True(refused.RetryAfter > TimeSpan.Zero);
        Assert.Equal(16, (await SiloHarness.ReadAsync(silo, "t1", "a")).Count);
    }

    [Fact]
    public async Task The_sqlite_log_keeps_entries_and_dedup_keys_across_a_reopen()
    {
        var path = Path.Combine(Path.GetTempPath(), $"lo-runtime-{Guid.NewGuid():N}.db");
        try
        {
            var database = new SqliteDatabase(path);
            var harness = new SiloHarness { Log = new SqliteEventLogStore(database), Storage = new SqliteGrainStorage(database) };
            var first = await harness.StartAsync();
            await first.AppendAsync("t1", [CounterRouter.Entry("t1", "a", "one", "e1"), CounterRouter.Entry("t1", "a", "two", "e2")]);
            await first.CheckpointAsync();
            await first.AppendAsync("t1", [CounterRouter.Entry("t1", "a", "three", "e3")]);
            await first.DisposeAsync();

            var reopened = new SiloHarness { Log = new SqliteEventLogStore(database), Storage = new SqliteGrainStorage(database) };
            await using var second = await reopened.StartAsync();
            var again = await second.AppendAsync("t1", [CounterRouter.Entry("t1", "a", "one", "e1"), CounterRouter.Entry("t1", "a", "four", "e4")]);

            Assert.Equal([true, false], again.Select(o => o.IsDuplicate));
            Assert.Equal(4, again[1].Position);
            Assert.Equal(["one", "two", "three", "four"], (await SiloHarness.ReadAsync(second, "t1", "a")).Payloads);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*")) File.Delete(f);
        }
    }

    [Fact]
    public void Placement_is_stable_and_spreads_tenants()
    {
        var map = new PartitionMap(64);
        Assert.Equal(map.Of("acme"), new PartitionMap(64).Of("acme"));
        var used = Enumerable.Range(0, 1000).Select(i => map.Of($"tenant-{i}")).Distinct().Count();
        Assert.Equal(64, used);
    }

    /// <summary>A log store whose first append waits until the test opens the gate.</summary>
    private sealed class GatedLogStore(IEventLogStore inner) : IEventLogStore
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public AppendOutcome[] AppendBatch(IReadOnlyList<LogAppend> batch)
        {
            Entered.TrySetResult();
            Open.Task.Wait();
            return inner.AppendBatch(batch);
        }

        public IEnumerable<LogEntry> ReadAfter(long afterPosition) => inner.ReadAfter(afterPosition);
        public long LastPosition() => inner.LastPosition();
        public void Dispose() => inner.Dispose();
    }
}
