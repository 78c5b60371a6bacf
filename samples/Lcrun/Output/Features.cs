using System.Text.Json.Serialization;

namespace Lcrun.Output;

// The runtime-spec's features document (features.md), as `runc features` prints it.

internal sealed record Features
{
    [JsonPropertyName("ociVersionMin")]
    public required string OciVersionMin { get; init; }

    [JsonPropertyName("ociVersionMax")]
    public required string OciVersionMax { get; init; }

    [JsonPropertyName("hooks")]
    public required List<string> Hooks { get; init; }

    [JsonPropertyName("mountOptions")]
    public required List<string> MountOptions { get; init; }

    [JsonPropertyName("linux")]
    public required LinuxFeatures Linux { get; init; }

    [JsonPropertyName("annotations")]
    public Dictionary<string, string>? Annotations { get; init; }
}

internal sealed record LinuxFeatures
{
    [JsonPropertyName("namespaces")]
    public required List<string> Namespaces { get; init; }

    /// <summary>Capabilities the runtime applies; an empty list says it applies none.</summary>
    [JsonPropertyName("capabilities")]
    public required List<string> Capabilities { get; init; }

    [JsonPropertyName("cgroup")]
    public required CgroupFeatures Cgroup { get; init; }

    [JsonPropertyName("seccomp")]
    public required SeccompFeatures Seccomp { get; init; }

    [JsonPropertyName("apparmor")]
    public required EnabledFeature Apparmor { get; init; }

    [JsonPropertyName("selinux")]
    public required EnabledFeature Selinux { get; init; }
}

internal sealed record CgroupFeatures
{
    [JsonPropertyName("v1")]
    public bool V1 { get; init; }

    [JsonPropertyName("v2")]
    public bool V2 { get; init; }

    [JsonPropertyName("systemd")]
    public bool Systemd { get; init; }

    [JsonPropertyName("systemdUser")]
    public bool SystemdUser { get; init; }
}

internal sealed record SeccompFeatures
{
    [JsonPropertyName("enabled")]
    public bool Enabled { get; init; }

    [JsonPropertyName("actions")]
    public List<string>? Actions { get; init; }

    [JsonPropertyName("operators")]
    public List<string>? Operators { get; init; }

    [JsonPropertyName("archs")]
    public List<string>? Archs { get; init; }
}

internal sealed record EnabledFeature([property: JsonPropertyName("enabled")] bool Enabled);
