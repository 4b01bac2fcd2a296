using LiveOrleans.Api.Live;
using LiveOrleans.Views;
using LiveOrleans.Live;
using LiveOrleans.Queries;

namespace LiveOrleans.Api.Tests;

/// <summary>The dashboards' replica of a tenant's live view: what it does with the tenant stream's items.</summary>
[Trait("Category", "unit")]
public sealed class TenantReplicaTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private static SessionEntry Entry(string id, long position, LiveState state = LiveState.Active, string channel = "web") => new(position, 0,
        new SessionCard(id, "bot", null, null, channel, new UserView("u", "Ann"), T, T.AddSeconds(position), state, Priority.Normal, "hi", null, null,
            ConversationStatus.Open, true, null),
        false, ["hi there"], T, [], []);

    private static TenantReplica Loaded()
    {
        var replica = new TenantReplica("t", new LiveOptions());
        replica.LoadDirectory(new DirectorySnapshot(4, TenantSettings.Default, [new AgentRecord("bot", "Support Bot", AgentKind.Ai, [], "#123456", T, null, null)]));
        replica.LoadDay(new DaySnapshot("2026-11-23", 7, []));
        replica.LoadShard(new IndexSnapshotPage(0, 10, [Entry("a", 5), Entry("b", 6)], [], null), first: true, new ReplicaChanges());
        return replica;
    }

    [Fact]
    public void Items_the_snapshot_already_holds_are_ignored_and_the_next_ones_applied()
    {
        var replica = Loaded();
        var changes = new ReplicaChanges();

        // A memory stream may hand a new subscription items from before it subscribed.
        Assert.Equal(ReplicaSource.None, replica.Apply(new SessionsChanged(0, 9, [Entry("a", 1, LiveState.Ended)], [], [], []), changes).Source);
        Assert.Equal(LiveState.Active, replica.Entries["a"].Card.State);
        Assert.True(changes.IsEmpty);

        replica.Apply(new SessionsChanged(0, 11, [Entry("a", 8, LiveState.Thinking), Entry("b", 3, LiveState.Ended)], ["c"], [], []), changes);
        Assert.Equal(LiveState.Thinking, replica.Entries["a"].Card.State);
        // An entry older than the one held (a late delivery) does not replace it.
        Assert.Equal(LiveState.Active, replica.Entries["b"].Card.State);
        Assert.Contains("a", changes.Sessions);
        Assert.Equal("Support Bot", replica.VisibleCard("a", LiveFilter.All, T)!.AgentName);
    }

    [Fact]
    public void A_missed_item_asks_for_a_fresh_snapshot_of_its_source()
    {
        var replica = Loaded();
        var changes = new ReplicaChanges();

        Assert.Equal((ReplicaSource.Shard, 0), replica.Apply(new SessionsChanged(0, 12, [Entry("z", 9)], [], [], []), changes));
        Assert.False(replica.Entries.ContainsKey("z"));
        Assert.Equal(ReplicaSource.Day, replica.Apply(new DayChanged("2026-11-23", 9, []), changes).Source);
        Assert.Equal(ReplicaSource.Directory, replica.Apply(new DirectoryChanged(6, TenantSettings.Default, []), changes).Source);
        // Another day's cells are not today's figures.
        Assert.Equal(ReplicaSource.None, replica.Apply(new DayChanged("2026-11-22", 1, []), changes).Source);
        // A new time zone may make another day today.
        Assert.Equal(ReplicaSource.Day, replica.Apply(new DirectoryChanged(5, TenantSettings.Default with { TimeZone = "Asia/Tokyo" }, []), changes).Source);
    }

    [Fact]
    public void An_agents_signal_changes_no_card_its_new_name_changes_its_cards_only()
    {
        var replica = Loaded();
        replica.Apply(new SessionsChanged(0, 11, [Entry("c", 7) with { Card = Entry("c", 7).Card with { AgentId = "other" } }], [], [], []), new ReplicaChanges());
        var bot = new AgentRecord("bot", "Support Bot", AgentKind.Ai, [], "#123456", T, null, null);

        // The agent sent a message: its signal times move, nothing a card shows.
        var signal = new ReplicaChanges();
        replica.Apply(new DirectoryChanged(5, TenantSettings.Default, [bot with { LastSignalAt = T.AddMinutes(1), LastMessageAt = T.AddMinutes(1) }]), signal);
        Assert.Empty(signal.Sessions);
        Assert.True(signal.Figures);

        // Renamed: its cards (a and b), not the other agent's (c); a colour alone counts too; a new agent's cards change.
        var renamed = new ReplicaChanges();
        replica.Apply(new DirectoryChanged(6, TenantSettings.Default, [bot with { Name = "Helper" }]), renamed);
        Assert.Equal(["a", "b"], renamed.Sessions.Order());
        Assert.Equal("Helper", replica.VisibleCard("a", LiveFilter.All, T)!.AgentName);
        var recoloured = new ReplicaChanges();
        replica.Apply(new DirectoryChanged(7, TenantSettings.Default, [bot with { Name = "Helper", Color = "#654321" }]), recoloured);
        Assert.Equal(["a", "b"], recoloured.Sessions.Order());
        var added = new ReplicaChanges();
        replica.Apply(new DirectoryChanged(8, TenantSettings.Default, [new AgentRecord("other", "Olga", AgentKind.Human, [], "#abcdef", T, null, null)]), added);
        Assert.Equal(["c"], added.Sessions);
        Assert.Equal("Olga", replica.VisibleCard("c", LiveFilter.All, T)!.AgentName);
    }

    [Fact]
    public void A_fresh_shard_snapshot_drops_the_sessions_it_no_longer_holds()
    {
        var replica = Loaded();
        var changes = new ReplicaChanges();
        replica.LoadShard(new IndexSnapshotPage(0, 20, [Entry("b", 7)], [], null), first: true, changes);

        Assert.Equal(["b"], replica.Entries.Keys);
        Assert.Contains("a", changes.Sessions);
        Assert.Null(replica.VisibleCard("a", LiveFilter.All, T));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void The_first_cards_and_the_count_a_filter_selects_are_a_brute_forces(int seed)
    {
        var random = new Random(seed);
        var replica = Loaded();
        var now = T.AddHours(1);
        var states = Enum.GetValues<LiveState>();
        string[] channels = ["web", "email", "sms"];
        var entries = Enumerable.Range(0, 2_000).Select(i =>
        {
            var state = states[random.Next(states.Length)];
            // Ended ones within and beyond the grace period; activity times with ties.
            DateTimeOffset? ended = state == LiveState.Ended ? now.AddSeconds(-random.Next(600)) : null;
            return Entry($"s{i}", i + 10, state, channels[random.Next(channels.Length)]) is var e
                ? e with { Card = e.Card with { LastActivityAt = T.AddSeconds(random.Next(900)), EndedAt = ended, Priority = (Priority)random.Next(4) } }
                : e;
        }).ToList();
        replica.LoadShard(new IndexSnapshotPage(0, 20, entries, [], null), first: true, new ReplicaChanges());
        LiveFilter[] filters =
        [
            LiveFilter.All, new() { Channels = ["email"] }, new() { Channels = ["sms"], Statuses = [LiveState.Paused, LiveState.Ended] },
            new() { Priorities = [Priority.Urgent] }, new() { Channels = ["fax"] },
        ];
        foreach (var filter in filters)
        {
            var expected = replica.Entries.Values.Where(e => SessionRules.IsVisible(e, filter, now, replica.Options.EndedGracePeriod))
                .Select(e => e.Card).Order(Comparer<SessionCard>.Create(SessionRules.CompareForList)).ToList();
            Assert.Equal(expected.Count, replica.CountVisible(filter, now));
            foreach (var count in new[] { 0, 1, 50, 5_000 })
            {
                var first = replica.FirstVisible(filter, now, count);
                Assert.Equal(expected.Take(count).Select(c => c.SessionId), first.Select(c => c.SessionId));
                Assert.All(first, c => Assert.Equal("Support Bot", c.AgentName)); // named, as a dashboard shows them
            }
        }
    }
}
