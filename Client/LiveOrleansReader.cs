using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LiveOrleans.Queries;

namespace LiveOrleans.Client;

/// <summary>A person's saved view: a named filter.</summary>
public sealed record SavedView(string Id, string Name, LiveFilter Filter);

/// <summary>
/// The read side and the interventions for services and .NET dashboards, as a signed-in person (a bearer token from
/// <see cref="SignInAsync"/>): the live queries, a session's detail, the activity log, interventions and their audit
/// entries, saved views. Refusals throw <see cref="LiveOrleansException"/> (400: <see cref="LiveOrleansValidationException"/>).
/// </summary>
public sealed class LiveOrleansReader(HttpClient http)
{
    private string? _token;

    /// <summary>The person's access token (set by <see cref="SignInAsync"/>, or given).</summary>
    public string? AccessToken { get => _token; set => _token = value; }

    /// <summary>Signs a person in; later calls carry the token.</summary>
    public async Task SignInAsync(string tenant, string username, string password, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync("api/v1/auth/token", new { tenant, username, password }, LiveJson.Options, cancellationToken);
        _token = (await ReadAsync<JsonElement>(response, cancellationToken)).GetProperty("accessToken").GetString();
    }

    /// <summary>Today's summary (filters: teams, owners, channels).</summary>
    public Task<SummaryView> SummaryAsync(LiveFilter? filter = null, CancellationToken cancellationToken = default) => GetAsync<SummaryView>("api/v1/live/summary" + Query(filter), cancellationToken);

    /// <summary>Conversations initiated per local hour of today.</summary>
    public Task<HourlyView> HourlyAsync(LiveFilter? filter = null, CancellationToken cancellationToken = default) => GetAsync<HourlyView>("api/v1/live/hourly" + Query(filter), cancellationToken);

    /// <summary>The agents panel.</summary>
    public Task<AgentsView> AgentsAsync(LiveFilter? filter = null, CancellationToken cancellationToken = default) => GetAsync<AgentsView>("api/v1/live/agents" + Query(filter), cancellationToken);

    /// <summary>The metrics bar (last 60 minutes).</summary>
    public Task<MetricsView> MetricsAsync(LiveFilter? filter = null, CancellationToken cancellationToken = default) => GetAsync<MetricsView>("api/v1/live/metrics" + Query(filter), cancellationToken);

    /// <summary>A page of live session cards, most recent activity first; <paramref name="cursor"/> is the previous page's <c>NextCursor</c>.</summary>
    public Task<SessionsPage> SessionsAsync(LiveFilter? filter = null, int limit = 50, string? cursor = null, CancellationToken cancellationToken = default)
        => GetAsync<SessionsPage>("api/v1/live/sessions" + Query(filter, ("limit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("cursor", cursor)), cancellationToken);

    /// <summary>
    /// A session's card fields, the first page of its transcript and the newest 20 of its interventions
    /// (<c>totalInterventions</c>, <c>olderInterventionsCursor</c>; <see cref="InterventionsAsync"/> lists them all), as JSON
    /// (null when it does not exist or is not visible).
    /// </summary>
    public async Task<JsonElement?> SessionAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Get, $"api/v1/sessions/{Uri.EscapeDataString(sessionId)}", null, cancellationToken);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadAsync<JsonElement>(response, cancellationToken);
    }

    /// <summary>The activity log, newest first.</summary>
    public Task<ActivityPage> ActivityAsync(int limit = 50, string? before = null, CancellationToken cancellationToken = default)
        => GetAsync<ActivityPage>("api/v1/activity" + Query(null, ("limit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("before", before)), cancellationToken);

    /// <summary>
    /// Intervenes in a session (admin, supervisor) with its <paramref name="type"/> (pause, resume, system_message,
    /// override, transfer, reassign, silent_monitor), a reason for the audit log, the content of a system message or
    /// an override, the target of a transfer (<c>new { agentId }</c>) or reassignment; answers the audit entry.
    /// </summary>
    public async Task<InterventionView> InterveneAsync(string sessionId, string type, string reason, string? content = null, object? target = null, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"api/v1/sessions/{Uri.EscapeDataString(sessionId)}/interventions", new { type, reason, content, target }, cancellationToken);
        return await ReadAsync<InterventionView>(response, cancellationToken);
    }

    /// <summary>Audit entries of interventions, oldest first.</summary>
    public async Task<IReadOnlyList<InterventionView>> InterventionsAsync(string? sessionId = null, CancellationToken cancellationToken = default)
        => (await GetAsync<JsonElement>("api/v1/interventions" + Query(null, ("sessionId", sessionId)), cancellationToken)).GetProperty("items").Deserialize<InterventionView[]>(LiveJson.Options)!;

    /// <summary>The person's saved views.</summary>
    public async Task<IReadOnlyList<SavedView>> ViewsAsync(CancellationToken cancellationToken = default)
        => await GetAsync<SavedView[]>("api/v1/views", cancellationToken);

    /// <summary>Saves a filter under a name (unique per person).</summary>
    public async Task<SavedView> SaveViewAsync(string name, LiveFilter filter, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, "api/v1/views", new { name, filter }, cancellationToken);
        return await ReadAsync<SavedView>(response, cancellationToken);
    }

    /// <summary>Deletes a saved view; false when there was none.</summary>
    public async Task<bool> DeleteViewAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"api/v1/views/{Uri.EscapeDataString(id)}", null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        await ReadAsync<JsonElement?>(response, cancellationToken);
        return true;
    }

    private async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, path, null, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(method, path);
        if (_token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        if (body is not null) request.Content = JsonContent.Create(body, options: LiveJson.Options);
        return http.SendAsync(request, cancellationToken);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode) throw await LiveOrleansProducer.ErrorAsync(response, 0, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NoContent) return default!;
        return (await response.Content.ReadFromJsonAsync<T>(LiveJson.Options, cancellationToken))!;
    }

    /// <summary>The filter as the query parameters of the live endpoints, with extra parameters.</summary>
    private static string Query(LiveFilter? filter, params (string Name, string? Value)[] extra)
    {
        var parts = new List<string>();
        void List(string name, IEnumerable<string>? values)
        {
            if (values?.Any() == true) parts.Add($"{name}={Uri.EscapeDataString(string.Join(',', values))}");
        }
        if (filter is not null)
        {
            List("teams", filter.Teams);
            List("owners", filter.Owners);
            List("channels", filter.Channels);
            List("agents", filter.Agents);
            List("priorities", filter.Priorities?.Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.ToString())));
            List("statuses", filter.Statuses?.Select(s => JsonNamingPolicy.SnakeCaseLower.ConvertName(s.ToString())));
            if (!string.IsNullOrEmpty(filter.Q)) parts.Add($"q={Uri.EscapeDataString(filter.Q)}");
            if (filter.MinDurationSec is { } min) parts.Add($"minDurationSec={min}");
            if (filter.MaxDurationSec is { } max) parts.Add($"maxDurationSec={max}");
        }
        foreach (var (name, value) in extra)
        {
            if (!string.IsNullOrEmpty(value)) parts.Add($"{name}={Uri.EscapeDataString(value)}");
        }
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }
}
