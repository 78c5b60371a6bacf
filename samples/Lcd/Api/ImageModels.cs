using System.Text.Json.Serialization;

namespace Lcd.Api;

// The Engine API's image shapes (v1.41) for docker images, image inspect, rmi.

public sealed record ImageSummary
{
    public required string Id { get; init; }
    public string ParentId { get; init; } = "";
    public required List<string> RepoTags { get; init; }
    public required List<string> RepoDigests { get; init; }
    public long Created { get; init; }
    public long Size { get; init; }
    public long VirtualSize { get; init; }
    public long SharedSize { get; init; } = -1;
    public required Dictionary<string, string> Labels { get; init; }
    public int Containers { get; init; } = -1;
}

public sealed record ImageRootFs(string Type, List<string> Layers);

public sealed record ImageInspectResponse
{
    public required string Id { get; init; }
    public required List<string> RepoTags { get; init; }
    public required List<string> RepoDigests { get; init; }
    public string Parent { get; init; } = "";
    public string Comment { get; init; } = "";
    public string Author { get; init; } = "";
    public required string Created { get; init; }
    public required string Architecture { get; init; }
    public required string Os { get; init; }
    public long Size { get; init; }
    public long VirtualSize { get; init; }
    public Lcd.Graph.Oci.ContainerConfig? Config { get; init; }
    public required ImageRootFs RootFS { get; init; }
}

public sealed record ImageDeleteItem(
    [property: JsonPropertyName("Untagged"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Untagged,
    [property: JsonPropertyName("Deleted"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Deleted);

[JsonSerializable(typeof(List<ImageSummary>))]
[JsonSerializable(typeof(ImageInspectResponse))]
[JsonSerializable(typeof(List<ImageDeleteItem>))]
internal sealed partial class ImageJsonContext : JsonSerializerContext;
