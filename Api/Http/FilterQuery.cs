using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;

namespace LiveOrleans.Api.Http;

/// <summary>
/// The live filter as query parameters (<c>[AsParameters]</c>): lists are comma-separated. The names, descriptions and
/// bounds here are what the OpenAPI document lists and what <see cref="QueryContract"/> lets through.
/// </summary>
public sealed record FilterQuery(
    [FromQuery(Name = "teams")][property: Description("Team ids, comma-separated: conversations of any of these teams.")] QueryList? Teams,
    [FromQuery(Name = "owners")][property: Description("Contact owner ids, comma-separated.")] QueryList? Owners,
    [FromQuery(Name = "channels")][property: Description("Channel slugs, comma-separated (lower-case, such as web or whatsapp).")] QueryList? Channels,
    [FromQuery(Name = "agents")][property: Description("Agent ids, comma-separated: conversations run by any of these agents.")] QueryList? Agents,
    [FromQuery(Name = "priorities")][property: Description("Priorities, comma-separated: low, normal, high, urgent.")] QueryList? Priorities,
    [FromQuery(Name = "statuses")][property: Description("Live states, comma-separated: active, thinking, streaming, paused, error, ended.")] QueryList? Statuses,
    [FromQuery(Name = "q")][property: Description("A keyword searched in the customer's name, the preview and recent message texts."), MaxLength(Limits.MaxKeywordLength)] string? Q,
    [FromQuery(Name = "minDurationSec")][property: Description("Conversations running at least this many seconds."), Range(0, int.MaxValue)] QueryNumber? MinDurationSec,
    [FromQuery(Name = "maxDurationSec")][property: Description("Conversations running at most this many seconds."), Range(0, int.MaxValue)] QueryNumber? MaxDurationSec)
{
    /// <summary>The filter, validated as the hub's and saved views' are (<see cref="FilterBinding.Validate"/>), naming each bad parameter.</summary>
    public LiveFilter Read(ValidationErrors errors)
    {
        var filter = new LiveFilter
        {
            Teams = Teams?.Values(),
            Owners = Owners?.Values(),
            Agents = Agents?.Values(),
            Channels = Channels?.Values(),
            Priorities = Priorities?.Enums<Priority>("priorities", errors),
            Statuses = Statuses?.Enums<LiveState>("statuses", errors),
            Q = Q is { Length: > 0 } ? Q : null,
            MinDurationSec = MinDurationSec?.Read("minDurationSec", errors, 0, int.MaxValue),
            MaxDurationSec = MaxDurationSec?.Read("maxDurationSec", errors, 0, int.MaxValue),
        };
        FilterBinding.Validate(filter, null, errors);
        return filter;
    }
}
