using BenchmarkDotNet.Attributes;
using LibContainer.Spec;

namespace LibContainer.Benchmarks;

/// <summary>
/// Operations on one running container (busybox <c>sleep 3600</c>, made once per benchmark process):
/// exec of /bin/true into it (in process, and <c>runc exec</c> / <c>crun exec</c> into a container of
/// their own), pause + resume through the cgroup freezer, and the cgroup statistics. Each operation
/// is well under a millisecond to tens of milliseconds, so BenchmarkDotNet's usual throughput job applies.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 5, iterationCount: 20)]
[MedianColumn]
[MemoryDiagnoser(displayGenColumns: false)]
public class RunningContainerBenchmarks
{
    private BenchmarkBundle? _bundle;
    private IContainer? _container;
    private Process? _exec;
    private OciRuntime? _runtime;
    private string? _runtimeId;

    private IContainer Container => _container ?? throw new InvalidOperationException("GlobalSetup has not run");

    private BenchmarkBundle Bundle => _bundle ?? throw new InvalidOperationException("GlobalSetup has not run");

    [GlobalSetup(Targets = [nameof(Exec), nameof(PauseResume), nameof(Stats)])]
    public async Task SetupLibraryAsync()
    {
        CreateBundle();
        var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = Bundle.LibContainerStateRoot });
        var options = new ContainerOptions { BundlePath = Bundle.BundleDir, Stdin = StdioMode.Null, Stdout = StdioMode.Null, Stderr = StdioMode.Null };
        _container = await factory.RunAsync(Bundle.NextId(), RuntimeSpec.Load(Bundle.ConfigPath), options);
        // As `runc exec <id> /bin/true` does: the container's process settings with other arguments.
        _exec = Container.Config.Process! with { Args = ["/bin/true"], Terminal = false };
    }

    [GlobalSetup(Target = nameof(CrunExec))]
    public Task SetupCrunAsync() => SetupRuntimeAsync("crun");

    [GlobalSetup(Target = nameof(RuncExec))]
    public Task SetupRuncAsync() => SetupRuntimeAsync("runc");

    /// <summary>
    /// <see cref="IContainer.ExecAsync"/> of /bin/true (stdio on /dev/null), then its
    /// <see cref="IProcess.WaitForExitAsync"/>: lc-init joins the namespaces, the process joins the cgroups.
    /// </summary>
    [Benchmark(Description = "Exec")]
    public async Task Exec()
    {
        IProcess process = await Container.ExecAsync(_exec!, new ExecOptions { Stdin = StdioMode.Null, Stdout = StdioMode.Null, Stderr = StdioMode.Null });
        ExitStatus status = await process.WaitForExitAsync();
        if (status.Code != 0)
        {
            throw new InvalidOperationException($"exec: {status}, expected exit code 0");
        }
    }

    /// <summary><c>crun exec &lt;id&gt; /bin/true</c> into crun's own running container, as a child process (it waits for the exit).</summary>
    [Benchmark(Description = "crun exec")]
    public Task CrunExec() => _runtime!.ExecAsync(_runtimeId!, ["/bin/true"]);

    /// <summary><c>runc exec &lt;id&gt; /bin/true</c> into runc's own running container.</summary>
    [Benchmark(Description = "runc exec")]
    public Task RuncExec() => _runtime!.ExecAsync(_runtimeId!, ["/bin/true"]);

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

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_container is not null)
        {
            await _container.DestroyAsync();
            _container = null;
        }
        if (_runtime is not null && _runtimeId is not null)
        {
            await _runtime.DeleteAsync(_runtimeId, force: true);
            _runtimeId = null;
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

    private void CreateBundle()
    {
        if (Preflight.FindProblem() is string problem)
        {
            throw new InvalidOperationException(problem);
        }
        _bundle = BenchmarkBundle.Create("sleep", "3600");
    }

    private async Task SetupRuntimeAsync(string name)
    {
        CreateBundle();
        _runtime = new OciRuntime(name, OciRuntime.Find(name)!, name == "crun" ? Bundle.CrunRoot : Bundle.RuncRoot);
        string id = Bundle.NextId();
        await _runtime.CreateAsync(Bundle.BundleDir, id);
        _runtimeId = id;
        await _runtime.StartAsync(id);
    }
}
