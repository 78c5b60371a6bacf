using System.Text.Json.Serialization;

namespace Lcd.Api;

// The Engine API's shapes for GET /system/df and the prune calls of `docker system prune`.

/// <summary>A container in /system/df: docker ps's fields with the sizes.</summary>
public sealed record DiskUsageContainerJson
{
    public required string Id { get; init; }
    public required List<string> Names { get; init; }
    public required string Image { get; init; }
    public required string ImageID { get; init; }
    public required string Command { get; init; }
    public long Created { get; init; }
    public long SizeRw { get; init; }
    public long SizeRootFs { get; init; }
    public required Dictionary<string, string> Labels { get; init; }
    public required string State { get; init; }
    public required string Status { get; init; }
    public required List<MountPointJson> Mounts { get; init; }
}

public sealed record DiskUsageResponse
{
    public long LayersSize { get; init; }
    public required List<ImageSummary> Images { get; init; }
    public required List<DiskUsageContainerJson> Containers { get; init; }
    public required List<VolumeJson> Volumes { get; init; }
    public required List<BuildCacheJson> BuildCache { get; init; }
}

/// <summary>lcd has no builder: its build cache is always empty.</summary>
public sealed record BuildCacheJson(string ID);

public sealed record ContainerPruneResponse(List<string> ContainersDeleted, long SpaceReclaimed);

public sealed record BuildPruneResponse(List<string> CachesDeleted, long SpaceReclaimed);

[JsonSerializable(typeof(DiskUsageResponse))]
[JsonSerializable(typeof(ContainerPruneResponse))]
[JsonSerializable(typeof(BuildPruneResponse))]
internal sealed partial class DiskUsageJsonContext : JsonSerializerContext;
