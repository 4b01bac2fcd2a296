using System.Reflection;
using System.Text.RegularExpressions;
using LiveOrleans.Api.Live;
using LiveOrleans.Live;
using LiveOrleans.Testing;
using Microsoft.AspNetCore.SignalR;

namespace LiveOrleans.Api.Tests;

/// <summary>
/// The hubs' method names come from one place (Grains.Interfaces/Live/Hubs.cs), which the Api, the SDK and these tests
/// share; the JavaScript dashboard and hub tests cannot share it, so what they use is read from their sources and
/// compared with it, as is the table of docs/hubs.md.
/// </summary>
public sealed partial class HubNamesTests
{
    private static readonly string Root = PostgresServer.RepositoryRoot();

    private static string[] Pushes<TClient>() => [.. typeof(TClient).GetMethods().Select(m => m.Name).Order(StringComparer.Ordinal)];

    private static string[] Constants(Type names)
        => [.. names.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).Order(StringComparer.Ordinal)];

    /// <summary>What a client may call on the hub, as SignalR names it: the attribute's name, else the method's.</summary>
    private static string[] Calls<THub>()
        => [.. typeof(THub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => m.Name is not (nameof(Hub.OnConnectedAsync) or nameof(Hub.OnDisconnectedAsync)) && !m.IsSpecialName)
            .Select(m => m.GetCustomAttribute<HubMethodNameAttribute>()?.Name ?? m.Name).Order(StringComparer.Ordinal)];

    private static string[] Matches(Regex pattern, IEnumerable<string> files)
        => [.. files.SelectMany(f => pattern.Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value)).Distinct().Order(StringComparer.Ordinal)];

    private static IEnumerable<string> DashboardSources() => Directory.EnumerateFiles(Path.Combine(Root, "Dashboard", "src"), "*.ts", SearchOption.AllDirectories);

    private static IEnumerable<string> HubTests() => Directory.EnumerateFiles(Path.Combine(Root, "tests", "hubs"), "*.js");

    /// <summary>The names docs/hubs.md's table lists for a hub, calls or pushes: <c>| call | `Subscribe(filter)` | …</c>.</summary>
    private static string[] Documented(string hub, string direction)
    {
        var docs = File.ReadAllText(Path.Combine(Root, "docs", "hubs.md"));
        var start = docs.IndexOf($"## `{hub}`", StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/hubs.md has no section for {hub}.");
        var end = docs.IndexOf("\n## `", start + 1, StringComparison.Ordinal);
        var section = end < 0 ? docs[start..] : docs[start..end];
        return [.. section.Split('\n').Where(line => line.StartsWith($"| {direction} | ", StringComparison.Ordinal))
            .SelectMany(line => DocumentedName().Matches(line.Split('|')[2]).Select(m => m.Groups[1].Value))
            .Distinct().Order(StringComparer.Ordinal)];
    }

    [Fact]
    public void The_hubs_answer_exactly_the_shared_and_documented_call_names()
    {
        Assert.Equal(Constants(typeof(LiveHubMethods)), Calls<LiveHub>());
        Assert.Equal(Documented("/hubs/live", "call"), Calls<LiveHub>());
        Assert.Equal(Constants(typeof(RuntimeHubMethods)), Calls<RuntimeHub>());
        Assert.Equal(Documented("/hubs/runtime", "call"), Calls<RuntimeHub>());
    }

    [Fact]
    public void The_shared_pushes_are_those_documented()
    {
        Assert.Equal(Documented("/hubs/live", "push"), Pushes<ILiveClient>());
        Assert.Equal(Documented("/hubs/runtime", "push"), Pushes<IRuntimeClient>());
    }

    [Fact]
    public void The_hub_tests_listen_for_exactly_the_shared_push_names()
    {
        var engine = File.ReadAllText(Path.Combine(Root, "tests", "hubs", "engine.js"));
        var loop = ListenLoop().Match(engine);
        Assert.True(loop.Success, "tests/hubs/engine.js no longer lists the pushes it records.");
        string[] live = [.. Quoted().Matches(loop.Groups[1].Value).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal)];
        Assert.Equal(Pushes<ILiveClient>(), live);
        Assert.Equal(Pushes<IRuntimeClient>(), Matches(ConnectionOn(), [Path.Combine(Root, "tests", "hubs", "engine.js")]));
    }

    [Fact]
    public void The_dashboard_and_the_hub_tests_use_only_shared_names()
    {
        var dashboardPushes = Matches(ConnectionOn(), DashboardSources());
        Assert.Contains(nameof(ILiveClient.tick), dashboardPushes);
        Assert.Empty(dashboardPushes.Except(Pushes<ILiveClient>()));

        var dashboardCalls = Matches(Invoke(), DashboardSources());
        Assert.Contains(LiveHubMethods.Subscribe, dashboardCalls);
        Assert.Empty(dashboardCalls.Except(Constants(typeof(LiveHubMethods))));

        var testCalls = Matches(Invoke(), HubTests());
        Assert.Contains(RuntimeHubMethods.Publish, testCalls);
        Assert.Empty(testCalls.Except(Constants(typeof(LiveHubMethods))).Except(Constants(typeof(RuntimeHubMethods))));
    }

    [GeneratedRegex(@"`(\w+)[(`]")]
    private static partial Regex DocumentedName();

    [GeneratedRegex(@"for \(const name of \[([^\]]*)\]")]
    private static partial Regex ListenLoop();

    [GeneratedRegex(@"'(\w+)'")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"connection\.on\(\s*'(\w+)'")]
    private static partial Regex ConnectionOn();

    [GeneratedRegex(@"\.invoke(?:<[^>]*>)?\(\s*'(\w+)'")]
    private static partial Regex Invoke();
}
