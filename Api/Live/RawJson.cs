using System.Text.Json;
using System.Text.Json.Serialization;

namespace LiveOrleans.Api.Live;

/// <summary>
/// A payload serialised once and written as it is to every connection it goes to, so a push to a group of
/// dashboards costs one serialisation whatever the group's size.
/// </summary>
[JsonConverter(typeof(RawJsonConverter))]
public sealed class RawJson
{
    private RawJson(byte[] utf8) => Utf8 = utf8;

    public byte[] Utf8 { get; }

    public static RawJson Of<T>(T value) => new(JsonSerializer.SerializeToUtf8Bytes(value, LiveJson.Options));

    public static RawJson Of<T>(T value, JsonSerializerOptions options) => new(JsonSerializer.SerializeToUtf8Bytes(value, options));

    private sealed class RawJsonConverter : JsonConverter<RawJson>
    {
        public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            => throw new NotSupportedException("RawJson is written only.");

        public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) => writer.WriteRawValue(value.Utf8, skipInputValidation: true);
    }
}
