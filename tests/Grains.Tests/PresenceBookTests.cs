using LiveOrleans.Grains.Presence;
using LiveOrleans.Live;

namespace LiveOrleans.Grains.Tests;

/// <summary>The presence rules without a silo: people counted once, nodes' leases, renewals that mend.</summary>
[Trait("Category", "unit")]
public sealed class PresenceBookTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 6, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);

    private static PresenceWatch Watch(string connection, string session, string user, int secondsIn)
        => new(connection, session, user, user.ToUpperInvariant(), T.AddSeconds(secondsIn));

    [Fact]
    public void A_person_watching_from_two_connections_counts_once_since_their_first_watch()
    {
        var book = new PresenceBook(100);
        book.Join("a", Watch("c1", "s", "sam", 0), T + Lease);
        var changes = book.Join("b", Watch("c2", "s", "sam", 5), T + Lease);
        Assert.Empty(changes); // the list did not change: Sam was already there, since 0 s
        var list = book.Of("s").Watchers;
        Assert.Equal([new SessionWatcher("sam", "SAM", T)], list);

        var left = book.Leave("a", "c1", "s");
        Assert.Equal([new SessionWatcher("sam", "SAM", T.AddSeconds(5))], Assert.Single(left).Watchers);
        Assert.True(left[0].Version > 100);
    }

    [Fact]
    public void A_node_that_stops_renewing_loses_its_watchers_when_its_lease_ends_and_not_before()
    {
        var book = new PresenceBook(0);
        book.Join("a", Watch("c1", "s", "sam", 0), T + Lease);
        book.Join("b", Watch("c2", "s", "sue", 1), T + Lease);
        book.Renew("b", [Watch("c2", "s", "sue", 1)], T.AddSeconds(5) + Lease);

        Assert.Empty(book.Expire(T + Lease - TimeSpan.FromMilliseconds(1)));
        var expired = Assert.Single(book.Expire(T + Lease));
        Assert.Equal(["sue"], expired.Watchers.Select(w => w.UserId));
        Assert.Equal(["sue"], book.Snapshot().Sessions.Single().Watchers.Select(w => w.UserId));
    }

    [Fact]
    public void A_renewal_is_the_nodes_whole_truth_a_lost_leave_is_mended_and_versions_only_grow()
    {
        var book = new PresenceBook(7);
        var joined = book.Join("a", Watch("c1", "s", "sam", 0), T + Lease);
        book.Join("a", Watch("c1", "other", "sam", 0), T + Lease);
        var renewed = book.Renew("a", [Watch("c1", "other", "sam", 0)], T + Lease);
        var cleared = Assert.Single(renewed);
        Assert.Equal("s", cleared.SessionId);
        Assert.Empty(cleared.Watchers);
        Assert.True(cleared.Version > joined.Single().Version);
        Assert.Equal(["other"], book.Snapshot().Sessions.Select(s => s.SessionId));
        Assert.True(book.Snapshot().Version >= cleared.Version);
    }
}
