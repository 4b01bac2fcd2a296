namespace LiveOrleans.Grains.Tests;

/// <summary>The tenant's directory of agents when the records of one agent reach it out of order.</summary>
[Trait("Category", "grains")]
public sealed class TenantDirectoryTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset? Latest(IEnumerable<DateTimeOffset?> times) => times.Where(t => t is not null).Max();

    [Fact]
    public async Task An_agents_times_only_move_forward_whatever_order_its_records_arrive_in()
    {
        await using var live = await LiveCluster.StartAsync();
        await live.ConfigureTenantAsync("dir");
        var tenant = live.Grains.GetGrain<ITenantGrain>("dir");
        var random = new Random(17);

        // Records as the agent grain answered them over time, each with its times then; delivered shuffled (two
        // dispatches in flight while a tenant moves between silos).
        var records = Enumerable.Range(0, 40).Select(i => new AgentRecord("bot", $"Bot {i}", AgentKind.Ai, [], "#123456",
            random.Next(3) == 0 ? null : T.AddSeconds(random.Next(1000)),
            random.Next(3) == 0 ? null : T.AddSeconds(random.Next(1000)),
            random.Next(3) == 0 ? null : T.AddSeconds(random.Next(1000)))).ToList();
        var delivered = records.OrderBy(_ => random.Next()).ToList();
        foreach (var record in delivered) await tenant.AgentsChanged([record]);

        var agent = (await tenant.GetDirectory()).Agents.Single(a => a.Id == "bot");
        Assert.Equal(Latest(records.Select(r => r.LastSignalAt)), agent.LastSignalAt);
        Assert.Equal(Latest(records.Select(r => r.OfflineAt)), agent.OfflineAt);
        Assert.Equal(Latest(records.Select(r => r.LastMessageAt)), agent.LastMessageAt);
        // What is not a time is the last given.
        Assert.Equal(delivered[^1].Name, agent.Name);
    }
}
