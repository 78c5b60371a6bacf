using System.Text.Json.Serialization;

namespace Lcd.Graph.Oci;

/// <summary>The graph driver's JSON: source-generated, no reflection.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Manifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(List<DockerArchiveEntry>))]
[JsonSerializable(typeof(OciLayoutFile))]
[JsonSerializable(typeof(ImageRecord))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(MediaTypeProbe))]
internal sealed partial class GraphJsonContext : JsonSerializerContext;

/// <summary>Just the mediaType of a manifest or index, to tell which it is.</summary>
internal sealed record MediaTypeProbe
{
    [JsonPropertyName("mediaType")] public string? MediaType { get; init; }
    [JsonPropertyName("manifests")] public List<Descriptor>? Manifests { get; init; }
}

/// <summary>Reads the driver's JSON documents; a bad one is a <see cref="GraphException"/> naming it.</summary>
internal static class GraphJson
{
    public static T Parse<T>(ReadOnlySpan<byte> bytes, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string what)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize(bytes, type) ?? throw new GraphException($"{what} is null");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new GraphException($"{what} is not valid: {e.Message}", e);
        }
    }
}
