using System.Text.Json.Serialization;

namespace LibContainer.Spec;

/// <summary>"Scheduling attributes for a process", based on <c>sched_setattr(2)</c>.</summary>
public sealed record Scheduler
{
    /// <summary>
    /// "REQUIRED. Represents the scheduling policy": <c>SCHED_OTHER</c>, <c>SCHED_FIFO</c>, <c>SCHED_RR</c>,
    /// <c>SCHED_BATCH</c>, <c>SCHED_ISO</c>, <c>SCHED_IDLE</c> or <c>SCHED_DEADLINE</c>.
    /// </summary>
    [JsonPropertyName("policy")]
    public required string Policy { get; set; }

    /// <summary>"The nice value for the process, affecting its priority", between -20 and 19.</summary>
    [JsonPropertyName("nice")]
    public int? Nice { get; set; }

    /// <summary>"The static priority of the process", for <c>SCHED_FIFO</c> and <c>SCHED_RR</c>.</summary>
    [JsonPropertyName("priority")]
    public int? Priority { get; set; }

    /// <summary>"An array of strings representing scheduling flags", such as <c>SCHED_FLAG_RESET_ON_FORK</c>.</summary>
    [JsonPropertyName("flags")]
    public List<string>? Flags { get; set; }

    /// <summary>"Represents the amount of time in nanoseconds during which the process is allowed to run in a given period" (<c>SCHED_DEADLINE</c>).</summary>
    [JsonPropertyName("runtime")]
    public ulong? Runtime { get; set; }

    /// <summary>"Represents the absolute deadline for the process to complete its execution" (<c>SCHED_DEADLINE</c>).</summary>
    [JsonPropertyName("deadline")]
    public ulong? Deadline { get; set; }

    /// <summary>"Represents the length of the period in nanoseconds used for determining the process runtime" (<c>SCHED_DEADLINE</c>).</summary>
    [JsonPropertyName("period")]
    public ulong? Period { get; set; }
}
