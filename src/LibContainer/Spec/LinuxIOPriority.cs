using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>"Configures the I/O priority settings for the container's processes", see <c>ioprio_set(2)</c>.</summary>
public sealed record LinuxIOPriority
{
    /// <summary>"REQUIRED. Specifies the I/O scheduling class": <c>IOPRIO_CLASS_RT</c>, <c>IOPRIO_CLASS_BE</c> or <c>IOPRIO_CLASS_IDLE</c>.</summary>
    [JsonPropertyName("class")]
    public required string Class { get; set; }

    /// <summary>"Specifies the priority level within the class", 0 (highest) to 7 (lowest).</summary>
    [JsonPropertyName("priority")]
    public int Priority { get; set; }
}
