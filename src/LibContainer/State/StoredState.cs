using System.Text.Json.Serialization;

namespace LibContainer.State;

/// <summary>
/// What the library keeps on disk about a container (state.json in its state directory): enough for
/// any process to Load it, derive its status from live facts and destroy it. The spec lives beside
/// it in config.json, written once (and on update), so the frequent state writes stay small.
/// </summary>
internal sealed record StoredState
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>creating until the init reports ready; created after. Running and stopped are derived.</summary>
    [JsonPropertyName("phase")]
    public required string Phase { get; init; }

    /// <summary>The container's init, as seen from the host; 0 before it exists.</summary>
    [JsonPropertyName("pid")]
    public int Pid { get; init; }

    /// <summary>/proc/pid/stat field 22 of the init, which tells its pid from a reused one.</summary>
    [JsonPropertyName("pidStartTime")]
    public ulong PidStartTime { get; init; }

    [JsonPropertyName("bundle")]
    public string? Bundle { get; init; }

    [JsonPropertyName("rootfs")]
    public required string Rootfs { get; init; }

    [JsonPropertyName("created")]
    public DateTimeOffset Created { get; init; }

    /// <summary>The exit code of the init, once its parent reaped it.</summary>
    [JsonPropertyName("exitCode")]
    public int? ExitCode { get; init; }

    /// <summary>The signal that killed the init, once its parent reaped it.</summary>
    [JsonPropertyName("exitSignal")]
    public int? ExitSignal { get; init; }

    /// <summary>The container's cgroup path, absolute within each hierarchy.</summary>
    [JsonPropertyName("cgroupPath")]
    public string? CgroupPath { get; init; }

    /// <summary>The container's cgroup directory in every hierarchy.</summary>
    [JsonPropertyName("cgroupDirectories")]
    public List<string>? CgroupDirectories { get; init; }

    /// <summary>The cgroup directories create made; destroy removes these and no others.</summary>
    [JsonPropertyName("cgroupsCreated")]
    public List<string>? CgroupsCreated { get; init; }

    public const string PhaseCreating = "creating";
    public const string PhaseCreated = "created";
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredState))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
