using System.Text.Json;
using System.Text.Json.Serialization;
using MessagePack;
using MessagePack.Formatters;

namespace LiveOrleans.Api.Live;

/// <summary>
/// A payload serialised once and written as it is to every connection it goes to, so a push to a group of
/// dashboards costs one serialisation whatever the group's size: its JSON, and, the first time a MessagePack
/// connection needs it, the same document in MessagePack (<see cref="LiveMessagePack"/>), also kept.
/// </summary>
[JsonConverter(typeof(RawJsonConverter))]
public sealed class RawJson
{
    private byte[]? _messagePack;

    private RawJson(byte[] utf8) => Utf8 = utf8;

    public byte[] Utf8 { get; }

    /// <summary>The same document in MessagePack, transcoded once (a race makes it twice, alike).</summary>
    public byte[] MessagePackForm => _messagePack ??= LiveMessagePack.FromJson(Utf8);

    public static RawJson Of<T>(T value) => new(JsonSerializer.SerializeToUtf8Bytes(value, LiveJson.Options));

    public static RawJson Of<T>(T value, JsonSerializerOptions options) => new(JsonSerializer.SerializeToUtf8Bytes(value, options));

    /// <summary>Writes the MessagePack form as it is (the MessagePack hub protocol's counterpart of the JSON converter).</summary>
    public static IMessagePackFormatter MessagePackFormatter { get; } = new RawMessagePackFormatter();

    private sealed class RawJsonConverter : JsonConverter<RawJson>
    {
        public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            => throw new NotSupportedException("RawJson is written only.");

        public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) => writer.WriteRawValue(value.Utf8, skipInputValidation: true);
    }

    private sealed class RawMessagePackFormatter : IMessagePackFormatter<RawJson>
    {
        public void Serialize(ref MessagePackWriter writer, RawJson value, MessagePackSerializerOptions options) => writer.WriteRaw(value.MessagePackForm);

        public RawJson Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
            => throw new NotSupportedException("RawJson is written only.");
    }
}
