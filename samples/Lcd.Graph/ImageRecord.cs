using System.Text.Json.Serialization;

namespace Lcd.Graph;

/// <summary>An image in the store: its id (the config's digest) and the manifest it came with.</summary>
public sealed record ImageRecord
{
    /// <summary>The image id: the digest of its config.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }
    /// <summary>The digest of its manifest in the content store.</summary>
    [JsonPropertyName("manifest")] public required string Manifest { get; init; }
    /// <summary>The chain ids of its layers, base first (the layer directories it is made of).</summary>
    [JsonPropertyName("chain")] public required List<string> Chain { get; init; }
    /// <summary>When it came into the store.</summary>
    [JsonPropertyName("loaded")] public DateTimeOffset Loaded { get; init; }
}
