using LiveOrleans.Client;

namespace LiveOrleans.Api.Tests.Sdk;

/// <summary>Each kind of control command reaches its typed callback with its fields.</summary>
[Trait("Category", "unit")]
public sealed class ControlHandlersTests
{
    private static LiveOrleans.Client.ControlCommand Command(string type, string? content = null, string? target = null)
        => new("int_1", "s1", "bot", type, content, target is null ? null : JsonDocument.Parse(target).RootElement.Clone());

    [Fact]
    public async Task Every_kind_goes_to_its_callback_and_an_unknown_one_to_Other()
    {
        var calls = new List<string>();
        var handlers = new ControlHandlers
        {
            Pause = (s, _) => { calls.Add($"pause {s}"); return Task.CompletedTask; },
            Resume = (s, _) => { calls.Add($"resume {s}"); return Task.CompletedTask; },
            SystemMessage = (s, text, _) => { calls.Add($"system {s} {text}"); return Task.CompletedTask; },
            Override = (s, text, _) => { calls.Add($"override {s} {text}"); return Task.CompletedTask; },
            Transfer = (s, agent, queue, _) => { calls.Add($"transfer {s} {agent ?? "-"} {queue ?? "-"}"); return Task.CompletedTask; },
            Reassign = (s, owner, team, _) => { calls.Add($"reassign {s} {owner ?? "-"} {team ?? "-"}"); return Task.CompletedTask; },
            Guide = (s, note, _) => { calls.Add($"guide {s} {note}"); return Task.CompletedTask; },
            Other = (c, _) => { calls.Add($"other {c.Type}"); return Task.CompletedTask; },
        };

        foreach (var command in new[]
        {
            Command("pause"), Command("resume"), Command("system_message", "Back soon"), Command("override", "Corrected"),
            Command("transfer", target: "{\"agentId\":\"alice\"}"), Command("transfer", target: "{\"queue\":\"billing\"}"),
            Command("reassign", target: "{\"ownerId\":\"bob\",\"teamId\":null}"), Command("guide", "Offer the discount"), Command("co_browse"),
        })
        {
            await handlers.Handle(command, CancellationToken.None);
        }

        Assert.Equal(
            ["pause s1", "resume s1", "system s1 Back soon", "override s1 Corrected", "transfer s1 alice -", "transfer s1 - billing", "reassign s1 bob -", "guide s1 Offer the discount", "other co_browse"],
            calls);
    }
}
