using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using LiveOrleans.Live;
using Microsoft.AspNetCore.SignalR.Client;

namespace LiveOrleans.Api.Tests.Sdk;

/// <summary>
/// One engine process whose access tokens live 10 s (<c>Auth:TokenLifetime</c>), one dashboard per person
/// (<c>Push:MaxConnectionsPerUser</c>), logging at information level so what it logs can be read.
/// </summary>
public sealed class ShortTokenEngine : IAsyncLifetime
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromSeconds(10);
    private readonly string _directory = Directory.CreateTempSubdirectory("lo-hubaccess-").FullName;

    public EngineProcess Engine { get; private set; } = null!;

    public async Task InitializeAsync() => Engine = await EngineProcess.StartAsync(_directory, new Dictionary<string, string>
    {
        ["Auth__TokenLifetime"] = TokenLifetime.ToString(),
        ["Push__MaxConnectionsPerUser"] = "1",
        ["Logging__LogLevel__Default"] = "Information",
    });

    public async Task DisposeAsync()
    {
        await Engine.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        TestStore.DropFor(_directory);
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// Hub connections end when their access does: a dashboard's when its token expires, when its person is removed or
/// their role changes; a producer's when its API key is revoked. Through the .NET SignalR client against the real
/// engine process.
/// </summary>
[Trait("Category", "hubs")]
public sealed class HubAccessTests(ShortTokenEngine fixture) : IClassFixture<ShortTokenEngine>, IDisposable
{
    private EngineProcess Engine => fixture.Engine;
    private readonly HttpClient _http = new() { BaseAddress = fixture.Engine.Address };

    public void Dispose() => _http.Dispose();

    private async Task<string> SignInAsync(string username, string password)
    {
        var response = await _http.PostAsJsonAsync("/api/v1/auth/token", new { tenant = "crash", username, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await _http.SendAsync(request);
    }

    /// <summary>Creates a person of the bootstrap tenant; answers their id and a fresh token.</summary>
    private async Task<(string Id, string Token)> PersonAsync(string username, string role)
    {
        var admin = await SignInAsync("admin", "crash-password");
        var created = await SendAsync(HttpMethod.Post, "/api/v1/users", admin, new { username, password = "person-password", name = username, role });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        return (id, await SignInAsync(username, "person-password"));
    }

    /// <summary>A started, subscribed dashboard connection and what its close reports.</summary>
    private async Task<(HubConnection Connection, Task<Exception?> Closed)> DashboardAsync(string token)
    {
        var (connection, closed) = await ConnectedAsync(token);
        await connection.InvokeAsync<JsonElement>(LiveHubMethods.Subscribe, new { });
        return (connection, closed);
    }

    /// <summary>A started <c>/hubs/live</c> connection with the person's token, and the error it closes with.</summary>
    private async Task<(HubConnection Connection, Task<Exception?> Closed)> ConnectedAsync(string token)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(Engine.Address, "hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
        await connection.StartAsync();
        return (connection, closed.Task);
    }

    /// <summary>The engine's line that audits a change of access (AccessAudit), waited for as the console logger writes in the background.</summary>
    private async Task<string> AuditLineAsync(string pattern)
    {
        var audit = new System.Text.RegularExpressions.Regex(@"^\s*Access: tenant crash, admin \S+ " + pattern + "$");
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var line = Engine.Output.Split('\n').FirstOrDefault(audit.IsMatch);
            if (line is not null) return line;
            Assert.True(DateTime.UtcNow < deadline, $"no audit line matching '{audit}' in what the engine logged:\n"
                + string.Join("\n", Engine.Output.Split('\n').Where(l => l.Contains("Access:", StringComparison.Ordinal))));
            await Task.Delay(100);
        }
    }

    private static async Task<Exception?> ClosedWithinAsync(Task<Exception?> closed, TimeSpan within, string what)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            return await closed.WaitAsync(within);
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"{what}: the connection was still open after {started.Elapsed}.");
        }
    }

    [Fact]
    public async Task A_dashboard_connection_closes_when_its_token_expires()
    {
        var (_, token) = await PersonAsync("expiring", "viewer");
        var signedIn = System.Diagnostics.Stopwatch.StartNew();
        var (connection, closed) = await DashboardAsync(token);
        await using var _ = connection;
        Assert.Equal(HubConnectionState.Connected, connection.State);

        var error = await ClosedWithinAsync(closed, ShortTokenEngine.TokenLifetime + TimeSpan.FromSeconds(5), "an expired token's dashboard");

        Assert.True(signedIn.Elapsed >= ShortTokenEngine.TokenLifetime - TimeSpan.FromSeconds(2), $"closed after {signedIn.Elapsed}, before the token expired");
        Assert.Contains("access token expired", error?.Message);
        // And it cannot come back with that token.
        await Assert.ThrowsAnyAsync<Exception>(() => DashboardAsync(token));
    }

    [Fact]
    public async Task A_dashboard_connection_closes_within_seconds_when_its_person_is_removed()
    {
        var (id, token) = await PersonAsync("leaving", "viewer");
        var (connection, closed) = await DashboardAsync(token);
        await using var _ = connection;

        var admin = await SignInAsync("admin", "crash-password");
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/api/v1/users/{id}", admin)).StatusCode);
        var error = await ClosedWithinAsync(closed, TimeSpan.FromSeconds(4), "a removed person's dashboard");

        Assert.Contains("person was removed", error?.Message);
        // Audited: who removed whom, never a password.
        await AuditLineAsync(System.Text.RegularExpressions.Regex.Escape($"removed person {id} (leaving, role viewer)."));
        Assert.DoesNotContain("person-password", Engine.Output);
    }

    [Fact]
    public async Task A_dashboard_connection_closes_within_seconds_when_its_persons_role_changes()
    {
        var (id, token) = await PersonAsync("moving", "supervisor");
        var (connection, closed) = await DashboardAsync(token);
        await using var _ = connection;

        var admin = await SignInAsync("admin", "crash-password");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Put, $"/api/v1/users/{id}", admin, new { role = "agent", agentId = "agent-7" })).StatusCode);
        var error = await ClosedWithinAsync(closed, TimeSpan.FromSeconds(4), "a changed person's dashboard");

        Assert.Contains("role or agent changed", error?.Message);
        await AuditLineAsync(System.Text.RegularExpressions.Regex.Escape($"changed person {id} (moving): role supervisor -> agent, agent  -> agent-7, name changed False."));
    }

    [Fact]
    public async Task A_producers_runtime_connection_closes_within_seconds_when_its_key_is_revoked()
    {
        var admin = await SignInAsync("admin", "crash-password");
        var created = await (await SendAsync(HttpMethod.Post, "/api/v1/apikeys", admin, new { name = "runtime" })).Content.ReadFromJsonAsync<JsonElement>();
        var key = created.GetProperty("key").GetString()!;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(Engine.Address, "hubs/runtime"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(key))
            .Build();
        await using var _ = connection;
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += e => { closed.TrySetResult(e); return Task.CompletedTask; };
        await connection.StartAsync();
        var ok = await connection.InvokeAsync<JsonElement>(RuntimeHubMethods.Publish, new[]
        {
            new { type = "session_started", id = "rt-1", timestamp = DateTimeOffset.UtcNow, sessionId = "rt-s1", channel = "web", agentId = "bot", user = new { id = "u", name = "Ann" } },
        });
        Assert.Equal(1, ok.GetProperty("accepted").GetInt32());

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/api/v1/apikeys/{created.GetProperty("id").GetString()}", admin)).StatusCode);
        await ClosedWithinAsync(closed.Task, TimeSpan.FromSeconds(4), "a revoked key's runtime connection");
        Assert.NotEqual(HubConnectionState.Connected, connection.State);
        // Audited, by the key's id: the key itself is never logged.
        var keyId = created.GetProperty("id").GetString()!;
        await AuditLineAsync(System.Text.RegularExpressions.Regex.Escape($"created API key {keyId} (runtime)."));
        await AuditLineAsync(System.Text.RegularExpressions.Regex.Escape($"revoked API key {keyId}."));
        Assert.DoesNotContain(key, Engine.Output);
    }

    [Fact]
    public async Task A_connection_beyond_a_cap_is_refused_with_one_warning_line_and_no_stack_trace()
    {
        var (_, token) = await PersonAsync("capped", "viewer");
        var (first, _) = await DashboardAsync(token);
        await using var _ = first;

        // The handshake completes before the hub's OnConnectedAsync refuses the connection, so the refusal arrives as
        // the reason the connection closed, not as the answer to a call (a call made in between meets a closed connection).
        var (second, closed) = await ConnectedAsync(token);
        await using var __ = second;
        var refusal = await ClosedWithinAsync(closed, TimeSpan.FromSeconds(4), "a connection beyond the cap");
        Assert.NotNull(refusal);
        Assert.Contains("Push:MaxConnectionsPerUser", refusal.Message);

        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!Engine.Output.Contains("refused a connection", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(100);
        var lines = Engine.Output.Split('\n');
        var at = Array.FindIndex(lines, l => l.Contains("refused a connection", StringComparison.Ordinal));
        Assert.True(at > 0, "the refusal was not logged");
        Assert.StartsWith("warn:", lines[at - 1]);
        Assert.Contains("Push:MaxConnectionsPerUser", lines[at]);
        // Before: "fail: Microsoft.AspNetCore.SignalR.HubConnectionHandler[1] Error when dispatching 'OnConnectedAsync'" and the stack.
        Assert.DoesNotContain(lines, l => l.StartsWith("fail: Microsoft.AspNetCore.SignalR", StringComparison.Ordinal)
            || l.StartsWith("fail: LiveOrleans.Api.Live.HubErrorFilter", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("'OnConnectedAsync'", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("at LiveOrleans.Api.Live.LiveFanout.Connected", StringComparison.Ordinal));
    }
}
