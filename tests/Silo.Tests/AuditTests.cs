using System.Text;
using LiveOrleans.Events;
using LiveOrleans.Queries;
using Microsoft.Data.Sqlite;

namespace LiveOrleans.Silo.Tests;

/// <summary>The audit log: written with the intervention's log entry, append-only, hash-chained; the control outbox beside it.</summary>
[Trait("Category", "store")]
public sealed class AuditTests : IDisposable
{
    private readonly StoreFixture _store = new();

    public void Dispose() => _store.Dispose();

    private static readonly DateTimeOffset T = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private async Task<InterventionAppendOutcome> InterveneAsync(string tenant, string id, InterventionType type, string session = "s1")
    {
        var entry = new InterventionView(id, session, "usr_1", type, "because", T, tenant, null, null, null);
        var control = type == InterventionType.CobrowseStart ? null : new ControlCommand(0, id, session, "bot", type, null, null);
        return await _store.Log.AppendInterventionAsync(tenant, $"session/{session}", new LogAppend(LogEntryKind.Intervention, id, Encoding.UTF8.GetBytes(id)), entry, control);
    }

    [Fact]
    public async Task Entries_are_numbered_per_tenant_and_a_repeated_intervention_is_written_once()
    {
        var one = await InterveneAsync("t1", "int_one", InterventionType.Pause);
        var silent = await InterveneAsync("t1", "int_two", InterventionType.CobrowseStart, "s2");
        var again = await InterveneAsync("t1", "int_one", InterventionType.Pause);
        var other = await InterveneAsync("t2", "int_one", InterventionType.Pause);

        Assert.Equal((1L, 0L), (one.ControlSequence, silent.ControlSequence));
        Assert.True(again.Duplicate);
        Assert.Equal(1, other.ControlSequence);
        Assert.Equal(["int_one", "int_two"], (await _store.Audit.QueryAsync("t1", null, null, null)).Select(e => e.InterventionId));
        Assert.Equal(["int_two"], (await _store.Audit.QueryAsync("t1", "s2", null, null)).Select(e => e.InterventionId));
        Assert.Equal(2, await _store.Outbox.LastSequenceAsync("t1"));
        // Silent monitoring issues no control command.
        Assert.Equal(["int_one"], (await _store.Outbox.PendingAsync("t1", 0)).Select(c => c.InterventionId));
    }

    [Fact]
    public async Task A_control_command_leaves_the_outbox_when_acknowledged_once()
    {
        await InterveneAsync("t1", "int_a", InterventionType.Pause);
        await InterveneAsync("t1", "int_b", InterventionType.Resume);

        Assert.Equal([1L, 2L], (await _store.Outbox.PendingAsync("t1", 0)).Select(c => c.Sequence));
        Assert.Equal(["int_b"], (await _store.Outbox.PendingAsync("t1", 1)).Select(c => c.InterventionId));
        Assert.True(await _store.Outbox.AcknowledgeAsync("t1", "int_a"));
        Assert.False(await _store.Outbox.AcknowledgeAsync("t1", "int_a"));
        Assert.Equal(["int_b"], (await _store.Outbox.PendingAsync("t1", 0)).Select(c => c.InterventionId));
    }

    [Fact]
    public async Task The_store_refuses_to_change_or_delete_an_entry_and_the_chain_shows_one_changed_behind_its_back()
    {
        await InterveneAsync("t1", "int_a", InterventionType.Pause);
        await InterveneAsync("t1", "int_b", InterventionType.Resume);
        await InterveneAsync("t1", "int_c", InterventionType.Pause);
        Assert.Equal(new AuditVerification(true, 3, null, null), await _store.Audit.VerifyAsync("t1"));

        Assert.Throws<SqliteException>(() => _store.Execute("UPDATE audit_log SET at = 0 WHERE tenant = 't1'"));
        Assert.Throws<SqliteException>(() => _store.Execute("DELETE FROM audit_log WHERE tenant = 't1'"));

        // Someone with the file drops the guard and rewrites the reason of the second entry.
        _store.Execute("DROP TRIGGER audit_log_no_update");
        _store.Execute("UPDATE audit_log SET entry = CAST(REPLACE(CAST(entry AS TEXT), 'because', 'innocent') AS BLOB) WHERE seq = 2 AND tenant = 't1'");
        var changed = await _store.Audit.VerifyAsync("t1");
        Assert.False(changed.Intact);
        Assert.Equal(2, changed.BrokenAt);
        Assert.Contains("changed", changed.Problem);

        _store.Execute("DROP TRIGGER audit_log_no_delete");
        _store.Execute("DELETE FROM audit_log WHERE seq = 1 AND tenant = 't1'");
        var missing = await _store.Audit.VerifyAsync("t1");
        Assert.Equal(1, missing.BrokenAt);
        Assert.Contains("missing", missing.Problem);
    }
}
