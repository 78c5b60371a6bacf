using System.Diagnostics;
using System.Globalization;

namespace LibContainer.Benchmarks;

/// <summary>
/// <c>--smoke [--rounds N]</c>: each variant N times (default 3), interleaved, without BenchmarkDotNet.
/// Fails on a non-zero exit or anything left behind; prints wall times but asserts none (CI runs it
/// so the benchmark cannot rot). The lifecycle is also split into its steps.
/// </summary>
internal static class Smoke
{
    public const int DefaultRounds = 3;

    public static async Task<int> RunAsync(int rounds)
    {
        using BenchmarkBundle bundle = BenchmarkBundle.Create();
        var runc = new OciRuntime("runc", OciRuntime.Find("runc")!, bundle.RuncRoot);
        var crun = new OciRuntime("crun", OciRuntime.Find("crun")!, bundle.CrunRoot);
        using var clock = new EventClock();
        var lifecycle = new LibContainerLifecycle(bundle, clock);
        var lifecycleRuns = new List<LifecycleSample>();
        var runcTimes = new List<TimeSpan>();
        var crunTimes = new List<TimeSpan>();
        string variant = "lifecycle";
        try
        {
            // Interleaved, so the library also runs after Process.Start has set up the runtime's SIGCHLD handling.
            for (int round = 0; round < rounds; round++)
            {
                variant = "lifecycle";
                LifecyclePhases phases = await lifecycle.RunAsync();
                lifecycleRuns.Add(LifecycleSample.From(phases, clock));
                variant = "runc";
                runcTimes.Add(Time(() => runc.Run(bundle.BundleDir, bundle.NextId())));
                variant = "crun";
                crunTimes.Add(Time(() => crun.Run(bundle.BundleDir, bundle.NextId())));
            }
            variant = "cleanup";
            IReadOnlyList<string> leftovers = bundle.FindLeftovers();
            if (leftovers.Count > 0)
            {
                throw new InvalidOperationException("left behind:\n  " + string.Join("\n  ", leftovers));
            }
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"smoke: {variant} FAILED: {ex}");
            return 1;
        }

        Console.WriteLine("smoke: lifecycle ok, runc ok, crun ok");
        Console.WriteLine("wall time per run, ms (the first run includes JIT and first-use costs):");
        Console.WriteLine($"  lifecycle  {Row(lifecycleRuns.Select(r => r.Phases.Total).ToList())}");
        Console.WriteLine($"  runc run   {Row(runcTimes)}");
        Console.WriteLine($"  crun run   {Row(crunTimes)}");
        List<LifecycleSample> warm = lifecycleRuns.Count > 1 ? lifecycleRuns.Skip(1).ToList() : lifecycleRuns;
        Console.WriteLine($"lifecycle steps, median of {(warm.Count == lifecycleRuns.Count ? "the run" : $"runs 2-{lifecycleRuns.Count}")}, ms:");
        Console.WriteLine($"  create {Median(warm, s => s.Phases.Create)} (compile {Median(warm, s => s.Compile)}, " +
            $"spawn to pid {Median(warm, s => s.SpawnToPid)}, pid to created {Median(warm, s => s.ToCreated)}), " +
            $"start {Median(warm, s => s.Phases.Start)}, wait {Median(warm, s => s.Phases.Wait)}, destroy {Median(warm, s => s.Phases.Destroy)}");
        return 0;
    }

    private static TimeSpan Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>Every run when there are few; else the first, then median, min and max of the rest.</summary>
    private static string Row(List<TimeSpan> times)
    {
        if (times.Count <= 10)
        {
            return string.Join("  ", times.Select(Ms));
        }
        List<TimeSpan> rest = times.Skip(1).Order().ToList();
        return $"first {Ms(times[0])}, then median {Ms(rest[rest.Count / 2])} (min {Ms(rest[0])}, max {Ms(rest[^1])}) over {rest.Count} runs";
    }

    private static string Median(List<LifecycleSample> samples, Func<LifecycleSample, TimeSpan?> step)
    {
        List<TimeSpan> values = samples.Select(step).OfType<TimeSpan>().Order().ToList();
        return values.Count == 0 ? "?" : Ms(values[values.Count / 2]);
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>One lifecycle, with CreateAsync split at the library's log events (null where an event was not seen).</summary>
    private sealed record LifecycleSample(LifecyclePhases Phases, TimeSpan? Compile, TimeSpan? SpawnToPid, TimeSpan? ToCreated)
    {
        /// <summary>
        /// compile: validate the spec and build the plan; spawn to pid: state directory, spawn lc-init,
        /// send the plan, clone the namespaces, record the pid; pid to created: go, the rootfs steps, ready, state.
        /// </summary>
        public static LifecycleSample From(LifecyclePhases phases, EventClock clock)
        {
            if (clock[EventClock.PlanBuilt] is long planned && clock[EventClock.InitCloned] is long cloned &&
                clock[EventClock.ContainerCreated] is long created && planned >= phases.Begin && created <= phases.Created)
            {
                return new LifecycleSample(phases, Stopwatch.GetElapsedTime(phases.Begin, planned),
                    Stopwatch.GetElapsedTime(planned, cloned), Stopwatch.GetElapsedTime(cloned, created));
            }
            return new LifecycleSample(phases, null, null, null);
        }
    }
}
