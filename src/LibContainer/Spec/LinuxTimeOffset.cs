using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>The offset of one clock in a new time namespace (<c>/proc/[pid]/timens_offsets</c>).</summary>
public sealed record LinuxTimeOffset
{
    /// <summary>"The offset of the clock (in seconds) in the container."</summary>
    [JsonPropertyName("secs")]
    public long? Secs { get; set; }

    /// <summary>"The offset of the clock (in nanoseconds) in the container", below one second.</summary>
    [JsonPropertyName("nanosecs")]
    public uint? Nanosecs { get; set; }
}
