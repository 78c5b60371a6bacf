using System.Text.Json.Serialization;

namespace Lcd.Api;

// The Engine API's shapes for /version, /info and errors (v1.41), with Docker's own field names.

public sealed record ErrorResponse([property: JsonPropertyName("message")] string Message);

public sealed record VersionComponent(string Name, string Version, Dictionary<string, string>? Details);

public sealed record PlatformName(string Name);

public sealed record VersionResponse
{
    public required PlatformName Platform { get; init; }
    public required List<VersionComponent> Components { get; init; }
    public required string Version { get; init; }
    public required string ApiVersion { get; init; }
    public required string MinAPIVersion { get; init; }
    public required string GitCommit { get; init; }
    public required string GoVersion { get; init; }
    public required string Os { get; init; }
    public required string Arch { get; init; }
    public required string KernelVersion { get; init; }
    public bool Experimental { get; init; }
    public required string BuildTime { get; init; }
}

public sealed record RuntimeEntry([property: JsonPropertyName("path")] string Path);

public sealed record SwarmInfo(string LocalNodeState, string NodeID, string NodeAddr, bool ControlAvailable, string Error);

public sealed record InfoResponse
{
    public required string ID { get; init; }
    public int Containers { get; init; }
    public int ContainersRunning { get; init; }
    public int ContainersPaused { get; init; }
    public int ContainersStopped { get; init; }
    public int Images { get; init; }
    public required string Driver { get; init; }
    public required List<List<string>> DriverStatus { get; init; }
    public bool MemoryLimit { get; init; }
    public bool SwapLimit { get; init; }
    public bool CpuCfsPeriod { get; init; }
    public bool CpuCfsQuota { get; init; }
    public bool CPUShares { get; init; }
    public bool CPUSet { get; init; }
    public bool PidsLimit { get; init; }
    public bool IPv4Forwarding { get; init; }
    public bool Debug { get; init; }
    public int NFd { get; init; }
    public int NGoroutines { get; init; }
    public required string SystemTime { get; init; }
    public required string LoggingDriver { get; init; }
    public required string CgroupDriver { get; init; }
    public required string CgroupVersion { get; init; }
    public int NEventsListener { get; init; }
    public required string KernelVersion { get; init; }
    public required string OperatingSystem { get; init; }
    public required string OSVersion { get; init; }
    public required string OSType { get; init; }
    public required string Architecture { get; init; }
    public required string IndexServerAddress { get; init; }
    public int NCPU { get; init; }
    public long MemTotal { get; init; }
    public required string DockerRootDir { get; init; }
    public required string Name { get; init; }
    public required List<string> Labels { get; init; }
    public bool ExperimentalBuild { get; init; }
    public required string ServerVersion { get; init; }
    public required Dictionary<string, RuntimeEntry> Runtimes { get; init; }
    public required string DefaultRuntime { get; init; }
    public required SwarmInfo Swarm { get; init; }
    public bool LiveRestoreEnabled { get; init; }
    public required string Isolation { get; init; }
    public required string InitBinary { get; init; }
    public required List<string> SecurityOptions { get; init; }
    public required List<string> Warnings { get; init; }
}

[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(VersionResponse))]
[JsonSerializable(typeof(InfoResponse))]
internal sealed partial class EngineJsonContext : JsonSerializerContext;
