using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace LiveOrleans;

/// <summary>
/// The hubs' MessagePack form (docs/hubs.md, Protocols): every payload is the document the JSON protocol sends, the
/// same camelCase names, snake_case enum values and ISO-8601 times as strings, transcoded to MessagePack maps, arrays,
/// strings and numbers; what a client sends is transcoded back to JSON before it is read. So both protocols carry one
/// document, and the hubs validate and answer once, whatever the protocol. Strings, numbers and booleans on their
/// own are written directly.
/// </summary>
public static class LiveMessagePack
{
    /// <summary>The deepest nesting read or written, as System.Text.Json's default.</summary>
    public const int MaxDepth = 64;

    private static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = MaxDepth };

    /// <summary>
    /// Serializer options for the MessagePack hub protocol: documents through <paramref name="json"/> (the JSON protocol's
    /// payload options, so the two agree), with <paramref name="formatters"/> first (a pre-serialised payload's).
    /// </summary>
    public static MessagePackSerializerOptions Options(JsonSerializerOptions json, params IMessagePackFormatter[] formatters)
        => MessagePackSerializerOptions.Standard
            .WithResolver(CompositeResolver.Create(formatters, [new JsonDocumentResolver(json)]))
            .WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>The MessagePack form of a JSON document (UTF-8).</summary>
    public static byte[] FromJson(ReadOnlySpan<byte> utf8Json)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(16, utf8Json.Length));
        var writer = new MessagePackWriter(buffer);
        WriteJson(utf8Json, ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Writes a JSON document (UTF-8) as MessagePack: objects as maps with the same keys, arrays, strings, whole numbers as
    /// integers and the others as 64-bit floats, booleans and null. Two passes: the first counts each container's entries
    /// (a MessagePack header carries its count).
    /// </summary>
    public static void WriteJson(ReadOnlySpan<byte> utf8Json, ref MessagePackWriter writer)
    {
        var counts = new List<int>();
        var open = new Stack<(int Index, bool IsObject)>();
        var reader = new Utf8JsonReader(utf8Json);
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    counts[open.Peek().Index]++;
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    open.Pop();
                    break;
                default:
                    if (open.TryPeek(out var parent) && !parent.IsObject) counts[parent.Index]++;
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        open.Push((counts.Count, reader.TokenType == JsonTokenType.StartObject));
                        counts.Add(0);
                    }
                    break;
            }
        }
        reader = new Utf8JsonReader(utf8Json);
        var next = 0;
        byte[]? rented = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        writer.WriteMapHeader(counts[next++]);
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteArrayHeader(counts[next++]);
                        break;
                    case JsonTokenType.PropertyName or JsonTokenType.String:
                        if (!reader.ValueIsEscaped)
                        {
                            writer.WriteString(reader.ValueSpan);
                        }
                        else
                        {
                            if (rented is null || rented.Length < reader.ValueSpan.Length)
                            {
                                if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
                                rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
                            }
                            writer.WriteString(rented.AsSpan(0, reader.CopyString(rented)));
                        }
                        break;
                    case JsonTokenType.Number:
                        if (reader.TryGetInt64(out var whole)) writer.Write(whole);
                        else if (reader.TryGetUInt64(out var large)) writer.Write(large);
                        else writer.Write(reader.GetDouble());
                        break;
                    case JsonTokenType.True:
                        writer.Write(true);
                        break;
                    case JsonTokenType.False:
                        writer.Write(false);
                        break;
                    case JsonTokenType.Null:
                        writer.WriteNil();
                        break;
                }
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Reads one MessagePack value as JSON, as a JavaScript client's <c>JSON.stringify</c> would have sent it: maps as
    /// objects (keys that are numbers or booleans become their text), binary as base64, a timestamp as its ISO-8601
    /// UTC text, a float that is not finite as null.
    /// </summary>
    public static byte[] ToJson(ref MessagePackReader reader)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, Writer)) ReadValue(ref reader, json, 0);
        return buffer.WrittenSpan.ToArray();
    }

    private static void ReadValue(ref MessagePackReader reader, Utf8JsonWriter json, int depth)
    {
        if (depth > MaxDepth) throw new MessagePackSerializationException($"The value is nested deeper than {MaxDepth} levels.");
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                json.WriteNullValue();
                break;
            case MessagePackType.Boolean:
                json.WriteBooleanValue(reader.ReadBoolean());
                break;
            case MessagePackType.Integer:
                if (reader.NextCode == MessagePackCode.UInt64) json.WriteNumberValue(reader.ReadUInt64());
                else json.WriteNumberValue(reader.ReadInt64());
                break;
            case MessagePackType.Float:
                var number = reader.ReadDouble();
                if (double.IsFinite(number)) json.WriteNumberValue(number);
                else json.WriteNullValue();
                break;
            case MessagePackType.String:
                json.WriteStringValue(ReadUtf8(ref reader));
                break;
            case MessagePackType.Binary:
                json.WriteBase64StringValue(reader.ReadBytes()!.Value.ToArray());
                break;
            case MessagePackType.Array:
                var items = reader.ReadArrayHeader();
                json.WriteStartArray();
                for (var i = 0; i < items; i++) ReadValue(ref reader, json, depth + 1);
                json.WriteEndArray();
                break;
            case MessagePackType.Map:
                var entries = reader.ReadMapHeader();
                json.WriteStartObject();
                for (var i = 0; i < entries; i++)
                {
                    if (reader.NextMessagePackType == MessagePackType.String) json.WritePropertyName(ReadUtf8(ref reader));
                    else json.WritePropertyName(ReadKeyText(ref reader));
                    ReadValue(ref reader, json, depth + 1);
                }
                json.WriteEndObject();
                break;
            case MessagePackType.Extension when reader.CreatePeekReader().ReadExtensionFormatHeader().TypeCode == ReservedMessagePackExtensionTypeCode.DateTime:
                json.WriteStringValue(reader.ReadDateTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                break;
            default:
                throw new MessagePackSerializationException($"A MessagePack {reader.NextMessagePackType} has no JSON form.");
        }
    }

    private static ReadOnlySpan<byte> ReadUtf8(ref MessagePackReader reader)
        => reader.TryReadStringSpan(out var span) ? span : reader.ReadStringSequence() is { } sequence ? sequence.ToArray() : [];

    private static string ReadKeyText(ref MessagePackReader reader) => reader.NextMessagePackType switch
    {
        MessagePackType.Integer when reader.NextCode == MessagePackCode.UInt64 => reader.ReadUInt64().ToString(CultureInfo.InvariantCulture),
        MessagePackType.Integer => reader.ReadInt64().ToString(CultureInfo.InvariantCulture),
        MessagePackType.Float => reader.ReadDouble().ToString("R", CultureInfo.InvariantCulture),
        MessagePackType.Boolean => reader.ReadBoolean() ? "true" : "false",
        MessagePackType.Nil when reader.TryReadNil() => "null",
        var other => throw new MessagePackSerializationException($"A map key must be a string or a number, not a MessagePack {other}."),
    };

    /// <summary>Strings, numbers and booleans as MessagePack has them; everything else as its JSON document.</summary>
    private sealed class JsonDocumentResolver(JsonSerializerOptions json) : IFormatterResolver
    {
        private readonly ConcurrentDictionary<Type, object> _formatters = new();

        public IMessagePackFormatter<T>? GetFormatter<T>()
            => (IMessagePackFormatter<T>)_formatters.GetOrAdd(typeof(T), static (type, json) => IsScalar(type)
                ? BuiltinResolver.Instance.GetFormatter<T>()!
                : new JsonDocumentFormatter<T>(json), json);

        private static bool IsScalar(Type type) => type == typeof(string) || type == typeof(bool) || type == typeof(int) || type == typeof(long)
            || type == typeof(double) || type == typeof(float) || type == typeof(short) || type == typeof(byte) || type == typeof(uint)
            || type == typeof(ulong) || type == typeof(ushort) || type == typeof(sbyte);
    }

    private sealed class JsonDocumentFormatter<T>(JsonSerializerOptions json) : IMessagePackFormatter<T>
    {
        public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
        {
            if (value is null) writer.WriteNil();
            else WriteJson(JsonSerializer.SerializeToUtf8Bytes(value, json), ref writer);
        }

        public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
            => JsonSerializer.Deserialize<T>(ToJson(ref reader), json)!;
    }
}
