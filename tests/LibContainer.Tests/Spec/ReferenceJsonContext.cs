using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using LibContainer.Spec;

namespace LibContainer.Tests.Spec;

/// <summary>
/// The source-generated serializer the library used before its hand-written reader and writer, with the same
/// options: the reference they are compared with, so a property added to a record without reader or writer code fails.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(RuntimeSpec))]
[JsonSerializable(typeof(ContainerState))]
internal sealed partial class ReferenceJsonContext : JsonSerializerContext
{
    /// <summary>What <c>ToJson</c> wrote through this context: indented, relaxed escaping, a trailing newline.</summary>
    public static string Serialize<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }
}
