using LiveOrleans.Views;

namespace LiveOrleans.Grains.Tests.Index;

/// <summary>
/// <see cref="SessionRules.NextChange"/> against a clock that steps: on random entries whose times fall on a 10 s grid,
/// the first grid instant at which the listed state or the metrics share differs from now's is the answer (or none
/// within the horizon); on entries at any tick, the state one tick before the answer is still now's and at it is not.
/// </summary>
[Trait("Category", "unit")]
public sealed class NextChangePropertyTests
{
    private static readonly DateTimeOffset Base = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 60)];

    // A broadcast-only entry is never listed nor counted.
    private static (bool Listed, MetricsPart Share) State(SessionEntry entry, DateTimeOffset at, TimeSpan grace)
        => (SessionRules.IsListed(entry, at, grace), entry.BroadcastOnly ? MetricsPart.Empty : SessionRules.Metrics(entry, at, grace));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_next_change_is_the_first_a_stepping_clock_sees(int seed)
    {
        var random = new Random(seed);
        var step = TimeSpan.FromSeconds(10);
        var grace = step * random.Next(0, 20);
        for (var i = 0; i < 40; i++)
        {
            var now = Base + step * random.Next(-100, 100);
            DateTimeOffset At() => now + step * random.Next(-3 * 360, 360 / 6);
            var entry = Entry(random, At);
            // Between grid instants nothing can change: the state at now holds until the next grid instant.
            var start = random.Next(2) == 0 ? now : now + TimeSpan.FromTicks(random.NextInt64(1, step.Ticks));
            var expected = State(entry, start, grace);
            DateTimeOffset? first = null;
            for (var t = now + step; t <= now + TimeSpan.FromHours(5); t += step)
            {
                if (State(entry, t, grace) == expected) continue;
                first = t;
                break;
            }
            Assert.Equal(first, SessionRules.NextChange(entry, start, grace));
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_state_changes_exactly_at_the_next_change(int seed)
    {
        var random = new Random(seed);
        var grace = TimeSpan.FromTicks(random.NextInt64(TimeSpan.TicksPerMinute * 3));
        for (var i = 0; i < 200; i++)
        {
            var now = Base + TimeSpan.FromTicks(random.NextInt64(TimeSpan.TicksPerHour));
            DateTimeOffset At() => now + TimeSpan.FromTicks(random.NextInt64(-3 * TimeSpan.TicksPerHour, TimeSpan.TicksPerMinute * 10));
            var entry = Entry(random, At);
            var state = State(entry, now, grace);
            var next = SessionRules.NextChange(entry, now, grace);
            if (next is not { } at)
            {
                Assert.True(entry.BroadcastOnly || State(entry, now + TimeSpan.FromHours(5), grace) == state, "no next change, yet the state changes");
                continue;
            }
            Assert.True(at > now);
            Assert.Equal(state, State(entry, at.AddTicks(-1), grace));
            Assert.NotEqual(state, State(entry, at, grace));
            // And following the chain of changes never skips one: the state is constant up to each.
            var t = at;
            for (var hop = 0; hop < 20 && SessionRules.NextChange(entry, t, grace) is { } later; hop++)
            {
                var s = State(entry, t, grace);
                Assert.Equal(s, State(entry, later.AddTicks(-1), grace));
                Assert.NotEqual(s, State(entry, later, grace));
                t = later;
            }
        }
    }

    private static SessionEntry Entry(Random random, Func<DateTimeOffset> at)
    {
        var started = at();
        DateTimeOffset? ended = random.Next(3) == 0 ? null : random.Next(4) == 0 ? started : at();
        if (ended < started) (started, ended) = (ended.Value, started);
        var card = new SessionCard($"s{random.Next(1000)}", null, null, null, null, new UserView("u", null), started, started,
            ended is null ? LiveState.Active : LiveState.Ended, Priority.Normal, "", null, null, ConversationStatus.Open, false, ended);
        return new SessionEntry(1, 0, card, random.Next(15) == 0, [],
            null, [.. Enumerable.Range(0, random.Next(4)).Select(_ => new ReplySample(at(), Math.Round(random.NextDouble() * 5_000, 3)))],
            [.. Enumerable.Range(0, random.Next(3) == 0 ? random.Next(1, 4) : 0).Select(_ => at())]);
    }
}
