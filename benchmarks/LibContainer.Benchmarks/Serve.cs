using System.Globalization;

namespace LibContainer.Benchmarks;

/// <summary>
/// <c>--serve [--warmup N] [--state-root DIR] [--synchronous-wait-ms N]</c>: the embedded lifecycle for compare.sh and trace.sh. One warm
/// <see cref="ContainerFactory"/> runs one /bin/true container (create, start, wait, destroy) per
/// line <c>run</c> read on stdin, so the caller decides when, and interleaves it with the other
/// variants. The protocol, one line each:
/// <code>
/// out: ready &lt;pid&gt; &lt;bundle dir&gt; &lt;id stem&gt; &lt;runc root&gt; &lt;crun root&gt;    after N warm-up lifecycles (default 10), then more until the JIT is quiet
/// in:  run
/// out: &lt;total&gt; &lt;create&gt; &lt;start&gt; &lt;wait&gt; &lt;destroy&gt; &lt;cpu&gt; &lt;cpu of create&gt; &lt;start&gt; &lt;wait&gt; &lt;destroy&gt;
///                                                                     microseconds, measured in this process; cpu: user + system
///                                                                     of the process and the children it reaped, in all and per step
/// out: error &lt;message on one line&gt;                                  and exit 1
/// in:  quit (or end of input)
/// out: leftovers none | leftovers &lt;n&gt;: &lt;what&gt;; ...                then the bundle is deleted; exit 0 or 1
/// </code>
/// The caller names its runc and crun containers with the id stem and keeps their state in the
/// roots given, so the leftover check at the end covers them too (state entries, cgroups).
/// </summary>
internal static class Serve
{
    public const int DefaultWarmup = 10;

    public static async Task<int> RunAsync(int warmup, string? stateRoot, TimeSpan synchronousWait = default)
    {
        using BenchmarkBundle bundle = BenchmarkBundle.Create();
        var lifecycle = new LibContainerLifecycle(bundle, stateRoot: stateRoot, synchronousWait: synchronousWait);
        try
        {
            // Warm: the thread pool, the epoll thread, the page cache, and the JIT until it is done (below).
            for (int i = 0; i < warmup; i++)
            {
                await lifecycle.RunAsync();
            }
            (int lifecycles, long methods) = await WarmJitAsync(lifecycle, warmup);
            await Console.Error.WriteLineAsync($"serve: JIT steady after {warmup + lifecycles} warm-up lifecycles ({methods} methods compiled)");
            Console.WriteLine($"ready {Environment.ProcessId} {bundle.BundleDir} {BenchmarkBundle.IdStem} {bundle.RuncRoot} {bundle.CrunRoot}");
            while (Console.ReadLine() is string line && line != "quit")
            {
                if (line != "run")
                {
                    Console.WriteLine($"error unknown command '{line}' (run, quit)");
                    return 1;
                }
                long cpu = CpuTime.Microseconds();
                LifecyclePhases phases = await lifecycle.RunAsync();
                cpu = CpuTime.Microseconds() - cpu;
                Console.WriteLine(string.Join(' ', new[] { phases.Total, phases.Create, phases.Start, phases.Wait, phases.Destroy }.Select(Microseconds))
                    + " " + cpu.ToString(CultureInfo.InvariantCulture)
                    + " " + string.Join(' ', phases.CpuMicroseconds.Select(c => c.ToString(CultureInfo.InvariantCulture))));
            }
        }
        catch (Exception ex)
        {
            Console.WriteLine($"error {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
            await Console.Error.WriteLineAsync(ex.ToString());
            return 1;
        }
        List<string> leftovers = [.. bundle.FindLeftovers()];
        if (stateRoot is not null && Directory.Exists(stateRoot))
        {
            leftovers.AddRange(Directory.EnumerateFileSystemEntries(stateRoot, BenchmarkBundle.IdStem + "*").Select(e => $"state entry {e}"));
        }
        Console.WriteLine(leftovers.Count == 0 ? "leftovers none" : $"leftovers {leftovers.Count}: {string.Join("; ", leftovers)}");
        return leftovers.Count == 0 ? 0 : 1;
    }

    /// <summary>
    /// Runs lifecycles until the JIT has nothing left to compile: no method compiled during
    /// <see cref="QuietLifecycles"/> lifecycles in a row, each followed by a pause longer than the
    /// runtime's tiering delay (100 ms), so the background tier-up runs. A long-running host is in
    /// that state after its first few hundred containers; measured before it, the tiered compilation
    /// thread took half the process's CPU time (tier 0, then instrumented tier 1 for dynamic PGO, then
    /// tier 1: a method called once per lifecycle needs 60 calls and two tiering delays). Capped at
    /// <see cref="MaxJitWarmup"/> lifecycles. Returns how many it ran and the process's compiled methods.
    /// </summary>
    private static async Task<(int Lifecycles, long Methods)> WarmJitAsync(LibContainerLifecycle lifecycle, int warmup)
    {
        int quiet = 0, ran = 0;
        long before = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (warmup > 0 && quiet < QuietLifecycles && ran < MaxJitWarmup)
        {
            await lifecycle.RunAsync();
            await Task.Delay(150);
            ran++;
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            quiet = now == before ? quiet + 1 : 0;
            before = now;
        }
        return (ran, before);
    }

    private const int QuietLifecycles = 5;
    private const int MaxJitWarmup = 600;

    private static string Microseconds(TimeSpan t) => (t.Ticks / 10).ToString(CultureInfo.InvariantCulture);
}
