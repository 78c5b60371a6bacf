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
        long t0 = Stopwatch.GetTimestamp();
        IContainer container = await _factory.CreateAsync(id, _spec, _options, cancellationToken);
        long t1, t2, t3;
        ExitStatus status;
        try
        {
            t1 = Stopwatch.GetTimestamp();
            await container.StartAsync(cancellationToken);
            t2 = Stopwatch.GetTimestamp();
            status = await container.InitProcess.WaitForExitAsync(cancellationToken);
            t3 = Stopwatch.GetTimestamp();
        }
        finally
        {
            await container.DestroyAsync(CancellationToken.None);
        }
        long t4 = Stopwatch.GetTimestamp();
        if (status.Code != 0)
        {
            throw new InvalidOperationException($"container {id}: {status}, expected exit code 0");
        }
        return new LifecyclePhases(t0, t1, t2, t3, t4);
    }
}
