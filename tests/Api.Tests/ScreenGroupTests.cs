using LiveOrleans.Api.Live;
using LiveOrleans.Live;
using LiveOrleans.Queries;
using LiveOrleans.Views;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// A screen kept from the replica's changes holds what a brute force over the replica finds: the first window of
/// matching cards in list order and their count, also when many leave it at once and it fills up again from the
/// replica's order.
/// </summary>
[Trait("Category", "unit")]
public sealed class ScreenGroupTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private static SessionEntry Entry(string id, long position, int activitySeconds, string channel) => new(position, 0,
        new SessionCard(id, "bot", null, null, channel, new UserView("u", "Ann"), T, T.AddSeconds(activitySeconds), LiveState.Active, Priority.Normal, "hi", null, null,
            ConversationStatus.Open, true, null),
        false, ["hi there"], T, [], []);

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 1)]
    [InlineData(3, 12)]
    [InlineData(4, 40)]
    public void A_screen_follows_changes_into_and_out_of_its_filter_as_a_brute_force_does(int seed, int window)
    {
        var random = new Random(seed);
        var replica = new TenantReplica("t", new LiveOptions());
        replica.LoadDirectory(new DirectorySnapshot(1, TenantSettings.Default, [new AgentRecord("bot", "Support Bot", AgentKind.Ai, [], "#123456", T, null, null)]));
        replica.LoadDay(new DaySnapshot("2026-11-23", 1, []));
        var position = 0L;
        var clock = 0;
        string Channel() => random.Next(3) == 0 ? "email" : "web";
        replica.LoadShard(new IndexSnapshotPage(0, 1, [.. Enumerable.Range(0, 200).Select(i => Entry($"s{i}", ++position, random.Next(1000), Channel()))], [], null),
            first: true, new ReplicaChanges());
        clock = 1000;
        var filter = new LiveFilter { Channels = ["web"] };
        var now = T.AddSeconds(5000);
        var screen = new ScreenGroup(filter, window, replica, new FigureCache(replica, now), now);
        var version = 1L;

        for (var round = 0; round < 300; round++)
        {
            // A round: some sessions start, some move on (newer activity), some change channel (into or out of the
            // filter), some are removed; now and then most of the screen leaves at once.
            var ids = replica.Entries.Keys.ToList();
            var changed = new List<SessionEntry>();
            var removed = new List<string>();
            var leaveAll = round % 25 == 24;
            foreach (var id in ids.OrderBy(_ => random.Next()).Take(random.Next(1, 8)))
            {
                var card = replica.Entries[id].Card;
                switch (random.Next(4))
                {
                    case 0: changed.Add(Entry(id, ++position, ++clock, card.Channel!)); break;
                    case 1: changed.Add(Entry(id, ++position, (int)(card.LastActivityAt - T).TotalSeconds, card.Channel == "web" ? "email" : "web")); break;
                    case 2: removed.Add(id); break;
                    default: changed.Add(Entry($"n{round}-{id}", ++position, ++clock, Channel())); break;
                }
            }
            if (leaveAll)
            {
                // Every card the screen holds, its reserve included, leaves the filter.
                var held = replica.Entries.Values.Where(e => e.Card.Channel == "web").Select(e => e.Card)
                    .Order(Comparer<SessionCard>.Create(SessionRules.CompareForList)).Take(window + Math.Max(10, window / 2));
                foreach (var card in held)
                {
                    if (removed.Contains(card.SessionId) || changed.Any(e => e.SessionId == card.SessionId)) continue;
                    changed.Add(Entry(card.SessionId, ++position, (int)(card.LastActivityAt - T).TotalSeconds, "email"));
                }
            }
            var changes = new ReplicaChanges();
            replica.Apply(new SessionsChanged(0, ++version, changed, removed, [], []), changes);
            foreach (var id in changes.Sessions) screen.Changed(id, replica.VisibleCard(id, filter, now), now);
            screen.Settle(now);

            var expected = replica.Entries.Values.Where(e => e.Card.Channel == "web").Select(e => e.Card)
                .Order(Comparer<SessionCard>.Create(SessionRules.CompareForList)).ToList();
            Assert.Equal(expected.Count, screen.Total);
            Assert.Equal(expected.Take(window).Select(c => c.SessionId), screen.Cards.Select(c => c.SessionId));
            Assert.All(screen.Cards, c => Assert.Equal("Support Bot", c.AgentName));
        }
        // The top filled up again from the replica's order; built from every entry only when it was made.
        Assert.True(screen.Work.Refills > 0, "the screen never had to fill up again");
        Assert.Equal(1, screen.Work.Rebuilds);
    }
}
