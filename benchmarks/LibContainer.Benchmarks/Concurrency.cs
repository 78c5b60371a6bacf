using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using LibContainer.Spec;

namespace LibContainer.Benchmarks;

/// <summary>
/// <c>--concurrency [--count N] [--sequential]</c>: N containers (default 200) running <c>sleep 30</c>,
/// started all at once (with <c>--sequential</c>: one after another), first through the library in
/// this process (CreateAsync + StartAsync per container, all awaited together), then through crun
/// (<c>crun create</c> + <c>crun start</c> per container, all at once: <c>crun run --detach</c> would
/// need a console socket or inherited stdio). Every container must start. While the library's
/// containers run it measures this process's memory and lists its children (only the containers'
/// init processes may be there: no helper per container); then it starts half as many again, to
/// measure the growth without the first burst's one-off costs. Everything is destroyed and checked
/// for leftovers, also when something failed.
/// </summary>
internal static class Concurrency
{
    public const int DefaultCount = 200;

    private const int Warmup = 3;

    public static async Task<int> RunAsync(int count, bool sequential)
    {
        using BenchmarkBundle bundle = BenchmarkBundle.Create("sleep", "30");
        Console.WriteLine($"concurrency: {count} containers running `sleep 30`, " +
            (sequential ? "started one after another, then destroyed one after another" : "all started at once, then all destroyed at once"));
        LibraryResult library;
        CrunResult crun;
        try
        {
            library = await RunLibraryAsync(bundle, count, sequential);
            crun = await RunCrunAsync(bundle, count, sequential);
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"concurrency: FAILED: {ex}");
            ReportLeftovers(bundle);
            return 1;
        }

        Console.WriteLine();
        Console.WriteLine($"| {count} containers | start all (s) | containers/s | destroy all (s) | containers/s |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Console.WriteLine($"| library, in process (CreateAsync + StartAsync; DestroyAsync) | {S(library.Start)} | {Rate(count, library.Start)} | " +
            $"{S(library.Destroy)} ({library.Destroyed}) | {Rate(library.Destroyed, library.Destroy)} |");
        Console.WriteLine($"| crun (create + start; delete --force) | {S(crun.Start)} | {Rate(count, crun.Start)} | {S(crun.Destroy)} | {Rate(count, crun.Destroy)} |");
        Console.WriteLine($"| library / crun | | {F(crun.Start / library.Start)}x | | {F(library.Destroyed / library.Destroy.TotalSeconds / (count / crun.Destroy.TotalSeconds))}x |");
        Console.WriteLine();
        (HostProcess.MemorySnapshot before, HostProcess.MemorySnapshot running, HostProcess.MemorySnapshot more, HostProcess.MemorySnapshot after) =
            (library.Before, library.Running, library.RunningMore, library.After);
        Console.WriteLine($"library host process: idle (after {Warmup} warm-up containers) -> {count} running -> {count + library.More} running -> all destroyed, MB;");
        Console.WriteLine($"growth per 100 running containers: idle to {count} | {count} to {count + library.More}:");
        Console.WriteLine($"  managed heap (GC.GetTotalMemory after a full GC): {Row(before, running, more, after, m => m.ManagedBytes, count, library.More)}");
        Console.WriteLine($"  GC committed (GCMemoryInfo.TotalCommittedBytes):  {Row(before, running, more, after, m => m.GcCommittedBytes, count, library.More)}");
        Console.WriteLine($"  resident set (VmRSS):                             {Row(before, running, more, after, m => m.RssBytes, count, library.More)}");
        Console.WriteLine($"    of which anonymous (RssAnon):                   {Row(before, running, more, after, m => m.RssAnonBytes, count, library.More)}");
        Console.WriteLine($"    of which file-backed (RssFile):                 {Row(before, running, more, after, m => m.RssFileBytes, count, library.More)}");
        Console.WriteLine($"  threads: {before.Threads} -> {running.Threads} -> {more.Threads} -> {after.Threads}");
        Console.WriteLine($"children of the benchmark process while {count} containers ran: {library.Children.Count} " +
            $"({library.Children.Count(c => library.InitPids.Contains(c.Pid))} container init processes '{string.Join(",", library.Children.Select(c => c.Name).Distinct())}', " +
            $"{library.Children.Count(c => !library.InitPids.Contains(c.Pid))} other)");
        IReadOnlyList<string> leftovers = ReportLeftovers(bundle);
        bool ok = leftovers.Count == 0 && library.Children.All(c => library.InitPids.Contains(c.Pid)) && library.Children.Count == count;
        Console.WriteLine(ok ? "concurrency: ok (all started, no helper process per container, nothing left behind)" : "concurrency: FAILED");
        return ok ? 0 : 1;
    }

    private sealed record LibraryResult(TimeSpan Start, TimeSpan Destroy, int Destroyed, HostProcess.MemorySnapshot Before, HostProcess.MemorySnapshot Running,
        int More, HostProcess.MemorySnapshot RunningMore, HostProcess.MemorySnapshot After, IReadOnlyList<(int Pid, string Name)> Children, IReadOnlySet<int> InitPids);

    private sealed record CrunResult(TimeSpan Start, TimeSpan Destroy);

    private static async Task<LibraryResult> RunLibraryAsync(BenchmarkBundle bundle, int count, bool sequential)
    {
        var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = bundle.LibContainerStateRoot });
        RuntimeSpec spec = RuntimeSpec.Load(bundle.ConfigPath);
        var options = new ContainerOptions { BundlePath = bundle.BundleDir, Stdin = StdioMode.Null, Stdout = StdioMode.Null, Stderr = StdioMode.Null };
        var made = new ConcurrentBag<IContainer>();
        try
        {
            // Warm: JIT and first-use costs of every step, so the growth below is per container.
            for (int i = 0; i < Warmup; i++)
            {
                IContainer warm = await factory.RunAsync(bundle.NextId(), spec, options);
                await warm.DestroyAsync();
            }
            HostProcess.MemorySnapshot before = HostProcess.MemorySnapshot.Take();

            long begin = Stopwatch.GetTimestamp();
            await AllAsync(count, sequential, async () =>
            {
                IContainer container = await factory.CreateAsync(bundle.NextId(), spec, options);
                made.Add(container);
                await container.StartAsync();
            }, "library: start");
            TimeSpan start = Stopwatch.GetElapsedTime(begin);

            List<IContainer> notRunning = made.Where(c => c.Status != ContainerStatus.Running).ToList();
            if (notRunning.Count > 0)
            {
                throw new InvalidOperationException($"library: {notRunning.Count} containers are not running: {string.Join(", ", notRunning.Take(5).Select(c => $"{c.Id} {c.Status}"))}");
            }
            HostProcess.MemorySnapshot running = HostProcess.MemorySnapshot.Take();
            IReadOnlyList<(int Pid, string Name)> children = HostProcess.Children();
            var initPids = made.Select(c => c.InitProcess.Pid).ToHashSet();

            // Half as many again, the same way: the growth between the two snapshots is per
            // container, without the one-off costs of the first burst (tier-1 JIT, the GC's budget).
            int more = count / 2;
            await AllAsync(more, sequential, async () =>
            {
                IContainer container = await factory.CreateAsync(bundle.NextId(), spec, options);
                made.Add(container);
                await container.StartAsync();
            }, "library: start more");
            HostProcess.MemorySnapshot runningMore = HostProcess.MemorySnapshot.Take();

            begin = Stopwatch.GetTimestamp();
            IContainer[] toDestroy = [.. made];
            await AllAsync(toDestroy.Length, sequential, i => toDestroy[i].DestroyAsync(), "library: destroy");
            TimeSpan destroy = Stopwatch.GetElapsedTime(begin);
            made.Clear();
            HostProcess.MemorySnapshot after = HostProcess.MemorySnapshot.Take();
            return new LibraryResult(start, destroy, toDestroy.Length, before, running, more, runningMore, after, children, initPids);
        }
        finally
        {
            foreach (IContainer container in made)
            {
                await container.DestroyAsync(); // idempotent; only what a failure left
            }
        }
    }

    private static async Task<CrunResult> RunCrunAsync(BenchmarkBundle bundle, int count, bool sequential)
    {
        var crun = new OciRuntime("crun", OciRuntime.Find("crun")!, bundle.CrunRoot);
        var made = new ConcurrentBag<string>();
        try
        {
            for (int i = 0; i < Warmup; i++)
            {
                string id = bundle.NextId();
                await crun.CreateAsync(bundle.BundleDir, id);
                made.Add(id);
                await crun.StartAsync(id);
                await crun.DeleteAsync(id, force: true);
            }
            made.Clear();

            long begin = Stopwatch.GetTimestamp();
            await AllAsync(count, sequential, async () =>
            {
                string id = bundle.NextId();
                made.Add(id); // before create: a create that fails half-way may leave state to delete
                await crun.CreateAsync(bundle.BundleDir, id);
                await crun.StartAsync(id);
            }, "crun: start");
            TimeSpan start = Stopwatch.GetElapsedTime(begin);

            string[] statuses = await Task.WhenAll(made.Select(id => crun.StatusAsync(id)));
            int runningCount = statuses.Count(s => s == "running");
            if (runningCount != count)
            {
                throw new InvalidOperationException($"crun: {runningCount} of {count} containers are running");
            }

            begin = Stopwatch.GetTimestamp();
            string[] toDelete = [.. made];
            await AllAsync(toDelete.Length, sequential, i => crun.DeleteAsync(toDelete[i], force: true), "crun: delete");
            TimeSpan destroy = Stopwatch.GetElapsedTime(begin);
            made.Clear();
            return new CrunResult(start, destroy);
        }
        finally
        {
            foreach (string id in made.Concat(await ListOrEmptyAsync(crun)).Distinct())
            {
                try
                {
                    await crun.DeleteAsync(id, force: true);
                }
                catch (InvalidOperationException)
                {
                    // never created, or gone already
                }
            }
        }
    }

    private static async Task<IReadOnlyList<string>> ListOrEmptyAsync(OciRuntime runtime)
    {
        try
        {
            return await runtime.ListAsync();
        }
        catch (InvalidOperationException)
        {
            return [];
        }
    }

    private static Task AllAsync(int count, bool sequential, Func<Task> operation, string what) =>
        AllAsync(count, sequential, _ => operation(), what);

    /// <summary>
    /// Runs <paramref name="operation"/> for 0 to count-1: all at once on the thread pool, or one after
    /// another; either way every one runs, and if any failed, one exception names how many and the first few errors.
    /// </summary>
    private static async Task AllAsync(int count, bool sequential, Func<int, Task> operation, string what)
    {
        Task[] tasks;
        if (sequential)
        {
            tasks = new Task[count];
            for (int i = 0; i < count; i++)
            {
                tasks[i] = operation(i);
                try
                {
                    await tasks[i];
                }
                catch (Exception) when (tasks[i].IsFaulted)
                {
                    // counted below with the others
                }
            }
        }
        else
        {
            tasks = Enumerable.Range(0, count).Select(i => Task.Run(() => operation(i))).ToArray();
        }
        await WhenAllOrThrow(tasks, what);
    }

    /// <summary>Waits for all; if any failed, throws one exception that names how many and the first few errors.</summary>
    private static async Task WhenAllOrThrow(Task[] tasks, string what)
    {
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception)
        {
            // Every exception is looked at below, not only the first.
        }
        List<Exception> errors = tasks.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions).ToList();
        if (errors.Count > 0)
        {
            throw new AggregateException($"{what}: {errors.Count} of {tasks.Length} failed", errors.Take(3));
        }
    }

    private static IReadOnlyList<string> ReportLeftovers(BenchmarkBundle bundle)
    {
        IReadOnlyList<string> leftovers = bundle.FindLeftovers();
        foreach (string leftover in leftovers)
        {
            Console.Error.WriteLine($"concurrency: left behind: {leftover}");
        }
        return leftovers;
    }

    /// <summary>"a -> b -> c -> d (+x | +y per 100)" of one measure, in MB.</summary>
    private static string Row(HostProcess.MemorySnapshot before, HostProcess.MemorySnapshot running, HostProcess.MemorySnapshot more,
        HostProcess.MemorySnapshot after, Func<HostProcess.MemorySnapshot, long> measure, int count, int moreCount) =>
        $"{Mb(measure(before))} -> {Mb(measure(running))} -> {Mb(measure(more))} -> {Mb(measure(after))} " +
        $"({SignedMb((measure(running) - measure(before)) * 100 / count)} | {SignedMb((measure(more) - measure(running)) * 100 / Math.Max(1, moreCount))} per 100)";

    private static string SignedMb(long bytes) => (bytes / 1048576.0).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture);

    private static string S(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);

    private static string F(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Rate(int count, TimeSpan t) => (count / t.TotalSeconds).ToString("0", CultureInfo.InvariantCulture);

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
}
