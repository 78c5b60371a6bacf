using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>A mount beyond <see cref="RuntimeSpec.Root"/> ("mounts" entry).</summary>
public sealed record Mount
{
    /// <summary>"REQUIRED. Destination of mount point: path inside container." Must be absolute on Linux.</summary>
    [JsonPropertyName("destination")]
    public required string Destination { get; set; }

    /// <summary>"The type of the filesystem to be mounted", for example <c>proc</c>, <c>tmpfs</c> or <c>bind</c>.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    /// <summary>
    /// "A device name, but can also be a file or directory name for bind mounts or a dummy. Path values
    /// for bind mounts are either absolute or relative to the bundle."
    /// </summary>
    [JsonPropertyName("source")]
    public string? Source { get; set; }

    /// <summary>"Mount options of the filesystem to be used", fstab style (see <c>mount(8)</c>).</summary>
    [JsonPropertyName("options")]
    public List<string>? Options { get; set; }

    /// <summary>"The mapping to convert UIDs from the source file system to the destination mount point."</summary>
    [JsonPropertyName("uidMappings")]
    public List<LinuxIdMapping>? UidMappings { get; set; }

    /// <summary>"The mapping to convert GIDs from the source file system to the destination mount point."</summary>
    [JsonPropertyName("gidMappings")]
    public List<LinuxIdMapping>? GidMappings { get; set; }
}
