using LiveOrleans.Api.Identity;

namespace LiveOrleans.Api.Http;

/// <summary>
/// The contract's shape of a session detail (<c>GET /api/v1/sessions/{id}</c>): the card's fields at the top level,
/// in the card's order, then the transcript page and the newest page of interventions, each intervention with the
/// name of the person who made it. A record rather than a built JSON object so that the OpenAPI document describes
/// its fields; a test holds the first fields equal to <see cref="SessionCard"/>'s.
/// </summary>
public sealed record SessionDetailResponse(
    string SessionId,
    string? AgentId,
    string? AgentName,
    string? AgentColor,
    string? Channel,
    UserView User,
    DateTimeOffset StartedAt,
    DateTimeOffset LastActivityAt,
    LiveState State,
    Priority Priority,
    string Preview,
    string? OwnerId,
    string? TeamId,
    ConversationStatus Status,
    bool WaitingForFirstResponse,
    DateTimeOffset? EndedAt,
    string? EndReason,
    SessionHolder? HeldBy,
    StreamState StreamState,
    IReadOnlyList<MessageView> Messages,
    int TotalMessages,
    string? NextCursor,
    IReadOnlyList<InterventionEntry> Interventions,
    int TotalInterventions,
    string? OlderInterventionsCursor)
{
    public static async Task<SessionDetailResponse> FromAsync(SessionDetail detail, PersonNames names)
    {
        var c = detail.Card;
        var interventions = await InterventionEntry.FromAsync(detail.Interventions, names);
        return new(c.SessionId, c.AgentId, c.AgentName, c.AgentColor, c.Channel, c.User, c.StartedAt, c.LastActivityAt, c.State, c.Priority,
            c.Preview, c.OwnerId, c.TeamId, c.Status, c.WaitingForFirstResponse, c.EndedAt, c.EndReason, c.HeldBy,
            detail.StreamState, detail.Messages, detail.TotalMessages, detail.NextCursor,
            interventions, detail.TotalInterventions, detail.OlderInterventionsCursor);
    }
}
