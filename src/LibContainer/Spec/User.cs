using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>"The user for the process": the POSIX-platform user structure.</summary>
public sealed record User
{
    /// <summary>"REQUIRED. Specifies the user ID in the container namespace."</summary>
    [JsonPropertyName("uid")]
    public required uint Uid { get; set; }

    /// <summary>"REQUIRED. Specifies the group ID in the container namespace."</summary>
    [JsonPropertyName("gid")]
    public required uint Gid { get; set; }

    /// <summary>"Specifies the umask of the user. If unspecified, the umask should not be changed from the calling process' umask."</summary>
    [JsonPropertyName("umask")]
    public uint? Umask { get; set; }

    /// <summary>"Specifies additional group IDs in the container namespace to be added to the process."</summary>
    [JsonPropertyName("additionalGids")]
    public List<uint>? AdditionalGids { get; set; }

    /// <summary>The user name; used on Windows, informational on Linux.</summary>
    [JsonPropertyName("username")]
    public string? Username { get; set; }
}
