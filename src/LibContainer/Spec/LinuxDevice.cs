using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>A device node that MUST be available in the container.</summary>
public sealed record LinuxDevice
{
    /// <summary>
    /// "REQUIRED. Type of device: c, b, u or p." (character, block, unbuffered character, FIFO).
    /// </summary>
    [JsonPropertyName("type")]
    public required string Type { get; set; }

    /// <summary>"REQUIRED. Full path to device inside container."</summary>
    [JsonPropertyName("path")]
    public required string Path { get; set; }

    /// <summary>"Major number for the device." REQUIRED unless <see cref="Type"/> is <c>p</c>.</summary>
    [JsonPropertyName("major")]
    public long? Major { get; set; }

    /// <summary>"Minor number for the device." REQUIRED unless <see cref="Type"/> is <c>p</c>.</summary>
    [JsonPropertyName("minor")]
    public long? Minor { get; set; }

    /// <summary>"File mode for the device", the permission bits.</summary>
    [JsonPropertyName("fileMode")]
    public uint? FileMode { get; set; }

    /// <summary>"Id of device owner in the container namespace."</summary>
    [JsonPropertyName("uid")]
    public uint? Uid { get; set; }

    /// <summary>"Id of device group in the container namespace."</summary>
    [JsonPropertyName("gid")]
    public uint? Gid { get; set; }
}
