using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>A range of user or group ids mapped between the host and the container.</summary>
public sealed record LinuxIdMapping
{
    /// <summary>"REQUIRED. The starting uid/gid in the container."</summary>
    [JsonPropertyName("containerID")]
    public required uint ContainerId { get; set; }

    /// <summary>"REQUIRED. The starting uid/gid on the host to be mapped to containerID."</summary>
    [JsonPropertyName("hostID")]
    public required uint HostId { get; set; }

    /// <summary>"REQUIRED. The number of ids to be mapped."</summary>
    [JsonPropertyName("size")]
    public required uint Size { get; set; }
}
