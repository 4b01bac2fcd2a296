using System.Text;

namespace LiveOrleans.Bench;

/// <summary>
/// Conversation scripts, one event at a time: a session starts, the customer writes, the AI agent thinks and
/// replies, sometimes a human takes over, the conversation closes and ends. Each generator owns its sessions,
/// so batches from parallel senders never interleave within a session.
/// </summary>
public sealed class Workload(int generator, int seed)
{
    private static readonly string[] Channels = ["web", "whatsapp", "telegram", "phone", "email", "sms", "messenger", "instagram"];
    private static readonly string[] Teams = ["sales", "support", "billing"];
    private readonly Random _random = new(seed + generator);
    private readonly List<SessionScript> _open = [];
    private long _next;

    private sealed class SessionScript(string id, int length)
    {
        public string Id { get; } = id;
        public int Step { get; set; }
        public int Length { get; } = length;
    }

    /// <summary>A JSON body of <paramref name="count"/> events, stamped now.</summary>
    public byte[] NextBatch(int count, DateTimeOffset now)
    {
        var ts = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
        var json = new StringBuilder(count * 220);
        json.Append("{\"events\":[");
        for (var i = 0; i < count; i++)
        {
            if (i > 0) json.Append(',');
            AppendEvent(json, ts);
        }
        json.Append("]}");
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    private void AppendEvent(StringBuilder json, string ts)
    {
        if (_open.Count < 200 || _random.Next(10) == 0) _open.Add(new SessionScript($"g{generator}-s{_next++}", 6 + _random.Next(20)));
        var index = _random.Next(_open.Count);
        var session = _open[index];
        var id = $"g{generator}-e{_next++}";
        var step = session.Step++;
        json.Append("{\"id\":\"").Append(id).Append("\",\"timestamp\":\"").Append(ts).Append("\",\"sessionId\":\"").Append(session.Id).Append("\",");
        if (step == 0)
        {
            json.Append("\"type\":\"session_started\",\"channel\":\"").Append(Channels[_random.Next(Channels.Length)])
                .Append("\",\"agentId\":\"bot-").Append(_random.Next(20)).Append("\",\"user\":{\"id\":\"u").Append(_next).Append("\",\"name\":\"Customer ").Append(_next)
                .Append("\"},\"teamId\":\"").Append(Teams[_random.Next(Teams.Length)]).Append("\"}");
        }
        else if (step >= session.Length)
        {
            json.Append("\"type\":\"session_ended\",\"reason\":\"resolved\"}");
            _open.RemoveAt(index);
        }
        else
        {
            switch (step % 4)
            {
                case 1:
                    json.Append("\"type\":\"message_received\",\"message\":{\"id\":\"m").Append(id).Append("\",\"format\":\"text\",\"text\":\"Hi, I have a question about my order number ").Append(_next).Append("\"}}");
                    break;
                case 2:
                    json.Append("\"type\":\"agent_thinking\"}");
                    break;
                case 3:
                    json.Append("\"type\":\"message_sent\",\"sender\":{\"kind\":\"ai\"},\"message\":{\"id\":\"m").Append(id).Append("\",\"format\":\"text\",\"text\":\"Thanks for waiting. Your order is on its way and should arrive tomorrow.\"}}");
                    break;
                default:
                    json.Append(_random.Next(3) == 0
                        ? "\"type\":\"conversation_assigned\",\"ownerId\":\"agent-" + _random.Next(30) + "\"}"
                        : "\"type\":\"priority_changed\",\"priority\":\"high\"}");
                    break;
            }
        }
    }
}
