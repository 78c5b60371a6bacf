using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace LibContainer.Benchmarks;

/// <summary>
/// One short-lived container (/bin/true in a busybox bundle), from nothing to nothing left: crun run
/// and runc run as external processes, and the library's in-process lifecycle. Each call is tens of
/// milliseconds, so one call per iteration (Monitoring: no pilot, no overhead subtraction).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 5, iterationCount: 40)]
[MinColumn]
[MaxColumn]
[MedianColumn]
[MemoryDiagnoser(displayGenColumns: false)]
public class ContainerBenchmarks
{
    private BenchmarkBundle? _bundle;
    private OciRuntime? _runc;
    private OciRuntime? _crun;
    private LibContainerLifecycle? _lifecycle;

    private BenchmarkBundle Bundle => _bundle ?? throw new InvalidOperationException("GlobalSetup has not run");

    [GlobalSetup]
    public void Setup()
    {
        if (Preflight.FindProblem() is string problem)
        {
            throw new InvalidOperationException(problem);
        }
        _bundle = BenchmarkBundle.Create();
        _runc = new OciRuntime("runc", OciRuntime.Find("runc")!, _bundle.RuncRoot);
        _crun = new OciRuntime("crun", OciRuntime.Find("crun")!, _bundle.CrunRoot);
        _lifecycle = new LibContainerLifecycle(_bundle);
    }

    /// <summary><c>crun --root &lt;tmp&gt; run --bundle &lt;bundle&gt; &lt;id&gt;</c>: create, start, wait, delete.</summary>
    [Benchmark(Baseline = true, Description = "crun run")]
    public void CrunRun() => _crun!.Run(Bundle.BundleDir, Bundle.NextId());

    /// <summary><c>runc --root &lt;tmp&gt; run --bundle &lt;bundle&gt; &lt;id&gt;</c>: create, start, wait, delete.</summary>
    [Benchmark(Description = "runc run")]
    public void RuncRun() => _runc!.Run(Bundle.BundleDir, Bundle.NextId());

    /// <summary>LibContainer in process: CreateAsync, StartAsync, WaitForExitAsync, DestroyAsync.</summary>
    [Benchmark(Description = "Lifecycle")]
    public Task Lifecycle() => _lifecycle!.RunAsync();

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_bundle is null)
        {
            return;
        }
        IReadOnlyList<string> leftovers = _bundle.FindLeftovers();
        _bundle.Dispose();
        _bundle = null;
        if (leftovers.Count > 0)
        {
            throw new InvalidOperationException("The containers left things behind:\n  " + string.Join("\n  ", leftovers));
        }
    }
}
