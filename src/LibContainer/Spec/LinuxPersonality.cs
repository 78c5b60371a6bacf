using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>"Sets the Linux execution personality", see <c>personality(2)</c>.</summary>
public sealed record LinuxPersonality
{
    /// <summary>"REQUIRED. The execution domain": <c>LINUX</c> or <c>LINUX32</c>.</summary>
    [JsonPropertyName("domain")]
    public required string Domain { get; set; }

    /// <summary>"The additional flags to apply." None are currently defined.</summary>
    [JsonPropertyName("flags")]
    public List<string>? Flags { get; set; }
}
