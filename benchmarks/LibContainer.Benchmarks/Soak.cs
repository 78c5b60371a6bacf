using System.Globalization;
using LibContainer.Processes;
using LibContainer.Spec;
using LibContainer.State;

namespace LibContainer.Benchmarks;

/// <summary>
/// <c>--soak [--count N]</c>: N lifecycles (RunAsync of <c>true</c>, wait, destroy), N execs of
/// <c>true</c> into one running container, and N/10 concurrent batches of 10 lifecycles, in one
/// process. Every 5% of each phase it samples fds, threads, resident set, managed heap (after a full
/// collection), the Reaper's watches, the state lock table and our children; the slope of each over
/// the second half of a phase (after warm-up), per 1,000 operations, must be zero for the counts
/// (their fitted growth over that half under 2).
/// </summary>
internal static class Soak
{
    public const int DefaultCount = 5000;

    private const int Samples = 20;

    private sealed record Sample(int Done, int Fds, int Threads, double RssMb, double ManagedMb, int Watches, int Locks, int Children);

    public static async Task<int> RunAsync(int count)
    {
        using BenchmarkBundle bundle = BenchmarkBundle.Create("true");
        var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = bundle.LibContainerStateRoot });
        RuntimeSpec spec = RuntimeSpec.Load(bundle.ConfigPath);
        var quiet = new ContainerOptions { BundlePath = bundle.BundleDir, Stdin = StdioMode.Null, Stdout = StdioMode.Null, Stderr = StdioMode.Null };
        var execQuiet = new ExecOptions { Stdout = StdioMode.Null, Stderr = StdioMode.Null };

        async Task LifecycleAsync()
        {
            IContainer c = await factory.RunAsync(bundle.NextId(), spec, quiet);
            await c.InitProcess.WaitForExitAsync();
            await c.DestroyAsync();
            await c.DisposeAsync();
        }

        Console.WriteLine($"soak: {count} lifecycles, {count} execs, {count / 10} batches of 10 concurrent lifecycles");
        var phases = new List<(string Name, List<Sample> Samples, TimeSpan Time)>();
        phases.Add(await PhaseAsync("lifecycles (RunAsync true, wait, destroy)", count, _ => LifecycleAsync()));

        RuntimeSpec sleeper = spec with { Process = spec.Process! with { Args = ["sleep", "100000"] } };
        IContainer target = await factory.RunAsync(bundle.NextId(), sleeper, quiet);
        var exec = new Process { Args = ["true"], Cwd = "/", User = new User { Uid = 0, Gid = 0 }, Env = ["PATH=/bin"] };
        phases.Add(await PhaseAsync("execs (true, wait)", count, async _ =>
        {
            IProcess p = await target.ExecAsync(exec, execQuiet);
            await p.WaitForExitAsync();
        }));
        await target.DestroyAsync();
        await target.DisposeAsync();

        phases.Add(await PhaseAsync("batches of 10 concurrent lifecycles", count / 10,
            _ => Task.WhenAll(Enumerable.Range(0, 10).Select(_ => LifecycleAsync()))));

        Console.WriteLine();
        Console.WriteLine("| phase | ops | s | fds | threads | RSS MB | managed MB | Reaper watches | lock table | children |");
        Console.WriteLine("|---|---:|---:|---|---|---|---|---|---|---|");
        bool flat = true;
        foreach ((string name, List<Sample> samples, TimeSpan time) in phases)
        {
            int ops = samples[^1].Done;
            string Col(Func<Sample, double> f, bool mustBeFlat, string format)
            {
                double slope = Slope(samples, f) * 1000;
                // Flat: the fitted growth over the second half stays under 2 (one fd or watch of
                // noise at a sample passes; one per 100 operations fails from a few hundred on).
                if (mustBeFlat && Math.Abs(slope) * ops / 2 / 1000 >= 2)
                {
                    flat = false;
                }
                return $"{f(samples[0]).ToString(format, CultureInfo.InvariantCulture)} -> {f(samples[^1]).ToString(format, CultureInfo.InvariantCulture)} " +
                    $"({slope.ToString("+0.00;-0.00;0", CultureInfo.InvariantCulture)}/1k)";
            }
            Console.WriteLine($"| {name} | {ops} | {time.TotalSeconds:0} | {Col(s => s.Fds, true, "0")} | {Col(s => s.Threads, false, "0")} | " +
                $"{Col(s => s.RssMb, false, "0.0")} | {Col(s => s.ManagedMb, false, "0.00")} | {Col(s => s.Watches, true, "0")} | {Col(s => s.Locks, true, "0")} | " +
                $"{Col(s => s.Children, true, "0")} |");
        }
        Console.WriteLine("(first sample -> last, and the slope per 1,000 operations over the second half of the phase)");
        string[] leftovers = Directory.Exists(bundle.LibContainerStateRoot) ? Directory.GetDirectories(bundle.LibContainerStateRoot) : [];
        Console.WriteLine(flat && leftovers.Length == 0 ? "soak: ok (fds, Reaper watches, lock table and children flat; nothing left)" : $"soak: FAILED ({leftovers.Length} state directories left)");
        return flat && leftovers.Length == 0 ? 0 : 1;
    }

    private static async Task<(string, List<Sample>, TimeSpan)> PhaseAsync(string name, int count, Func<int, Task> operation)
    {
        var samples = new List<Sample> { Take(0) };
        int every = Math.Max(1, count / Samples);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 1; i <= count; i++)
        {
            await operation(i);
            if (i % every == 0 || i == count)
            {
                samples.Add(Take(i));
            }
        }
        Console.WriteLine($"  {name}: {count} in {clock.Elapsed.TotalSeconds:0.0} s");
        return (name, samples, clock.Elapsed);
    }

    private static Sample Take(int done)
    {
        HostProcess.MemorySnapshot memory = HostProcess.MemorySnapshot.Take();
        return new Sample(done, Directory.GetFiles("/proc/self/fd").Length, memory.Threads, memory.RssBytes / 1048576.0, memory.ManagedBytes / 1048576.0,
            Reaper.Shared.Count, StateDirectory.LockTableEntries.Count, HostProcess.Children().Count);
    }

    /// <summary>Least-squares slope of a metric against operations done, over the second half of the samples (after warm-up).</summary>
    private static double Slope(List<Sample> samples, Func<Sample, double> metric)
    {
        List<Sample> half = samples.Skip(samples.Count / 2).ToList();
        double mx = half.Average(s => (double)s.Done), my = half.Average(metric);
        double num = half.Sum(s => (s.Done - mx) * (metric(s) - my)), den = half.Sum(s => (s.Done - mx) * (s.Done - mx));
        return den == 0 ? 0 : num / den;
    }
}
