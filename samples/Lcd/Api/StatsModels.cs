using System.Text.Json.Serialization;

namespace Lcd.Api;

// GET /containers/{id}/stats (v1.41, moby api/types.StatsJSON): snake_case names as Docker writes them,
// filled from the library's cgroup numbers (IContainer.GetStatsAsync) and the host's /proc/stat.

public sealed record StatsResponse
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("read")] public required string Read { get; init; }
    [JsonPropertyName("preread")] public required string PreRead { get; init; }
    [JsonPropertyName("pids_stats")] public PidsStatsJson PidsStats { get; init; } = new();
    [JsonPropertyName("blkio_stats")] public BlkioStatsJson BlkioStats { get; init; } = new();
    [JsonPropertyName("num_procs")] public uint NumProcs { get; init; }
    [JsonPropertyName("storage_stats")] public EmptyObject StorageStats { get; init; } = new();
    [JsonPropertyName("cpu_stats")] public CpuStatsJson CpuStats { get; init; } = new();
    [JsonPropertyName("precpu_stats")] public CpuStatsJson PreCpuStats { get; init; } = new();
    [JsonPropertyName("memory_stats")] public MemoryStatsJson MemoryStats { get; init; } = new();

    [JsonPropertyName("networks")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, NetworkStatsJson>? Networks { get; init; }
}

public sealed record PidsStatsJson
{
    [JsonPropertyName("current")] public ulong Current { get; init; }

    [JsonPropertyName("limit")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Limit { get; init; }
}

public sealed record BlkioEntryJson(
    [property: JsonPropertyName("major")] ulong Major,
    [property: JsonPropertyName("minor")] ulong Minor,
    [property: JsonPropertyName("op")] string Op,
    [property: JsonPropertyName("value")] ulong Value);

public sealed record BlkioStatsJson
{
    [JsonPropertyName("io_service_bytes_recursive")] public List<BlkioEntryJson>? IoServiceBytesRecursive { get; init; }
    [JsonPropertyName("io_serviced_recursive")] public List<BlkioEntryJson>? IoServicedRecursive { get; init; }
    [JsonPropertyName("io_queue_recursive")] public List<BlkioEntryJson>? IoQueueRecursive { get; init; }
    [JsonPropertyName("io_service_time_recursive")] public List<BlkioEntryJson>? IoServiceTimeRecursive { get; init; }
    [JsonPropertyName("io_wait_time_recursive")] public List<BlkioEntryJson>? IoWaitTimeRecursive { get; init; }
    [JsonPropertyName("io_merged_recursive")] public List<BlkioEntryJson>? IoMergedRecursive { get; init; }
    [JsonPropertyName("io_time_recursive")] public List<BlkioEntryJson>? IoTimeRecursive { get; init; }
    [JsonPropertyName("sectors_recursive")] public List<BlkioEntryJson>? SectorsRecursive { get; init; }
}

public sealed record CpuUsageJson
{
    [JsonPropertyName("total_usage")] public ulong TotalUsage { get; init; }

    [JsonPropertyName("percpu_usage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<ulong>? PercpuUsage { get; init; }

    [JsonPropertyName("usage_in_kernelmode")] public ulong UsageInKernelmode { get; init; }
    [JsonPropertyName("usage_in_usermode")] public ulong UsageInUsermode { get; init; }
}

public sealed record ThrottlingJson
{
    [JsonPropertyName("periods")] public ulong Periods { get; init; }
    [JsonPropertyName("throttled_periods")] public ulong ThrottledPeriods { get; init; }
    [JsonPropertyName("throttled_time")] public ulong ThrottledTime { get; init; }
}

public sealed record CpuStatsJson
{
    [JsonPropertyName("cpu_usage")] public CpuUsageJson CpuUsage { get; init; } = new();

    [JsonPropertyName("system_cpu_usage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong SystemCpuUsage { get; init; }

    [JsonPropertyName("online_cpus")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public uint OnlineCpus { get; init; }

    [JsonPropertyName("throttling_data")] public ThrottlingJson ThrottlingData { get; init; } = new();
}

public sealed record MemoryStatsJson
{
    [JsonPropertyName("usage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Usage { get; init; }

    [JsonPropertyName("max_usage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong MaxUsage { get; init; }

    [JsonPropertyName("stats")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, ulong>? Stats { get; init; }

    [JsonPropertyName("failcnt")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Failcnt { get; init; }

    [JsonPropertyName("limit")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Limit { get; init; }
}

public sealed record NetworkStatsJson
{
    [JsonPropertyName("rx_bytes")] public ulong RxBytes { get; init; }
    [JsonPropertyName("rx_packets")] public ulong RxPackets { get; init; }
    [JsonPropertyName("rx_errors")] public ulong RxErrors { get; init; }
    [JsonPropertyName("rx_dropped")] public ulong RxDropped { get; init; }
    [JsonPropertyName("tx_bytes")] public ulong TxBytes { get; init; }
    [JsonPropertyName("tx_packets")] public ulong TxPackets { get; init; }
    [JsonPropertyName("tx_errors")] public ulong TxErrors { get; init; }
    [JsonPropertyName("tx_dropped")] public ulong TxDropped { get; init; }
}

/// <summary>GET /containers/{id}/top: ps's titles and the rows of the container's processes.</summary>
public sealed record TopResponse(List<string> Titles, List<List<string>> Processes);

[JsonSerializable(typeof(StatsResponse))]
[JsonSerializable(typeof(TopResponse))]
internal sealed partial class StatsJsonContext : JsonSerializerContext;
