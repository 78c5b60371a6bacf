using LibContainer.Cgroups;
using LibContainer.Interop;
using LibContainer.Logging;
using LibContainer.Processes;
using LibContainer.Spec;
using LibContainer.State;
using Microsoft.Extensions.Logging;

namespace LibContainer;

/// <summary>The Linux container: its state directory, its init process, and the operations on both.</summary>
internal sealed partial class Container : IContainer
{
    /// <summary>The spec version this runtime implements, reported in the OCI state.</summary>
    public const string OciVersion = "1.2.0";

    private readonly StateDirectory _dir;
    private readonly ILogger _logger;
    private readonly CgroupManager? _cgroups;
    private readonly Func<string> _initPath;
    private readonly TimeSpan _synchronousWait;
    private readonly SpecSummary _summary;
    private RuntimeSpec? _config;
    private readonly StoredState _state;
    private SafeFd? _startReader; // RunAsync's: the exec fifo's reader, opened by create (StartWhenReady)

    private Container(StateDirectory dir, StoredState state, RuntimeSpec config, ContainerProcess init, CgroupManager? cgroups, string initPath,
        TimeSpan synchronousWait, ILogger logger)
        : this(dir, state, config, SpecSummary.From(config), init, cgroups, () => initPath, synchronousWait, logger)
    {
        // Made here (create, restore): this process is the init's parent and records its exit.
        if (init.Pid > 0 && init.ExitWatched)
        {
            _ = RecordExitAsync(init);
        }
    }

    // initPath is asked for only when a process is spawned (exec, restore): a loaded container that is
    // only started, queried or deleted needs no sealed copy of the native init (an 800 KB memfd).
    // Without config (a loaded container) config.json is read on first use of Config; start, delete
    // and ps go by the summary (hooks, namespaces).
    private Container(StateDirectory dir, StoredState state, RuntimeSpec? config, SpecSummary summary, ContainerProcess init, CgroupManager? cgroups,
        Func<string> initPath, TimeSpan synchronousWait, ILogger logger)
    {
        _dir = dir;
        _initPath = initPath;
        _synchronousWait = synchronousWait;
        _state = state;
        _config = config;
        _summary = summary;
        _logger = logger;
        _cgroups = cgroups;
        Init = init;
    }

    public string Id => _dir.Id;

    public RuntimeSpec Config
    {
        get => _config ??= ReadConfig(_dir);
        private set => _config = value;
    }

    public string? Bundle => _state.Bundle;

    public string Rootfs => _state.Rootfs;

    public DateTimeOffset Created => _state.Created;

    public IProcess InitProcess => Init;

    internal ContainerProcess Init { get; }

    public ContainerStatus Status
    {
        get
        {
            if (Init.LiveStat() is not { } init)
            {
                return _state.Phase == StoredState.PhaseCreating && Init.Pid == 0 && CreateUnderWay() ? ContainerStatus.Creating : ContainerStatus.Stopped;
            }
            // What the process is decides, not the files: once the init has exec'd the user's program
            // (its name is no longer lc-init's) it runs, whatever a crash left of the phase or the fifo.
            if (init.IsNativeInit && _state.Phase == StoredState.PhaseCreating && _dir.TryRead()?.Phase != StoredState.PhaseCreated)
            {
                // A create that died (nothing holds its lock) never makes it created: stopped, so that
                // a plain delete removes it.
                return CreateUnderWay() ? ContainerStatus.Creating : ContainerStatus.Stopped;
            }
            if (_cgroups?.Freezer is { IsFrozen: true })
            {
                return ContainerStatus.Paused;
            }
            return init.IsNativeInit && File.Exists(_dir.FifoPath) ? ContainerStatus.Created : ContainerStatus.Running;
        }
    }

    /// <summary>A create is under way while it holds the directory's lock; a directory left creating without a holder is a create that died.</summary>
    private bool CreateUnderWay() => _dir.IsLocked();

    public ContainerState GetState()
    {
        ContainerStatus status = Status;
        return new ContainerState
        {
            OciVersion = OciVersion,
            Id = Id,
            Status = status.ToString().ToLowerInvariant(),
            Pid = status is ContainerStatus.Stopped || Init.Pid == 0 ? null : Init.Pid,
            Bundle = Bundle ?? "",
            Annotations = _config?.Annotations ?? _summary.Annotations, // the summary: no whole-spec parse for a state query
        };
    }

    /// <summary>Loads a container from its state directory; its init's exit is watched once something waits for it.</summary>
    /// <summary>Loads a container; <paramref name="initPath"/> is asked for only when a process is spawned (exec).</summary>
    internal static Container Load(StateDirectory dir, Func<string> initPath, TimeSpan synchronousWait, ILogger logger)
    {
        // No state.json yet: a create before its init's pid was known (or one that crashed there).
        StoredState state;
        try
        {
            state = dir.TryRead() ?? new StoredState
            {
                Id = dir.Id,
                Phase = StoredState.PhaseCreating,
                Rootfs = "",
                Created = Directory.GetCreationTimeUtc(dir.Path),
            };
        }
        catch (ContainerException ex)
        {
            state = Recover(dir, ex, logger);
        }
        // Loaded: the init's parent is the process that made it (or whoever inherited it), which
        // records its exit; here the exit is watched only when something waits for it.
        Func<Task<ExitStatus>> exit;
        if (state.Pid == 0)
        {
            exit = () => Task.FromResult(ExitStatus.Unknown);
        }
        else if (ProcStat.TryRead(state.Pid) is { } stat && stat.StartTime == state.PidStartTime)
        {
            exit = () => AddRecorded(Reaper.Shared.WatchAsync(state.Pid, state.PidStartTime), dir);
        }
        else
        {
            // Gone already: its parent recorded how it ended, or nobody could.
            exit = () => Task.FromResult(dir.RecordedExit(state) ?? ExitStatus.Unknown);
        }
        CgroupManager? cgroups = state.CgroupDirectories is { } directories
            ? CgroupManager.FromState(CgroupHost.Layout, state.CgroupPath ?? "", directories, state.CgroupsCreated ?? [])
            : null;
        SpecSummary summary = TryReadSummary(dir);
        return new Container(dir, state, config: null, summary, new ContainerProcess(state.Pid, state.PidStartTime, exit) { SynchronousWait = synchronousWait },
            cgroups, initPath, synchronousWait, logger);
    }

    private static RuntimeSpec ReadConfig(StateDirectory dir) =>
        File.Exists(dir.ConfigFile) ? dir.ReadConfig() : new RuntimeSpec { OciVersion = RuntimeSpec.CurrentOciVersion };

    /// <summary>When the status is unknown here (not our child), the state may hold the parent's record.</summary>
    private static async Task<ExitStatus> AddRecorded(Task<ExitStatus> exit, StateDirectory dir)
    {
        ExitStatus status = await exit.ConfigureAwait(false);
        try
        {
            if (!status.IsKnown && dir.TryRead() is { } state && dir.RecordedExit(state) is { } recorded)
            {
                return recorded;
            }
        }
        catch (ContainerException)
        {
            // state.json unreadable (the container was recovered from what else was left): unknown.
        }
        return status;
    }

    /// <summary>Records the init's exit status (<see cref="StateDirectory.RecordExit"/>), so another process that loads the container can read it.</summary>
    private async Task RecordExitAsync(ContainerProcess init)
    {
        try
        {
            ExitStatus status = await init.Exited.ConfigureAwait(false);
            if (_logger.IsEnabled(LogLevel.Information))
            {
                _logger.InitExited(Id, init.Pid, status.ToString());
            }
            if (!status.IsKnown)
            {
                return;
            }
            using IDisposable? held = await _dir.LockAsync(CancellationToken.None).ConfigureAwait(false);
            if (held is null || _dir.TryRead() is not { } current || current.Pid != init.Pid)
            {
                return;
            }
            _dir.RecordExit(current, status);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ContainerException)
        {
            _logger.ExitNotRecorded(ex, Id);
        }
    }

    public async ValueTask SignalAsync(Signal signal, bool all = false, CancellationToken cancellationToken = default)
    {
        if (!all)
        {
            _logger.Signaled(Id, (int)signal, Init.Pid);
            await Init.SignalAsync(signal, cancellationToken).ConfigureAwait(false);
            return;
        }
        foreach (int pid in await GetProcessesAsync(cancellationToken).ConfigureAwait(false))
        {
            _logger.Signaled(Id, (int)signal, pid);
            Sys.Kill(pid, (int)signal);
        }
    }

    public Task<IReadOnlyList<int>> GetProcessesAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!Init.IsAlive)
        {
            return Task.FromResult<IReadOnlyList<int>>([]);
        }
        if (_cgroups is { OwnsLeaf: true })
        {
            return Task.FromResult(_cgroups.GetPids());
        }
        return Task.FromResult(ProcessTree.Find(Init.Pid, _summary.OwnPidNamespace));
    }

    /// <summary>
    /// Set by the factory for a container this handle made (create, run, restore) unless the options
    /// said otherwise: disposing it destroys the container, as Testcontainers' disposal removes one.
    /// A loaded container's handle only lets go.
    /// </summary>
    internal bool DestroyOnDispose { get; set; }

    public async ValueTask DisposeAsync()
    {
        if (DestroyOnDispose)
        {
            DestroyOnDispose = false;
            await DestroyAsync(CancellationToken.None).ConfigureAwait(false);
        }
        Interlocked.Exchange(ref _startReader, null)?.Dispose();
        Init.Dispose();
    }
}
