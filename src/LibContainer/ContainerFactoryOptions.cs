namespace LibContainer;

/// <summary>Where a factory keeps state and finds its native init.</summary>
public sealed record ContainerFactoryOptions
{
    /// <summary>The default state root of root, as runc's is /run/runc.</summary>
    public const string DefaultStateRoot = "/run/libcontainer";

    private string? _stateRoot;

    /// <summary>The environment variable that overrides where the native init (lc-init) is.</summary>
    public const string InitPathVariable = "LIBCONTAINER_INIT";

    /// <summary>
    /// The directory holding one state directory per container. Default: <see cref="DefaultStateRoot"/>
    /// as root; without root <c>$XDG_RUNTIME_DIR/libcontainer</c>, as runc uses
    /// <c>$XDG_RUNTIME_DIR/runc</c> (without root and without XDG_RUNTIME_DIR, reading it throws: set it).
    /// </summary>
    /// <exception cref="InvalidOperationException">Not set, not root, and XDG_RUNTIME_DIR is not set.</exception>
    public string StateRoot
    {
        get => _stateRoot ?? DefaultFor(Tmds.Linux.LibC.geteuid(), Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR"));
        set => _stateRoot = value;
    }

    internal static string DefaultFor(uint euid, string? runtimeDir)
    {
        if (euid == 0)
        {
            return DefaultStateRoot;
        }
        return runtimeDir is { Length: > 0 }
            ? Path.Combine(runtimeDir, "libcontainer")
            : throw new InvalidOperationException(
                $"ContainerFactoryOptions.StateRoot: not running as root (uid {euid}) and XDG_RUNTIME_DIR is not set; " +
                $"set StateRoot to a directory this user may write (the root's default, {DefaultStateRoot}, is root's).");
    }

    /// <summary>
    /// The native init binary. Null: <c>$LIBCONTAINER_INIT</c>, else <c>lc-init</c> next to the
    /// application, else runtimes/linux-x64/native/lc-init below it.
    /// </summary>
    public string? InitPath { get; set; }

    /// <summary>
    /// How long a wait on a container's init may block the calling thread before it goes
    /// asynchronous: the init's messages during create and exec, the end of the exec fifo during
    /// start, and IProcess.WaitForExitAsync (a process that ends in time is reaped on the caller's
    /// thread). Zero, the default: never; every wait gives the thread back at once. Set it in a
    /// process that makes one call and exits, such as a command line: the first asynchronous wait
    /// of a process starts the library's fd poller thread and the thread pool's threads, which
    /// costs more than a short wait; with a limit, the exit of a container's init or an exec'd process
    /// is watched only from the first wait on (or destroy), as for a detached one, so a caller that
    /// blocks for it starts neither. A cancellation is seen when the blocking part ends. A caller
    /// that wants the exit's task without waiting (to race it against a timer) calls
    /// WaitForExitAsync from a pool thread (Task.Run).
    /// </summary>
    public TimeSpan SynchronousWaitLimit { get; set; }
}
