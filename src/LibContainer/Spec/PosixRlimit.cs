using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>A resource limit of the process, applied with <c>setrlimit(2)</c>.</summary>
public sealed record PosixRlimit
{
    /// <summary>"REQUIRED. The platform resource being limited", for example <c>RLIMIT_NOFILE</c>.</summary>
    [JsonPropertyName("type")]
    public required string Type { get; set; }

    /// <summary>"REQUIRED. The value of the limit enforced for the corresponding resource."</summary>
    [JsonPropertyName("soft")]
    public required ulong Soft { get; set; }

    /// <summary>"REQUIRED. The ceiling for the soft limit that could be set by an unprivileged process."</summary>
    [JsonPropertyName("hard")]
    public required ulong Hard { get; set; }
}
