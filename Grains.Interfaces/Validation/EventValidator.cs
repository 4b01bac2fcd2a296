using System.Globalization;
using System.Text;
using System.Text.Json;
using LiveOrleans.Events;

namespace LiveOrleans.Validation;

/// <summary>
/// Turns an ingest batch (<c>{"events": [...]}</c>) into typed events, or names every bad field
/// (<c>events[3].sessionId</c>). A batch with any error yields no events: nothing of it may be stored.
/// </summary>
public static class EventValidator
{
    public static readonly IReadOnlyList<string> EventTypes =
    [
        "session_started", "message_received", "message_sent", "agent_thinking", "message_delta", "session_ended",
        "error_occurred", "conversation_assigned", "conversation_status_changed", "priority_changed", "agent_status_changed",
    ];

    /// <summary>Validates a whole request body.</summary>
    public static IReadOnlyList<LiveEvent> ValidateBatch(JsonElement body, DateTimeOffset now, ValidationErrors errors)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("events", out var events))
        {
            errors.Add("events", "The body must be an object with an \"events\" array.");
            return [];
        }
        return ValidateEvents(events, "events", now, errors);
    }

    /// <summary>Validates an array of events; <paramref name="path"/> prefixes every field name.</summary>
    public static IReadOnlyList<LiveEvent> ValidateEvents(JsonElement events, string path, DateTimeOffset now, ValidationErrors errors)
    {
        if (events.ValueKind != JsonValueKind.Array)
        {
            errors.Add(path, "Must be an array of events.");
            return [];
        }
        var count = events.GetArrayLength();
        if (count == 0)
        {
            errors.Add(path, "Send at least one event.");
            return [];
        }
        if (count > Limits.MaxEventsPerBatch)
        {
            errors.Add(path, $"At most {Limits.MaxEventsPerBatch} events per batch; this one has {count}.");
            return [];
        }
        var result = new List<LiveEvent>(count);
        var firstOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var i = 0;
        foreach (var element in events.EnumerateArray())
        {
            var parsed = ValidateEvent(new Reader(element, $"{path}[{i}]", errors), now);
            if (parsed is not null)
            {
                if (firstOf.TryGetValue(parsed.Id, out var first))
                    errors.Add($"{path}[{i}].id", $"\"{parsed.Id}\" is also the id of {path}[{first}]: each event of a batch needs its own id.");
                else firstOf[parsed.Id] = i;
                result.Add(parsed);
            }
            i++;
        }
        return errors.IsEmpty ? result : [];
    }

    private static LiveEvent? ValidateEvent(Reader r, DateTimeOffset now)
    {
        if (!r.IsObject) return null;
        var before = r.Errors.Count;
        var id = r.Id("id", required: true);
        var type = r.String("type", required: true, maxLength: 64);
        var timestamp = r.Timestamp("timestamp", now);
        if (type is not null && !EventTypes.Contains(type))
        {
            r.Error("type", $"Unknown event type \"{type}\"; expected one of: {string.Join(", ", EventTypes)}.");
            return null;
        }
        var sessionId = type == "agent_status_changed" ? null : r.Id("sessionId", required: true);
        LiveEvent? evt = type switch
        {
            "session_started" => new SessionStarted
            {
                Id = id!, Timestamp = timestamp, SessionId = sessionId,
                Channel = r.Channel("channel") ?? "",
                AgentId = r.Id("agentId", required: true) ?? "",
                User = r.User("user") ?? new UserRef("", null),
                Priority = r.Enum<Priority>("priority", required: false),
                TeamId = r.Id("teamId", required: false),
                OwnerId = r.Id("ownerId", required: false),
                Metadata = r.Metadata("metadata"),
            },
            "message_received" => new MessageReceived
            {
                Id = id!, Timestamp = timestamp, SessionId = sessionId, Message = r.Message("message")!,
            },
            "message_sent" => new MessageSent
            {
                Id = id!, Timestamp = timestamp, SessionId = sessionId,
                Message = r.Message("message")!,
                Sender = r.Sender("sender")!,
                Broadcast = r.Bool("broadcast") ?? false,
                InternalNote = r.Bool("internalNote") ?? false,
                Delivery = r.Enum<Delivery>("delivery", required: false) ?? Delivery.Sent,
                OverrideOf = r.Id("overrideOf", required: false),
            },
            "agent_thinking" => new AgentThinking { Id = id!, Timestamp = timestamp, SessionId = sessionId },
            "message_delta" => new MessageDelta
            {
                Id = id!, Timestamp = timestamp, SessionId = sessionId,
                MessageId = r.Id("messageId", required: true) ?? "",
                Delta = r.String("delta", required: true, maxLength: Limits.MaxDeltaLength, allowEmpty: true) ?? "",
                Index = r.Int("index", required: true, min: 0) ?? 0,
            },
            "session_ended" => new SessionEnded
            {
                Id = id!, Timestamp = timestamp, SessionId = sessionId,
                Reason = r.String("reason", required: false, maxLength: Limits.MaxReasonLength),
            },
            "error_occurred" => new ErrorOccurred
            {
                Id = id!, Timestamp = timestamp, SessionId = sessionId, Error = r.Error("error")!,
            },
            "conversation_assigned" => r.Assignment(id!, timestamp, sessionId),
            "conversation_status_changed" => new ConversationStatusChanged
            {
                Id = id!, Timestamp = timestamp, SessionId = sessionId,
                Status = r.Enum<ConversationStatus>("status", required: true) ?? ConversationStatus.Open,
            },
            "priority_changed" => new PriorityChanged
            {
                Id = id!, Timestamp = timestamp, SessionId = sessionId,
                Priority = r.Enum<Priority>("priority", required: true) ?? Priority.Normal,
            },
            "agent_status_changed" => new AgentStatusChanged
            {
                Id = id!, Timestamp = timestamp,
                AgentId = r.Id("agentId", required: true) ?? "",
                Status = r.Enum<AgentStatus>("status", required: true) ?? AgentStatus.Offline,
                Name = r.Name("name", required: false),
                Kind = r.Enum<AgentKind>("kind", required: false),
                Teams = r.IdList("teams", Limits.MaxTeamsPerAgent),
            },
            _ => null,
        };
        return r.Errors.Count == before ? evt : null;
    }

    /// <summary>Reads the fields of one JSON object, adding an error per bad field.</summary>
    private readonly struct Reader(JsonElement element, string path, ValidationErrors errors)
    {
        public ValidationErrors Errors => errors;

        public bool IsObject
        {
            get
            {
                if (element.ValueKind == JsonValueKind.Object) return true;
                errors.Add(path, "Must be a JSON object.");
                return false;
            }
        }

        public void Error(string field, string message) => errors.Add($"{path}.{field}", message);

        private bool TryGet(string name, bool required, out JsonElement value)
        {
            if (element.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null) return true;
            if (required) Error(name, "Required.");
            return false;
        }

        private Reader Child(string name, JsonElement value) => new(value, $"{path}.{name}", errors);

        public string? String(string name, bool required, int maxLength, bool allowEmpty = false)
        {
            if (!TryGet(name, required, out var v)) return null;
            if (v.ValueKind != JsonValueKind.String) { Error(name, "Must be a string."); return null; }
            if (!TryText(v, out var s)) { Error(name, InvalidText); return null; }
            if (s.Contains('\0')) { Error(name, "Must not contain NUL characters."); return null; }
            if (!allowEmpty && s.Length == 0) { Error(name, "Must not be empty."); return null; }
            if (s.Length > maxLength) { Error(name, $"At most {maxLength} characters."); return null; }
            return s;
        }

        /// <summary>A name shown to people: at most <see cref="Limits.MaxNameLength"/> characters, none that <see cref="Limits.NameProblem"/> refuses.</summary>
        public string? Name(string name, bool required)
        {
            var s = String(name, required, Limits.MaxNameLength);
            if (s is null) return null;
            if (Limits.NameProblem(s) is { } problem) { Error(name, problem); return null; }
            return s;
        }

        /// <summary>A link a browser may open: an absolute http or https URL with a host, nothing else (no javascript:, data:, //host).</summary>
        public string? Url(string name)
        {
            var s = String(name, required: true, Limits.MaxUrlLength);
            if (s is null) return null;
            if (!Limits.IsWebUrl(s))
            {
                Error(name, "Must be an absolute http:// or https:// URL with a host (no other scheme, no relative or protocol-relative URL).");
                return null;
            }
            return s;
        }

        public string? Id(string name, bool required)
        {
            var s = String(name, required, Limits.MaxIdLength + 1);
            if (s is null) return null;
            if (!Limits.IsId(s))
            {
                Error(name, $"Must be 1 to {Limits.MaxIdLength} characters of A-Z, a-z, 0-9, '_', '.', ':' or '-'.");
                return null;
            }
            return s;
        }

        public string? Channel(string name)
        {
            var s = String(name, required: true, maxLength: 64);
            if (s is null) return null;
            if (!Limits.ChannelPattern().IsMatch(s))
            {
                Error(name, "Must be a lower-case channel slug such as web, phone, sip, telegram, whatsapp, mobile_sdk, messenger, instagram, email, sms, line or viber.");
                return null;
            }
            return s;
        }

        public bool? Bool(string name)
        {
            if (!TryGet(name, false, out var v)) return null;
            if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
            Error(name, "Must be true or false.");
            return null;
        }

        public int? Int(string name, bool required, int min)
        {
            if (!TryGet(name, required, out var v)) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= min) return n;
            Error(name, $"Must be a whole number of at least {min}.");
            return null;
        }

        public double? Number(string name, double min, double max)
        {
            if (!TryGet(name, false, out var v)) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var n) && n >= min && n <= max) return n;
            Error(name, $"Must be a number from {min} to {max}.");
            return null;
        }

        public long? Long(string name, long min)
        {
            if (!TryGet(name, false, out var v)) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) && n >= min) return n;
            Error(name, $"Must be a whole number of at least {min}.");
            return null;
        }

        public T? Enum<T>(string name, bool required) where T : struct, System.Enum
        {
            if (!TryGet(name, required, out var v)) return null;
            if (v.ValueKind == JsonValueKind.String && TryText(v, out var text) && EnumNames<T>.TryParse(text, out var value)) return value;
            Error(name, $"Must be one of: {string.Join(", ", EnumNames<T>.Names)}.");
            return null;
        }

        public DateTimeOffset Timestamp(string name, DateTimeOffset now)
        {
            var s = String(name, required: true, maxLength: 64);
            if (s is null) return default;
            if (!TryParseTimestamp(s, out var ts))
            {
                Error(name, "Must be an ISO 8601 timestamp with a time zone, e.g. 2026-11-22T10:15:00Z.");
                return default;
            }
            if (ts < Limits.MinTimestamp)
            {
                Error(name, $"Is before {Limits.MinTimestamp:yyyy-MM-dd}: the engine keeps live conversations, not history from then.");
                return default;
            }
            // Normalised to UTC milliseconds, the precision of the log, so the event applied live and the one replayed are equal.
            ts = new DateTimeOffset(ts.UtcTicks - ts.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
            if (ts > now + Limits.MaxFutureSkew)
            {
                Error(name, $"Is more than 5 minutes in the future (server time {now.UtcDateTime:O}); check the producer's clock.");
            }
            return ts;
        }

        public UserRef? User(string name)
        {
            if (!TryGet(name, true, out var v)) return null;
            var c = Child(name, v);
            if (!c.IsObject) return null;
            var id = c.String("id", required: true, maxLength: Limits.MaxIdLength);
            var userName = c.Name("name", required: false);
            return id is null ? null : new UserRef(id, userName);
        }

        public IReadOnlyDictionary<string, string>? Metadata(string name)
        {
            if (!TryGet(name, false, out var v)) return null;
            if (v.ValueKind != JsonValueKind.Object) { Error(name, "Must be an object of string values."); return null; }
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in v.EnumerateObject())
            {
                string key;
                try { key = p.Name; } catch (InvalidOperationException) { Error(name, "A key " + InvalidText[0..1].ToLowerInvariant() + InvalidText[1..]); continue; }
                if (key.Length is 0 or > Limits.MaxIdLength || key.Contains('\0')) { Error(name, $"Keys must be 1 to {Limits.MaxIdLength} characters, without NUL."); continue; }
                if (p.Value.ValueKind != JsonValueKind.String) { Error($"{name}.{key}", "Must be a string."); continue; }
                if (!TryText(p.Value, out var s) || s.Contains('\0')) { Error($"{name}.{key}", InvalidText); continue; }
                if (s.Length > Limits.MaxMetadataValueLength) { Error($"{name}.{p.Name}", $"At most {Limits.MaxMetadataValueLength} characters."); continue; }
                map[key] = s;
            }
            if (map.Count > Limits.MaxMetadataEntries) Error(name, $"At most {Limits.MaxMetadataEntries} entries.");
            return map;
        }

        public IReadOnlyList<string>? IdList(string name, int max)
        {
            if (!TryGet(name, false, out var v)) return null;
            if (v.ValueKind != JsonValueKind.Array) { Error(name, "Must be an array of ids."); return null; }
            var list = new List<string>();
            var i = 0;
            foreach (var item in v.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || !TryText(item, out var itemId) || !Limits.IsId(itemId))
                    Error($"{name}[{i}]", "Must be an id of A-Z, a-z, 0-9, '_', '.', ':' or '-'.");
                else if (!list.Contains(itemId)) list.Add(itemId);
                i++;
            }
            if (list.Count > max) Error(name, $"At most {max} entries.");
            return list;
        }

        public MessageContent? Message(string name)
        {
            if (!TryGet(name, true, out var v)) return null;
            var c = Child(name, v);
            if (!c.IsObject) return null;
            var before = errors.Count;
            var id = c.Id("id", required: true);
            var format = c.Enum<MessageFormat>("format", required: true);
            var text = c.String("text", required: false, maxLength: Limits.MaxMessageTextBytes, allowEmpty: true);
            if (text is not null && Encoding.UTF8.GetByteCount(text) > Limits.MaxMessageTextBytes)
                c.Error("text", "At most 32 KiB of UTF-8 text.");
            if (format is MessageFormat.Text or MessageFormat.Voice && string.IsNullOrEmpty(text))
                c.Error("text", $"Required for format {EnumNames<MessageFormat>.Name(format.Value)}.");
            var attachments = c.Attachments("attachments");
            if (format == MessageFormat.Media && attachments is not { Count: > 0 } && text is null)
                c.Error("attachments", "A media message needs at least one attachment.");
            var speaker = c.Name("speaker", required: false);
            var confidence = c.Number("confidence", 0, 1);
            return errors.Count == before ? new MessageContent(id!, format!.Value, text, attachments, speaker, confidence) : null;
        }

        private IReadOnlyList<Attachment>? Attachments(string name)
        {
            if (!TryGet(name, false, out var v)) return null;
            if (v.ValueKind != JsonValueKind.Array) { Error(name, "Must be an array."); return null; }
            if (v.GetArrayLength() > Limits.MaxAttachments) { Error(name, $"At most {Limits.MaxAttachments} attachments."); return null; }
            var list = new List<Attachment>();
            var i = 0;
            foreach (var item in v.EnumerateArray())
            {
                var a = new Reader(item, $"{path}.{name}[{i++}]", errors);
                if (!a.IsObject) continue;
                var type = a.Enum<AttachmentType>("type", required: true);
                var url = a.Url("url");
                var fileName = a.Name("name", required: false);
                var mime = a.String("mimeType", required: false, maxLength: 255);
                var size = a.Long("sizeBytes", 0);
                if (type is not null && url is not null) list.Add(new Attachment(type.Value, url, fileName, mime, size));
            }
            return list;
        }

        public Sender? Sender(string name)
        {
            if (!TryGet(name, true, out var v)) return null;
            var c = Child(name, v);
            if (!c.IsObject) return null;
            var kind = c.Enum<SenderKind>("kind", required: true);
            var id = c.Id("id", required: false);
            return kind is null ? null : new Sender(kind.Value, id);
        }

        public ErrorInfo? Error(string name)
        {
            if (!TryGet(name, true, out var v)) return null;
            var c = Child(name, v);
            if (!c.IsObject) return null;
            var code = c.String("code", required: true, maxLength: Limits.MaxIdLength);
            var message = c.String("message", required: true, maxLength: Limits.MaxReasonLength);
            return code is null || message is null ? null : new ErrorInfo(code, message);
        }

        public ConversationAssigned? Assignment(string id, DateTimeOffset timestamp, string? sessionId)
        {
            if (!element.TryGetProperty("ownerId", out _)) Error("ownerId", "Required (null removes the contact owner).");
            var owner = Id("ownerId", required: false);
            var changesTeam = element.TryGetProperty("teamId", out _);
            var team = Id("teamId", required: false);
            return new ConversationAssigned
            {
                Id = id, Timestamp = timestamp, SessionId = sessionId, OwnerId = owner, ChangesTeam = changesTeam, TeamId = team,
            };
        }
    }

    /// <summary>Parses an ISO 8601 timestamp that carries an offset or Z; a local time without one is ambiguous.</summary>
    /// <summary>
    /// ISO 8601 with a date, a time and a zone (<c>2026-11-22T10:15:00Z</c>, <c>…00.123+01:00</c>), nothing else: no
    /// space for the <c>T</c>, no date alone, no RFC 1123, no surrounding spaces.
    /// </summary>
    public static bool TryParseTimestamp(string s, out DateTimeOffset value)
    {
        value = default;
        return Limits.TimestampPattern().IsMatch(s)
            && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out value);
    }

    private const string InvalidText = "Is not valid Unicode text (a lone surrogate escape or invalid UTF-8).";

    /// <summary>A JSON string's value, or false when it holds a lone surrogate or invalid UTF-8 (GetString throws then).</summary>
    public static bool TryText(JsonElement value, out string text)
    {
        try
        {
            text = value.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = "";
            return false;
        }
    }
}

/// <summary>snake_case names of an enum's values, as they travel in JSON.</summary>
public static class EnumNames<T> where T : struct, Enum
{
    private static readonly Dictionary<string, T> ByName = System.Enum.GetValues<T>()
        .ToDictionary(v => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()), v => v, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Names => ByName.Keys;

    public static bool TryParse(string name, out T value) => ByName.TryGetValue(name, out value);

    public static string Name(T value) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
