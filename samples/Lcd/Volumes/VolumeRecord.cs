using System.Text.Json.Serialization;

namespace Lcd.Volumes;

/// <summary>What the local volume driver keeps beside a volume's data (volumes/NAME/volume.json).</summary>
public sealed record VolumeRecord
{
    public required string Name { get; init; }
    public required string CreatedAt { get; init; }
    public Dictionary<string, string> Labels { get; init; } = [];
    public Dictionary<string, string> Options { get; init; } = [];

    /// <summary>Made for a container (-v /path, an image's VOLUME): removed with it by docker rm -v.</summary>
    public bool Anonymous { get; init; }
}

[JsonSerializable(typeof(VolumeRecord))]
internal sealed partial class VolumeRecordJsonContext : JsonSerializerContext;
