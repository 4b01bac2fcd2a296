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
/// compared with it.
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

    [Fact]
    public void The_hubs_answer_exactly_the_shared_call_names()
    {
        Assert.Equal(["Ping", "Subscribe", "UnwatchSession", "WatchSession"], Calls<LiveHub>());
        Assert.Equal(Constants(typeof(LiveHubMethods)), Calls<LiveHub>());
        Assert.Equal(["Ack", "Publish"], Calls<RuntimeHub>());
        Assert.Equal(Constants(typeof(RuntimeHubMethods)), Calls<RuntimeHub>());
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

    [GeneratedRegex(@"for \(const name of \[([^\]]*)\]")]
    private static partial Regex ListenLoop();

    [GeneratedRegex(@"'(\w+)'")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"connection\.on\(\s*'(\w+)'")]
    private static partial Regex ConnectionOn();

    [GeneratedRegex(@"\.invoke(?:<[^>]*>)?\(\s*'(\w+)'")]
    private static partial Regex Invoke();
}
