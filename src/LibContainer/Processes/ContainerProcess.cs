using System.IO.Pipelines;
using LibContainer.Interop;

namespace LibContainer.Processes;

/// <summary>A process of a container as the host sees it: pid, start time, piped stdio, exit.</summary>
internal sealed class ContainerProcess : IProcess, IDisposable
{
    private readonly Lazy<Task<ExitStatus>> _exit;
    private PipeWriter? _stdinWriter;
    private PipeReader? _stdoutReader;
    private PipeReader? _stderrReader;

    private readonly FdStream? _terminal;

    public ContainerProcess(int pid, ulong startTime, Task<ExitStatus> exit, Stream? stdin = null, Stream? stdout = null, Stream? stderr = null,
        FdStream? terminal = null)
        : this(pid, startTime, new Lazy<Task<ExitStatus>>(exit), stdin, stdout, stderr, terminal)
    {
    }

    /// <summary>
    /// A process whose exit is watched only once something waits for it: a loaded container that is
    /// only queried (state, list, ps, kill) starts no watch, so no poller or pool thread.
    /// </summary>
    public ContainerProcess(int pid, ulong startTime, Func<Task<ExitStatus>> exit)
        : this(pid, startTime, new Lazy<Task<ExitStatus>>(exit))
    {
    }

    /// <summary>A process whose exit may be watched from the first ask on (<see cref="Reaper.WatchChild"/>).</summary>
    public ContainerProcess(int pid, ulong startTime, Lazy<Task<ExitStatus>> exit, Stream? stdin = null, Stream? stdout = null, Stream? stderr = null,
        FdStream? terminal = null)
    {
        Pid = pid;
        StartTime = startTime;
        _exit = exit;
        StandardInput = stdin;
        StandardOutput = stdout;
        StandardError = stderr;
        _terminal = terminal;
    }

    public Stream? Terminal => _terminal;

    public System.Runtime.InteropServices.SafeHandle? TerminalHandle => _terminal?.Handle;

    public void ResizeTerminal(ushort rows, ushort columns)
    {
        FdStream terminal = _terminal ?? throw new InvalidOperationException($"Process {Pid} has no terminal (process.terminal is false).");
        Sys.SetWindowSize(terminal.Handle, rows, columns);
    }

    public int Pid { get; }

    public ulong StartTime { get; }

    public Stream? StandardInput { get; }

    public Stream? StandardOutput { get; }

    public Stream? StandardError { get; }

    public PipeWriter? StandardInputWriter => StandardInput is null ? null : _stdinWriter ??= PipeWriter.Create(StandardInput);

    public PipeReader? StandardOutputReader => StandardOutput is null ? null : _stdoutReader ??= PipeReader.Create(StandardOutput);

    public PipeReader? StandardErrorReader => StandardError is null ? null : _stderrReader ??= PipeReader.Create(StandardError);

    public Task<ExitStatus> Exited => _exit.Value;

    /// <summary>Whether the exit is watched already (not one left to the next parent until asked).</summary>
    public bool ExitWatched => _exit.IsValueCreated;

    /// <summary>Whether this very process (not a reused pid) is alive and not a zombie.</summary>
    public bool IsAlive => LiveStat() is not null;

    /// <summary>/proc/pid/stat of this very process while it is alive (not a zombie, not a reused pid); else null.</summary>
    public ProcStat? LiveStat() => Pid > 0 && !(_exit.IsValueCreated && _exit.Value.IsCompleted)
        && ProcStat.TryRead(Pid) is { } stat && stat.StartTime == StartTime && !stat.HasExited ? stat : null;

    /// <summary>How long <see cref="WaitForExitAsync"/> may block the caller first (ContainerFactoryOptions.SynchronousWaitLimit).</summary>
    public TimeSpan SynchronousWait { get; init; }

    /// <remarks>
    /// With <see cref="SynchronousWait"/> the caller's thread first waits in poll(2) on the pidfd and,
    /// if the process ends in that time, reaps it itself (<see cref="Reaper.WaitBlocking"/>).
    /// </remarks>
    public Task<ExitStatus> WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        if (SynchronousWait > TimeSpan.Zero && !cancellationToken.IsCancellationRequested && !_exit.IsValueCreated)
        {
            // No watch yet: block on a pidfd of our own first, so a process that ends in time is
            // read by the watch's first look, inline, and neither the poller's thread (whose start
            // waits until it runs: a scheduler wait on a busy machine) nor the pool's ever start.
            BlockUntilExit(SynchronousWait);
        }
        Task<ExitStatus> exit = _exit.Value;
        if (!exit.IsCompleted && SynchronousWait > TimeSpan.Zero && !cancellationToken.IsCancellationRequested)
        {
            Reaper.Shared.WaitBlocking(Pid, StartTime, SynchronousWait);
        }
        return exit.WaitAsync(cancellationToken);
    }

    /// <summary>Polls a pidfd of this very process (not a reused pid) up to <paramref name="limit"/>.</summary>
    private void BlockUntilExit(TimeSpan limit)
    {
        if (Pid <= 0 || ProcStat.TryRead(Pid) is not { } stat || stat.StartTime != StartTime)
        {
            return;
        }
        using SafeFd? pidfd = Sys.PidfdOpen(Pid);
        if (pidfd is not null)
        {
            _ = Sys.Poll(pidfd, write: false, limit);
        }
    }

    public ValueTask SignalAsync(Signal signal, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (IsAlive)
        {
            Sys.Kill(Pid, (int)signal);
        }
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        StandardInput?.Dispose();
        StandardOutput?.Dispose();
        StandardError?.Dispose();
        _terminal?.Dispose();
    }
}
