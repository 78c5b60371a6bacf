using System.Text.Json.Serialization;

namespace Lcrun.Output;

// runc's `events` output (types/events.go): one JSON object per line. The stats shapes are those
// containerd's go-runc decodes; numbers runc tags omitempty are left out when 0.

/// <summary>One event: <c>stats</c> (with data) or <c>oom</c>.</summary>
internal sealed record RuncEvent(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("data")] RuncStats? Data);

internal sealed record RuncStats
{
    [JsonPropertyName("cpu")]
    public RuncCpu Cpu { get; init; } = new();

    [JsonPropertyName("memory")]
    public RuncMemory Memory { get; init; } = new();

    [JsonPropertyName("pids")]
    public RuncPids Pids { get; init; } = new();

    [JsonPropertyName("blkio")]
    public RuncBlkio Blkio { get; init; } = new();

    [JsonPropertyName("hugetlb")]
    public Dictionary<string, RuncHugetlb> Hugetlb { get; init; } = [];

    [JsonPropertyName("network_interfaces")]
    public List<RuncNetworkInterface>? NetworkInterfaces { get; init; }
}

internal sealed record RuncCpu
{
    [JsonPropertyName("usage")]
    public RuncCpuUsage Usage { get; init; } = new();

    [JsonPropertyName("throttling")]
    public RuncThrottling Throttling { get; init; } = new();
}

internal sealed record RuncCpuUsage
{
    [JsonPropertyName("total")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Total { get; init; }

    [JsonPropertyName("percpu")]
    public List<ulong>? PerCpu { get; init; }

    [JsonPropertyName("kernel")]
    public ulong Kernel { get; init; }

    [JsonPropertyName("user")]
    public ulong User { get; init; }
}

internal sealed record RuncThrottling
{
    [JsonPropertyName("periods")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Periods { get; init; }

    [JsonPropertyName("throttledPeriods")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong ThrottledPeriods { get; init; }

    [JsonPropertyName("throttledTime")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong ThrottledTime { get; init; }
}

internal sealed record RuncMemory
{
    [JsonPropertyName("cache")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Cache { get; init; }

    [JsonPropertyName("usage")]
    public RuncMemoryEntry Usage { get; init; } = new();

    [JsonPropertyName("swap")]
    public RuncMemoryEntry Swap { get; init; } = new();

    [JsonPropertyName("kernel")]
    public RuncMemoryEntry Kernel { get; init; } = new();

    [JsonPropertyName("kernelTCP")]
    public RuncMemoryEntry KernelTcp { get; init; } = new();

    [JsonPropertyName("raw")]
    public Dictionary<string, ulong>? Raw { get; init; }
}

internal sealed record RuncMemoryEntry
{
    [JsonPropertyName("limit")]
    public ulong Limit { get; init; }

    [JsonPropertyName("usage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Usage { get; init; }

    [JsonPropertyName("max")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Max { get; init; }

    [JsonPropertyName("failcnt")]
    public ulong Failcnt { get; init; }
}

internal sealed record RuncPids
{
    [JsonPropertyName("current")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Current { get; init; }

    [JsonPropertyName("limit")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Limit { get; init; }
}

internal sealed record RuncBlkio
{
    [JsonPropertyName("ioServiceBytesRecursive")]
    public List<RuncBlkioEntry>? IoServiceBytesRecursive { get; init; }

    [JsonPropertyName("ioServicedRecursive")]
    public List<RuncBlkioEntry>? IoServicedRecursive { get; init; }
}

internal sealed record RuncBlkioEntry
{
    [JsonPropertyName("major")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Major { get; init; }

    [JsonPropertyName("minor")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Minor { get; init; }

    [JsonPropertyName("op")]
    public string? Op { get; init; }

    [JsonPropertyName("value")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Value { get; init; }
}

internal sealed record RuncHugetlb
{
    [JsonPropertyName("usage")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Usage { get; init; }

    [JsonPropertyName("max")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ulong Max { get; init; }

    [JsonPropertyName("failcnt")]
    public ulong Failcnt { get; init; }
}

/// <summary>runc's NetworkInterface has no JSON tags: Go writes the field names as they are.</summary>
internal sealed record RuncNetworkInterface
{
    public required string Name { get; init; }

    public ulong RxBytes { get; init; }

    public ulong RxPackets { get; init; }

    public ulong RxErrors { get; init; }

    public ulong RxDropped { get; init; }

    public ulong TxBytes { get; init; }

    public ulong TxPackets { get; init; }

    public ulong TxErrors { get; init; }

    public ulong TxDropped { get; init; }
}
