using System.Text.Json.Serialization;

namespace Lcd.Network.Networks;

/// <summary>A bridge network: its name, id, the Linux bridge behind it, its subnet and gateway. Persisted as JSON under the driver's root.</summary>
public sealed record NetworkDefinition
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>64 hex digits, as Docker's network ids.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>The Linux bridge the bridge plugin makes (at most 15 characters).</summary>
    [JsonPropertyName("bridge")]
    public required string Bridge { get; init; }

    [JsonPropertyName("subnet")]
    public required string Subnet { get; init; }

    [JsonPropertyName("gateway")]
    public required string Gateway { get; init; }

    /// <summary>The default network: no name resolution between its members (as Docker's default bridge).</summary>
    [JsonPropertyName("isDefault")]
    public bool IsDefault { get; init; }

    [JsonPropertyName("created")]
    public DateTimeOffset Created { get; init; }

    [JsonPropertyName("labels")]
    public Dictionary<string, string>? Labels { get; init; }
}
