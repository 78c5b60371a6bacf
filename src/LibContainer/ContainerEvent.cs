namespace LibContainer;

/// <summary>What a container's cgroups reported.</summary>
public enum ContainerEventType
{
    /// <summary>The kernel's OOM killer killed a process of the container (or the cgroup hit its limit under OOM control).</summary>
    OutOfMemory,

    /// <summary>The cgroup's memory pressure reached a level (cgroup v1 memory.pressure_level).</summary>
    MemoryPressure,
}

/// <summary>One event from a container's cgroups.</summary>
/// <param name="Type">What happened.</param>
/// <param name="Time">When the library saw it.</param>
/// <param name="Count">How many times since the previous event of this type (the kernel coalesces).</param>
/// <param name="Level">For <see cref="ContainerEventType.MemoryPressure"/>: low, medium or critical.</param>
public sealed record ContainerEvent(ContainerEventType Type, DateTimeOffset Time, ulong Count = 1, string? Level = null);
