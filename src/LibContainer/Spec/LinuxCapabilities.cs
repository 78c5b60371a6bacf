using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>
/// "Specifies the sets of capabilities for the process." Each entry is a capability name such as
/// <c>CAP_KILL</c>; see <c>capabilities(7)</c>.
/// </summary>
public sealed record LinuxCapabilities
{
    /// <summary>"The bounding capabilities set for the process."</summary>
    [JsonPropertyName("bounding")]
    public List<string>? Bounding { get; set; }

    /// <summary>"The effective capabilities set for the process."</summary>
    [JsonPropertyName("effective")]
    public List<string>? Effective { get; set; }

    /// <summary>"The inheritable capabilities set for the process."</summary>
    [JsonPropertyName("inheritable")]
    public List<string>? Inheritable { get; set; }

    /// <summary>"The permitted capabilities set for the process."</summary>
    [JsonPropertyName("permitted")]
    public List<string>? Permitted { get; set; }

    /// <summary>"The ambient capabilities set for the process."</summary>
    [JsonPropertyName("ambient")]
    public List<string>? Ambient { get; set; }
}
