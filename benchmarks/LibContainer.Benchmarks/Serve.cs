using System.Globalization;

namespace LibContainer.Benchmarks;

/// <summary>
/// <c>--serve [--warmup N] [--state-root DIR]</c>: the embedded lifecycle for compare.sh and trace.sh. One warm
/// <see cref="ContainerFactory"/> runs one /bin/true container (create, start, wait, destroy) per
/// line <c>run</c> read on stdin, so the caller decides when, and interleaves it with the other
/// variants. The protocol, one line each:
/// <code>
/// out: ready &lt;pid&gt; &lt;bundle dir&gt; &lt;id stem&gt; &lt;runc root&gt; &lt;crun root&gt;    after N warm-up lifecycles (default 10)
/// in:  run
/// out: &lt;total&gt; &lt;create&gt; &lt;start&gt; &lt;wait&gt; &lt;destroy&gt; &lt;cpu&gt;              microseconds, measured in this process;
///                                                                     cpu: user + system of the process and the children it reaped
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

    public static async Task<int> RunAsync(int warmup, string? stateRoot)
    {
        using BenchmarkBundle bundle = BenchmarkBundle.Create();
        var lifecycle = new LibContainerLifecycle(bundle, stateRoot: stateRoot);
        try
        {
            // Warm: JIT (tier 0 and the first tier-1 promotions), the thread pool, the epoll thread, the page cache.
            for (int i = 0; i < warmup; i++)
            {
                await lifecycle.RunAsync();
            }
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
                    + " " + cpu.ToString(CultureInfo.InvariantCulture));
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

    private static string Microseconds(TimeSpan t) => (t.Ticks / 10).ToString(CultureInfo.InvariantCulture);
}
