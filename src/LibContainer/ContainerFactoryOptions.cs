namespace LibContainer;

/// <summary>Where a factory keeps state and finds its native init.</summary>
public sealed record ContainerFactoryOptions
{
    /// <summary>The default state root, as runc's is /run/runc.</summary>
    public const string DefaultStateRoot = "/run/libcontainer";

    /// <summary>The environment variable that overrides where the native init (lc-init) is.</summary>
    public const string InitPathVariable = "LIBCONTAINER_INIT";

    /// <summary>The directory holding one state directory per container.</summary>
    public string StateRoot { get; init; } = DefaultStateRoot;

    /// <summary>
    /// The native init binary. Null: <c>$LIBCONTAINER_INIT</c>, else <c>lc-init</c> next to the
    /// application, else runtimes/linux-x64/native/lc-init below it.
    /// </summary>
    public string? InitPath { get; init; }

    /// <summary>
    /// How long a wait on a container's init may block the calling thread before it goes
    /// asynchronous: the init's messages during create and exec, the end of the exec fifo during
    /// start, and IProcess.WaitForExitAsync (a process that ends in time is reaped on the caller's
    /// thread). Zero, the default: never; every wait gives the thread back at once. Set it in a
    /// process that makes one call and exits, such as a command line: the first asynchronous wait
    /// of a process starts the library's fd poller thread and the thread pool's threads, which
    /// costs more than a short wait. A cancellation is seen when the blocking part ends. A caller
    /// that wants the exit's task without waiting (to race it against a timer) calls
    /// WaitForExitAsync from a pool thread (Task.Run).
    /// </summary>
    public TimeSpan SynchronousWaitLimit { get; init; }
}
