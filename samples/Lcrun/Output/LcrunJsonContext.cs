using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Lcrun.Output;

/// <summary>Source-generated JSON for everything lcrun prints: no reflection, AOT and trimming safe.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RuncState))]
[JsonSerializable(typeof(List<RuncState>))]
[JsonSerializable(typeof(RuncEvent))]
[JsonSerializable(typeof(Features))]
[JsonSerializable(typeof(List<int>))]
internal sealed partial class LcrunJsonContext : JsonSerializerContext
{
    /// <summary>Serializes as Go's encoding/json would print it: compact, or indented by <paramref name="indent"/> spaces; no trailing newline.</summary>
    public static string Write<T>(T value, JsonTypeInfo<T> typeInfo, int indent = 0)
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
            JsonSerializer.Serialize(writer, value, typeInfo);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
