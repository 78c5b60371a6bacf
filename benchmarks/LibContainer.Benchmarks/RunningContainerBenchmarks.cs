using BenchmarkDotNet.Attributes;
using LibContainer.Spec;

namespace LibContainer.Benchmarks;

/// <summary>
/// Operations on one running container (busybox <c>sleep 3600</c>, made once per benchmark process):
/// pause + resume through the cgroup freezer, and the cgroup statistics. Each operation is well
/// under a millisecond to a few milliseconds, so BenchmarkDotNet's usual throughput job applies.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 20)]
[MedianColumn]
[MemoryDiagnoser(displayGenColumns: false)]
public class RunningContainerBenchmarks
{
    private BenchmarkBundle? _bundle;
    private IContainer? _container;

    private IContainer Container => _container ?? throw new InvalidOperationException("GlobalSetup has not run");

    [GlobalSetup]
    public async Task SetupAsync()
    {
        if (Preflight.FindProblem() is string problem)
        {
            throw new InvalidOperationException(problem);
        }
        _bundle = BenchmarkBundle.Create("sleep", "3600");
        var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = _bundle.LibContainerStateRoot });
        var options = new ContainerOptions { BundlePath = _bundle.BundleDir, Stdin = StdioMode.Null, Stdout = StdioMode.Null, Stderr = StdioMode.Null };
        _container = await factory.RunAsync(_bundle.NextId(), RuntimeSpec.Load(_bundle.ConfigPath), options);
    }

    /// <summary><see cref="IContainer.PauseAsync"/> then <see cref="IContainer.ResumeAsync"/>: each waits until the kernel reports FROZEN, then THAWED.</summary>
    [Benchmark(Description = "Pause+Resume")]
    public async Task PauseResume()
    {
        await Container.PauseAsync();
        await Container.ResumeAsync();
    }

    /// <summary><see cref="IContainer.GetStatsAsync"/>: cpu, memory, pids, blkio from the cgroups, and the network namespace's counters.</summary>
    [Benchmark(Description = "Stats")]
    public Task<ContainerStats> Stats() => Container.GetStatsAsync();

    // TODO(issue 7): exec into the running container (runc exec, crun exec) once IContainer has an
    // exec API; the library has none yet, so there is nothing to measure.

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_container is not null)
        {
            await _container.DestroyAsync();
            _container = null;
        }
        if (_bundle is null)
        {
            return;
        }
        IReadOnlyList<string> leftovers = _bundle.FindLeftovers();
        _bundle.Dispose();
        _bundle = null;
        if (leftovers.Count > 0)
        {
            throw new InvalidOperationException("The container left things behind:\n  " + string.Join("\n  ", leftovers));
        }
    }
}
