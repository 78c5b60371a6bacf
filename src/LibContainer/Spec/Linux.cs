using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>"Platform-specific configuration for Linux based containers" (config-linux.md).</summary>
public sealed record Linux
{
    /// <summary>"An array of namespaces the container is created in or joins." Each type appears at most once.</summary>
    [JsonPropertyName("namespaces")]
    public List<LinuxNamespace>? Namespaces { get; set; }

    /// <summary>"Describes the user namespace uid mappings from the host to the container."</summary>
    [JsonPropertyName("uidMappings")]
    public List<LinuxIdMapping>? UidMappings { get; set; }

    /// <summary>"Describes the user namespace gid mappings from the host to the container."</summary>
    [JsonPropertyName("gidMappings")]
    public List<LinuxIdMapping>? GidMappings { get; set; }

    /// <summary>
    /// "Sets the offset for Time Namespace", keyed by clock name (<c>monotonic</c> or <c>boottime</c>).
    /// </summary>
    [JsonPropertyName("timeOffsets")]
    public Dictionary<string, LinuxTimeOffset>? TimeOffsets { get; set; }

    /// <summary>"Lists devices that MUST be available in the container."</summary>
    [JsonPropertyName("devices")]
    public List<LinuxDevice>? Devices { get; set; }

    /// <summary>
    /// "Path to the cgroups", either absolute (relative to the cgroup mount point) or relative
    /// (to the runtime's cgroup hierarchy).
    /// </summary>
    [JsonPropertyName("cgroupsPath")]
    public string? CgroupsPath { get; set; }

    /// <summary>"Cgroup resource restrictions" applied to the container's cgroup.</summary>
    [JsonPropertyName("resources")]
    public LinuxResources? Resources { get; set; }

    /// <summary>
    /// "Sets the rootfs's mount propagation": <c>shared</c>, <c>slave</c>, <c>private</c> or
    /// <c>unbindable</c>, each optionally prefixed with <c>r</c> for recursive.
    /// </summary>
    [JsonPropertyName("rootfsPropagation")]
    public string? RootfsPropagation { get; set; }

    /// <summary>"Seccomp provides application sandboxing mechanism in the Linux kernel."</summary>
    [JsonPropertyName("seccomp")]
    public LinuxSeccomp? Seccomp { get; set; }

    /// <summary>"Allows kernel parameters to be modified at runtime for the container", keyed by sysctl name.</summary>
    [JsonPropertyName("sysctl")]
    public Dictionary<string, string>? Sysctl { get; set; }

    /// <summary>"Will mask over the provided paths inside the container so that they cannot be read." Absolute paths.</summary>
    [JsonPropertyName("maskedPaths")]
    public List<string>? MaskedPaths { get; set; }

    /// <summary>"Will set the provided paths as readonly inside the container." Absolute paths.</summary>
    [JsonPropertyName("readonlyPaths")]
    public List<string>? ReadonlyPaths { get; set; }

    /// <summary>"Will set the SELinux context for the mounts in the container."</summary>
    [JsonPropertyName("mountLabel")]
    public string? MountLabel { get; set; }

    /// <summary>"Intel Resource Director Technology" settings (resctrl).</summary>
    [JsonPropertyName("intelRdt")]
    public LinuxIntelRdt? IntelRdt { get; set; }

    /// <summary>"Sets the Linux execution personality", see <c>personality(2)</c>.</summary>
    [JsonPropertyName("personality")]
    public LinuxPersonality? Personality { get; set; }
}
