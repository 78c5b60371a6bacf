using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Lcrun.Output;

/// <summary>
/// Source-generated JSON for the larger things lcrun prints (events, features). What the frequent
/// commands print (state, list, ps) is written by hand through <see cref="Write(Action{Utf8JsonWriter}, int)"/>:
/// a serializer context costs a fresh native AOT process its metadata and reflection start-up (~1-2 ms).
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RuncEvent))]
[JsonSerializable(typeof(Features))]
internal sealed partial class LcrunJsonContext : JsonSerializerContext
{
    /// <summary>Serializes as Go's encoding/json would print it: compact, or indented by <paramref name="indent"/> spaces; no trailing newline.</summary>
    public static string Write<T>(T value, JsonTypeInfo<T> typeInfo, int indent = 0) =>
        Write(writer => JsonSerializer.Serialize(writer, value, typeInfo), indent);

    /// <summary>What <paramref name="write"/> writes, formatted as <see cref="Write{T}(T, JsonTypeInfo{T}, int)"/> formats.</summary>
    public static string Write(Action<Utf8JsonWriter> write, int indent = 0)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var options = new JsonWriterOptions
        {
            Indented = indent > 0,
            IndentSize = Math.Max(indent, 1),
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        using (var writer = new Utf8JsonWriter(buffer, options))
        {
            write(writer);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
