using System.Text.Json.Serialization;

namespace Lcrun.Output;

/// <summary>runc's container state, as <c>state</c> prints it and <c>list --format json</c> lists it.</summary>
internal sealed record RuncState
{
    [JsonPropertyName("ociVersion")]
    public required string OciVersion { get; init; }

    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>The init's host pid; 0 once the container has stopped (runc writes the 0).</summary>
    [JsonPropertyName("pid")]
    public int Pid { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("bundle")]
    public required string Bundle { get; init; }

    [JsonPropertyName("rootfs")]
    public required string Rootfs { get; init; }

    /// <summary>RFC 3339 with nanoseconds, as Go's time.RFC3339Nano.</summary>
    [JsonPropertyName("created")]
    public required string Created { get; init; }

    [JsonPropertyName("owner")]
    public required string Owner { get; init; }

    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; init; }
}
