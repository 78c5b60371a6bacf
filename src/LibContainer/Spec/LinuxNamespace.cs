using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>A namespace the container is created in (no <see cref="Path"/>) or joins (<see cref="Path"/> set).</summary>
public sealed record LinuxNamespace
{
    /// <summary>
    /// "REQUIRED. The namespace type": <c>pid</c>, <c>network</c>, <c>mount</c>, <c>ipc</c>, <c>uts</c>,
    /// <c>user</c>, <c>cgroup</c> or <c>time</c>.
    /// </summary>
    [JsonPropertyName("type")]
    public required string Type { get; set; }

    /// <summary>
    /// "Namespace file. This value MUST be an absolute path in the runtime mount namespace. If a path
    /// is not specified, the runtime MUST create a new container namespace of the given type."
    /// </summary>
    [JsonPropertyName("path")]
    public string? Path { get; set; }
}
