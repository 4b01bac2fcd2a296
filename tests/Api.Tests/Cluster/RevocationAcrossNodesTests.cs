using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using LiveOrleans.Live;
using Microsoft.AspNetCore.SignalR.Client;

namespace LiveOrleans.Api.Tests.Cluster;

/// <summary>
/// Access taken back on one Api node is refused on another within seconds: two Api nodes (each a silo) on one
/// PostgreSQL database; the key, the person and the role change through node 1, while node 2 had them in its cache
/// and held their hub connections, which it closes.
/// </summary>
[Collection("cluster")]
[Trait("Category", "cluster")]
public sealed class RevocationAcrossNodesTests
{
    /// <summary>Node 2 reads again what it knows of keys and people after Auth:RevocationWindow (2 s by default); a margin for a loaded machine.</summary>
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(6);

    private static async Task<HttpResponseMessage> SendAsync(HttpClient node, HttpMethod method, string path, string? token = null, object? body = null, string? key = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await node.SendAsync(request);
    }

    private static async Task<string> SignInAsync(HttpClient node, string username, string password)
    {
        var response = await node.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "crash", username, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private static object Batch(string session, string id) => new
    {
        events = new object[] { new { type = "session_started", id, timestamp = DateTimeOffset.UtcNow, sessionId = session, channel = "web", agentId = "bot", user = new { id = "u", name = "Ann" } } },
    };

    /// <summary>Repeats a call on node 2 until it answers <paramref name="expected"/>; answers how long that took.</summary>
    private static async Task<TimeSpan> UntilAsync(HttpStatusCode expected, string what, Func<Task<HttpResponseMessage>> send)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var response = await send();
            if (response.StatusCode == expected) return started.Elapsed;
            Assert.True(started.Elapsed < Within, $"{what}: node 2 still answered {(int)response.StatusCode} after {started.Elapsed}: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(100);
        }
    }

    /// <summary>A started hub connection on <paramref name="node"/> and what its close reports.</summary>
    private static async Task<(HubConnection Connection, Task<Exception?> Closed)> ConnectAsync(Uri node, string hub, string token, Func<HubConnection, Task> first)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(node, hub), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
        await connection.StartAsync();
        await first(connection);
        return (connection, closed.Task);
    }

    private static async Task<Exception?> ClosedAsync(Task<Exception?> closed, string what)
    {
        try
        {
            return await closed.WaitAsync(Within);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"{what}: the connection on node 2 was still open after {Within}.");
        }
    }

    [Fact]
    public async Task A_key_revoked_a_person_removed_and_a_supervisor_demoted_on_node_1_are_refused_on_node_2_within_seconds()
    {
        await using var cluster = new ClusterProcesses();
        var one = await cluster.StartApiAsync(client: false);
        var two = await cluster.StartApiAsync(client: false);
        using var node1 = new HttpClient { BaseAddress = one.Address };
        using var node2 = new HttpClient { BaseAddress = two.Address };

        var admin = await SignInAsync(node1, "admin", "crash-password");
        var created = await (await SendAsync(node1, HttpMethod.Post, "/api/v1/apikeys", admin, new { name = "across" })).Content.ReadFromJsonAsync<JsonElement>();
        var key = created.GetProperty("key").GetString()!;
        foreach (var (username, role) in new[] { ("viewer1", "viewer"), ("super1", "supervisor") })
        {
            Assert.Equal(HttpStatusCode.Created, (await SendAsync(node1, HttpMethod.Post, "/api/v1/users", admin,
                new { username, password = "person-password", name = username, role })).StatusCode);
        }
        var users = await (await SendAsync(node1, HttpMethod.Get, "/api/v1/users", admin)).Content.ReadFromJsonAsync<JsonElement>();
        string IdOf(string username) => users.GetProperty("items").EnumerateArray().Single(u => u.GetProperty("username").GetString() == username).GetProperty("id").GetString()!;

        // Node 2 knows the key, the viewer and the supervisor (and keeps them in its cache).
        var viewer = await SignInAsync(node2, "viewer1", "person-password");
        var supervisor = await SignInAsync(node2, "super1", "person-password");
        await one.ExplainingAsync(async () =>
        {
            Assert.Equal(HttpStatusCode.Accepted, (await SendAsync(node2, HttpMethod.Post, "/api/v1/events", body: Batch("across-1", "ax-1"), key: key)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(node2, HttpMethod.Get, "/api/v1/live/summary", viewer)).StatusCode);
            var pause = await SendAsync(node2, HttpMethod.Post, "/api/v1/sessions/across-1/interventions", supervisor, new { type = "pause", reason = "before" });
            Assert.True(pause.StatusCode == HttpStatusCode.Created, await pause.Content.ReadAsStringAsync());
            return true;
        });

        // Their hub connections on node 2: two dashboards and a producer's runtime connection.
        var (viewerHub, viewerClosed) = await ConnectAsync(two.Address, "hubs/live", viewer, c => c.InvokeAsync<JsonElement>(LiveHubMethods.Subscribe, new { }));
        await using var viewerLease = viewerHub;
        var (supervisorHub, supervisorClosed) = await ConnectAsync(two.Address, "hubs/live", supervisor, c => c.InvokeAsync<JsonElement>(LiveHubMethods.Subscribe, new { }));
        await using var supervisorLease = supervisorHub;
        var (runtimeHub, runtimeClosed) = await ConnectAsync(two.Address, "hubs/runtime", key, c => c.InvokeAsync<JsonElement>(RuntimeHubMethods.Publish, new[]
        {
            new { type = "session_started", id = "ax-rt", timestamp = DateTimeOffset.UtcNow, sessionId = "across-rt", channel = "web", agentId = "bot", user = new { id = "u", name = "Ann" } },
        }));
        await using var runtimeLease = runtimeHub;

        // Taken back on node 1.
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(node1, HttpMethod.Delete, $"/api/v1/apikeys/{created.GetProperty("id").GetString()}", admin)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(node1, HttpMethod.Delete, $"/api/v1/users/{IdOf("viewer1")}", admin)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(node1, HttpMethod.Put, $"/api/v1/users/{IdOf("super1")}", admin, new { role = "viewer" })).StatusCode);

        // Refused on node 2 within seconds.
        var keyRefused = await UntilAsync(HttpStatusCode.Unauthorized, "the revoked key",
            () => SendAsync(node2, HttpMethod.Post, "/api/v1/events", body: Batch("across-2", $"ax-{Guid.NewGuid():N}"), key: key));
        var viewerRefused = await UntilAsync(HttpStatusCode.Unauthorized, "the removed viewer's token",
            () => SendAsync(node2, HttpMethod.Get, "/api/v1/live/summary", viewer));
        var supervisorRefused = await UntilAsync(HttpStatusCode.Forbidden, "the demoted supervisor's intervention",
            () => SendAsync(node2, HttpMethod.Post, "/api/v1/sessions/across-1/interventions", supervisor, new { type = "resume", reason = "after" }));
        Assert.True(supervisorRefused < Within, $"{keyRefused}, {viewerRefused}, {supervisorRefused}");

        // And node 2 closed their hub connections, each saying why.
        Assert.Contains("person was removed", (await ClosedAsync(viewerClosed, "the removed viewer's dashboard"))?.Message);
        Assert.Contains("role or agent changed", (await ClosedAsync(supervisorClosed, "the demoted supervisor's dashboard"))?.Message);
        await ClosedAsync(runtimeClosed, "the revoked key's runtime connection");
    }
}
