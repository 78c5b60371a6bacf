using System.Diagnostics;

namespace LibContainer.Benchmarks;

/// <summary>
/// When one in-process container lifecycle began and finished each step (Stopwatch ticks), and the
/// process's CPU time at each of those moments (<see cref="CpuTime.Microseconds"/>: every thread, and
/// the children reaped so far: lc-init's stage 0 within create, the container's process when its exit is read).
/// </summary>
internal readonly record struct LifecyclePhases(long Begin, long Created, long Started, long Exited, long Destroyed,
    long CpuBegin = 0, long CpuCreated = 0, long CpuStarted = 0, long CpuExited = 0, long CpuDestroyed = 0)
{
    /// <summary>CPU microseconds per step: create, start, wait, destroy.</summary>
    public long[] CpuMicroseconds => [CpuCreated - CpuBegin, CpuStarted - CpuCreated, CpuExited - CpuStarted, CpuDestroyed - CpuExited];

    public TimeSpan Create => Stopwatch.GetElapsedTime(Begin, Created);

    public TimeSpan Start => Stopwatch.GetElapsedTime(Created, Started);

    public TimeSpan Wait => Stopwatch.GetElapsedTime(Started, Exited);

    public TimeSpan Destroy => Stopwatch.GetElapsedTime(Exited, Destroyed);

    public TimeSpan Total => Stopwatch.GetElapsedTime(Begin, Destroyed);
}
