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
