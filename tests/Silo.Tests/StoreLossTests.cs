using System.Text;
using LiveOrleans.Live;
using LiveOrleans.Storage;
using LiveOrleans.Storage.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace LiveOrleans.Silo.Tests;

/// <summary>The embedded store's file taken away under its writer, and what its marker file says afterwards.</summary>
[Trait("Category", "store")]
public sealed class StoreLossTests : IDisposable
{
    private readonly StoreFixture _store = new();

    public void Dispose() => _store.Dispose();

    private static LogAppend Entry(string id) => new(LogEntryKind.Event, id, Encoding.UTF8.GetBytes("payload of " + id));

    [Fact]
    public async Task A_deleted_file_is_noticed_by_the_next_write_which_fails_and_nothing_recreates_it()
    {
        var path = _store.Database.Path;
        await _store.Log.AppendAsync("t1", "session/s1", [Entry("before")]);
        _store.Database.Verify();
        foreach (var file in new[] { path, path + "-wal", path + "-shm" }) File.Delete(file);

        var refused = await Assert.ThrowsAsync<StoreUnavailableException>(() => _store.Log.AppendAsync("t1", "session/s1", [Entry("after")]));

        Assert.Contains("was deleted or replaced while the engine ran", refused.Message);
        Assert.True(_store.Database.HasMoved());
        Assert.Contains("deleted or replaced", Assert.Throws<InvalidOperationException>(_store.Database.Verify).Message);
        Assert.Throws<StoreUnavailableException>(() => _store.Database.Read((Microsoft.Data.Sqlite.SqliteConnection c) => 1));
        Assert.False(File.Exists(path));
        // The marker beside it says a store was there: opening the path again is refused, not a new store.
        var missing = Assert.Throws<StoreMissingException>(() => new SqliteDatabase(path));
        Assert.Contains($"delete {path}.id to start afresh on purpose", missing.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_store_keeps_its_id_inside_and_in_its_marker_and_an_empty_file_in_its_place_is_refused()
    {
        var path = _store.Database.Path;
        Assert.Equal(_store.Database.StoreId, File.ReadAllText(path + ".id").Trim());
        Assert.Equal(_store.Database.StoreId, _store.Database.GetOrAddMeta("store_id", "another"));

        var other = Path.Combine(Path.GetDirectoryName(path)!, "other.db");
        File.WriteAllBytes(other, []);
        File.WriteAllText(other + ".id", "an id\n");
        Assert.Throws<StoreMissingException>(() => new SqliteDatabase(other));
    }

    [Fact]
    public void A_failed_write_holds_the_store_not_ready_and_a_commit_after_the_hold_makes_it_ready()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 20, 0, 0, TimeSpan.Zero));
        var health = new StoreWriteHealth(clock);
        Assert.Null(health.Problem);

        health.Failed("disk full");
        health.Committed(); // within the hold: still not ready
        Assert.Equal(("disk full", false), health.Problem);
        clock.Advance(StoreWriteHealth.Hold);
        Assert.Null(health.Problem);

        health.Failed("disk full again");
        clock.Advance(StoreWriteHealth.Hold);
        Assert.Equal(("disk full again", true), health.Problem); // the hold passed and nothing committed: a probe may tell
        health.Committed();
        Assert.Null(health.Problem);
    }
}
