using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>A command run at a lifecycle event; it receives the container state on standard input.</summary>
public sealed record Hook
{
    /// <summary>"REQUIRED. With similar semantics to IEEE Std 1003.1-2008 execv's path." MUST be absolute.</summary>
    [JsonPropertyName("path")]
    public required string Path { get; set; }

    /// <summary>"With the same semantics as IEEE Std 1003.1-2008 execv's argv."</summary>
    [JsonPropertyName("args")]
    public List<string>? Args { get; set; }

    /// <summary>"With the same semantics as IEEE Std 1003.1-2008's environ."</summary>
    [JsonPropertyName("env")]
    public List<string>? Env { get; set; }

    /// <summary>"The number of seconds before aborting the hook. If set, timeout MUST be greater than zero."</summary>
    [JsonPropertyName("timeout")]
    public int? Timeout { get; set; }
}
