using System.Text.Json.Serialization;

namespace Lcd.Api;

// The Engine API's volume and mount shapes (v1.41): HostConfig.Mounts, inspect's Mounts, `docker volume` bodies.

/// <summary>HostConfig.Mounts (--mount): type bind, volume or tmpfs.</summary>
public sealed record MountJson
{
    public string? Type { get; set; }
    public string? Source { get; set; }
    public string? Target { get; set; }
    public bool ReadOnly { get; set; }
    public string? Consistency { get; set; }
    public BindOptionsJson? BindOptions { get; set; }
    public VolumeOptionsJson? VolumeOptions { get; set; }
    public TmpfsOptionsJson? TmpfsOptions { get; set; }
}

public sealed record BindOptionsJson
{
    public string? Propagation { get; set; }
    public bool NonRecursive { get; set; }
}

public sealed record VolumeOptionsJson
{
    public bool NoCopy { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public DriverConfigJson? DriverConfig { get; set; }
}

public sealed record DriverConfigJson
{
    public string? Name { get; set; }
    public Dictionary<string, string>? Options { get; set; }
}

public sealed record TmpfsOptionsJson
{
    public long SizeBytes { get; set; }
    public int Mode { get; set; }
}

/// <summary>A container's mount as inspect shows it (and as lcd keeps it in the container's record).</summary>
public sealed record MountPointJson
{
    public required string Type { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; init; }
    public required string Source { get; init; }
    public required string Destination { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Driver { get; init; }
    public string Mode { get; init; } = "";
    public bool RW { get; init; } = true;
    public string Propagation { get; init; } = "";
}

/// <summary>A volume in /volumes answers.</summary>
public sealed record VolumeJson
{
    public required string CreatedAt { get; init; }
    public string Driver { get; init; } = "local";
    public required Dictionary<string, string> Labels { get; init; }
    public required string Mountpoint { get; init; }
    public required string Name { get; init; }
    public required Dictionary<string, string> Options { get; init; }
    public string Scope { get; init; } = "local";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public VolumeUsageJson? UsageData { get; init; }
}

public sealed record VolumeUsageJson(long Size, long RefCount);

public sealed record VolumeListResponse(List<VolumeJson> Volumes, List<string> Warnings);

/// <summary>POST /volumes/create.</summary>
public sealed record VolumeCreateRequest
{
    public string? Name { get; set; }
    public string? Driver { get; set; }
    public Dictionary<string, string>? DriverOpts { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}

public sealed record VolumePruneResponse(List<string> VolumesDeleted, long SpaceReclaimed);

[JsonSerializable(typeof(VolumeJson))]
[JsonSerializable(typeof(VolumeListResponse))]
[JsonSerializable(typeof(VolumeCreateRequest))]
[JsonSerializable(typeof(VolumePruneResponse))]
internal sealed partial class VolumeJsonContext : JsonSerializerContext;
