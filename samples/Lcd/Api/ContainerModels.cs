using System.Text.Json.Serialization;

namespace Lcd.Api;

// The Engine API's container shapes (v1.41), with Docker's field names. The same records are what
// lcd keeps on disk for each container (containers/ID/config.v2.json), as dockerd keeps its own.

/// <summary>Config: what the image and `docker create` say the process is.</summary>
public record ContainerConfig
{
    public string? Hostname { get; set; }
    public string? Domainname { get; set; }
    public string? User { get; set; }
    public bool AttachStdin { get; set; }
    public bool AttachStdout { get; set; }
    public bool AttachStderr { get; set; }
    public Dictionary<string, EmptyObject>? ExposedPorts { get; set; }
    public bool Tty { get; set; }
    public bool OpenStdin { get; set; }
    public bool StdinOnce { get; set; }
    public List<string>? Env { get; set; }
    public List<string>? Cmd { get; set; }
    public string? Image { get; set; }
    public Dictionary<string, EmptyObject>? Volumes { get; set; }
    public string? WorkingDir { get; set; }
    public List<string>? Entrypoint { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public string? StopSignal { get; set; }
    public int? StopTimeout { get; set; }
}

/// <summary>Docker's empty objects in maps ({"80/tcp": {}}).</summary>
public sealed record EmptyObject;

public sealed record RestartPolicy
{
    public string? Name { get; set; }
    public int MaximumRetryCount { get; set; }
}

/// <summary>
/// The cgroup limits lcd applies (Docker's Resources, embedded in HostConfig and in docker update's
/// body); ContainerService.AddResources maps them to linux.resources. Zero is "not set".
/// </summary>
public record ContainerResources
{
    public long Memory { get; set; }
    public long MemoryReservation { get; set; }

    /// <summary>Memory plus swap (-1: unlimited); dockerd's default is twice Memory.</summary>
    public long MemorySwap { get; set; }
    public long NanoCpus { get; set; }
    public long CpuShares { get; set; }
    public long CpuPeriod { get; set; }
    public long CpuQuota { get; set; }
    public string? CpusetCpus { get; set; }
    public string? CpusetMems { get; set; }
    public long? PidsLimit { get; set; }
}

/// <summary>HostConfig: what the host gives the container (resources, mounts, restart policy).</summary>
public sealed record HostConfig : ContainerResources
{
    public bool AutoRemove { get; set; }
    public List<string>? CapAdd { get; set; }
    public List<string>? CapDrop { get; set; }
    public bool ReadonlyRootfs { get; set; }
    public bool Privileged { get; set; }
    public string? NetworkMode { get; set; }
    public RestartPolicy? RestartPolicy { get; set; }
    public List<string>? Binds { get; set; }
    public Dictionary<string, string>? Tmpfs { get; set; }
    public bool? Init { get; set; }
    public Dictionary<string, List<PortBindingJson>?>? PortBindings { get; set; }
    public bool PublishAllPorts { get; set; }
    public List<MountJson>? Mounts { get; set; }
    public LogConfig? LogConfig { get; set; }
}

/// <summary>HostConfig.LogConfig: the log driver and its options (json-file's max-size, max-file).</summary>
public sealed record LogConfig
{
    public string? Type { get; set; }
    public Dictionary<string, string>? Config { get; set; }
}

/// <summary>
/// POST /containers/create's body: Config's fields at the top level, plus HostConfig. Stored as the
/// container's Config, it is written through ContainerConfig's metadata, so HostConfig is not repeated there.
/// </summary>
public sealed record ContainerCreateRequest : ContainerConfig
{
    public HostConfig? HostConfig { get; set; }
    public NetworkingConfigJson? NetworkingConfig { get; set; }
}

public sealed record ContainerCreateResponse(string Id, List<string> Warnings);

/// <summary>
/// POST /containers/{id}/update's body (docker update): HostConfig's resources and the restart policy.
/// A zero (or an absent PidsLimit, an empty string, an empty policy name) leaves the stored value as it is.
/// </summary>
public sealed record ContainerUpdateRequest : ContainerResources
{
    public ushort BlkioWeight { get; set; }
    public long KernelMemory { get; set; }
    public long CpuRealtimePeriod { get; set; }
    public long CpuRealtimeRuntime { get; set; }
    public RestartPolicy? RestartPolicy { get; set; }
}

public sealed record ContainerUpdateResponse(List<string> Warnings);

public sealed record ContainerWaitResponse(int StatusCode, ContainerWaitError? Error);

public sealed record ContainerWaitError(string Message);

/// <summary>State, as inspect shows it.</summary>
public sealed record ContainerStateJson
{
    public required string Status { get; set; }
    public bool Running { get; set; }
    public bool Paused { get; set; }
    public bool Restarting { get; set; }
    public bool OOMKilled { get; set; }
    public bool Dead { get; set; }
    public int Pid { get; set; }
    public int ExitCode { get; set; }
    public string Error { get; set; } = "";
    public string StartedAt { get; set; } = ZeroTime;
    public string FinishedAt { get; set; } = ZeroTime;

    /// <summary>Go's zero time, which Docker prints for "never".</summary>
    public const string ZeroTime = "0001-01-01T00:00:00Z";
}

/// <summary>What lcd keeps per container (config.v2.json), and the core of inspect's answer.</summary>
public sealed record ContainerRecord
{
    public required string Id { get; init; }
    public required string Name { get; set; }
    public required string Created { get; init; }
    public required string Image { get; init; }
    public required ContainerConfig Config { get; init; }
    public required HostConfig HostConfig { get; set; }
    public required ContainerStateJson State { get; set; }
    public required string Path { get; init; }
    public required List<string> Args { get; init; }
    public required string LogPath { get; init; }
    public int RestartCount { get; set; }

    /// <summary>docker stop or kill ended the last run (unless-stopped then stays stopped at daemon start), as dockerd records it.</summary>
    public bool HasBeenManuallyStopped { get; set; }

    /// <summary>The networks the container joins at each start (name: aliases), or its mode alone (none, host, container:ID).</summary>
    public Dictionary<string, EndpointSettingsJson>? Networks { get; set; }

    /// <summary>Its volumes, binds and tmpfs mounts, resolved at create.</summary>
    public List<MountPointJson>? MountPoints { get; set; }
}

/// <summary>GET /containers/{id}/json.</summary>
public sealed record ContainerInspectResponse
{
    public required string Id { get; init; }
    public required string Created { get; init; }
    public required string Path { get; init; }
    public required List<string> Args { get; init; }
    public required ContainerStateJson State { get; init; }
    public required string Image { get; init; }
    public required string ResolvConfPath { get; init; }
    public required string HostnamePath { get; init; }
    public required string HostsPath { get; init; }
    public required string LogPath { get; init; }
    public required string Name { get; init; }
    public int RestartCount { get; init; }
    public required string Driver { get; init; }
    public required string Platform { get; init; }
    public required HostConfig HostConfig { get; init; }
    public required ContainerConfig Config { get; init; }
    public required List<MountPointJson> Mounts { get; init; }
    public required NetworkSettingsJson NetworkSettings { get; init; }
}

/// <summary>GET /containers/json's entries (docker ps).</summary>
public sealed record ContainerSummary
{
    public required string Id { get; init; }
    public required List<string> Names { get; init; }
    public required string Image { get; init; }
    public required string ImageID { get; init; }
    public required string Command { get; init; }
    public long Created { get; init; }
    public required List<PortSummaryJson> Ports { get; init; }
    public required Dictionary<string, string> Labels { get; init; }
    public required string State { get; init; }
    public required string Status { get; init; }
    public required SummaryHostConfig HostConfig { get; init; }
    public required SummaryNetworkSettings NetworkSettings { get; init; }
    public required List<MountPointJson> Mounts { get; init; }
}

public sealed record SummaryHostConfig(string NetworkMode);

/// <summary>Persistence of <see cref="ContainerRecord"/> and the API's container bodies.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ContainerRecord))]
[JsonSerializable(typeof(ContainerCreateRequest))]
[JsonSerializable(typeof(ContainerCreateResponse))]
[JsonSerializable(typeof(ContainerUpdateRequest))]
[JsonSerializable(typeof(ContainerUpdateResponse))]
[JsonSerializable(typeof(ContainerWaitResponse))]
[JsonSerializable(typeof(ContainerInspectResponse))]
[JsonSerializable(typeof(List<ContainerSummary>))]
internal sealed partial class ContainerJsonContext : JsonSerializerContext;
