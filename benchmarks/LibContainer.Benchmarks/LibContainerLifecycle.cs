using System.Diagnostics;
using LibContainer.Spec;
using Microsoft.Extensions.Logging;

namespace LibContainer.Benchmarks;

/// <summary>
/// The in-process API on the bundle: CreateAsync, StartAsync, InitProcess.WaitForExitAsync, DestroyAsync,
/// stdio on /dev/null. The spec is read from the bundle's config.json once and reused.
/// </summary>
internal sealed class LibContainerLifecycle
{
    private readonly ContainerFactory _factory;
    private readonly RuntimeSpec _spec;
    private readonly ContainerOptions _options;
    private readonly BenchmarkBundle _bundle;

    /// <param name="bundle">The bundle; its state root holds the containers' state unless <paramref name="stateRoot"/> says otherwise.</param>
    /// <param name="loggerFactory">The library's logger (none by default).</param>
    /// <param name="stateRoot">Another state root (e.g. on tmpfs), to see what the state files cost.</param>
    /// <param name="synchronousWait">The factory's <see cref="ContainerFactoryOptions.SynchronousWaitLimit"/> (zero, the default: every wait asynchronous).</param>
    public LibContainerLifecycle(BenchmarkBundle bundle, ILoggerFactory? loggerFactory = null, string? stateRoot = null, TimeSpan synchronousWait = default)
    {
        _bundle = bundle;
        _factory = new ContainerFactory(new ContainerFactoryOptions
        {
            StateRoot = stateRoot ?? bundle.LibContainerStateRoot,
            SynchronousWaitLimit = synchronousWait,
        }, loggerFactory);
        _spec = RuntimeSpec.Load(bundle.ConfigPath);
        _options = new ContainerOptions
        {
            BundlePath = bundle.BundleDir,
            Stdin = StdioMode.Null,
            Stdout = StdioMode.Null,
            Stderr = StdioMode.Null,
        };
    }

    /// <summary>One container from create to destroy; throws unless it exited 0.</summary>
    public async Task<LifecyclePhases> RunAsync(CancellationToken cancellationToken = default)
    {
        string id = _bundle.NextId();
        long c0 = CpuTime.Microseconds();
        long t0 = Stopwatch.GetTimestamp();
        IContainer container = await _factory.CreateAsync(id, _spec, _options, cancellationToken);
        long t1, t2, t3, c1, c2, c3;
        ExitStatus status;
        try
        {
            t1 = Stopwatch.GetTimestamp();
            c1 = CpuTime.Microseconds();
            await container.StartAsync(cancellationToken);
            t2 = Stopwatch.GetTimestamp();
            c2 = CpuTime.Microseconds();
            status = await container.InitProcess.WaitForExitAsync(cancellationToken);
            t3 = Stopwatch.GetTimestamp();
            c3 = CpuTime.Microseconds();
        }
        finally
        {
            await container.DestroyAsync(CancellationToken.None);
        }
        long t4 = Stopwatch.GetTimestamp();
        long c4 = CpuTime.Microseconds();
        if (status.Code != 0)
        {
            throw new InvalidOperationException($"container {id}: {status}, expected exit code 0");
        }
        return new LifecyclePhases(t0, t1, t2, t3, t4, c0, c1, c2, c3, c4);
    }
}
