using System.Diagnostics;

namespace LibContainer.Benchmarks;

/// <summary>When one in-process container lifecycle began and finished each step (Stopwatch ticks).</summary>
internal readonly record struct LifecyclePhases(long Begin, long Created, long Started, long Exited, long Destroyed)
{
    public TimeSpan Create => Stopwatch.GetElapsedTime(Begin, Created);

    public TimeSpan Start => Stopwatch.GetElapsedTime(Created, Started);

    public TimeSpan Wait => Stopwatch.GetElapsedTime(Started, Exited);

    public TimeSpan Destroy => Stopwatch.GetElapsedTime(Exited, Destroyed);

    public TimeSpan Total => Stopwatch.GetElapsedTime(Begin, Destroyed);
}
