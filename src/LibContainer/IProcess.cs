using System.IO.Pipelines;

namespace LibContainer;

/// <summary>A process in a container: its pid, its stdio when piped, its exit status.</summary>
public interface IProcess
{
    /// <summary>The pid as the host sees it.</summary>
    int Pid { get; }

    /// <summary>The write end of the process's stdin, when <see cref="StdioMode.Pipe"/> was asked for.</summary>
    Stream? StandardInput { get; }

    /// <summary>The read end of the process's stdout, when <see cref="StdioMode.Pipe"/> was asked for.</summary>
    Stream? StandardOutput { get; }

    /// <summary>The read end of the process's stderr, when <see cref="StdioMode.Pipe"/> was asked for.</summary>
    Stream? StandardError { get; }

    /// <summary>
    /// The master side of the process's terminal, when its spec has <c>terminal: true</c>: what the
    /// process writes is read here, what is written here is its input. Null otherwise.
    /// </summary>
    Stream? Terminal { get; }

    /// <summary>The terminal's master as a file descriptor, for handing on (runc's --console-socket sends it with SCM_RIGHTS).</summary>
    System.Runtime.InteropServices.SafeHandle? TerminalHandle { get; }

    /// <summary>Sets the terminal's size (the process gets SIGWINCH).</summary>
    /// <exception cref="InvalidOperationException">The process has no terminal.</exception>
    void ResizeTerminal(ushort rows, ushort columns);

    /// <summary><see cref="StandardInput"/> as a <see cref="PipeWriter"/>.</summary>
    PipeWriter? StandardInputWriter { get; }

    /// <summary><see cref="StandardOutput"/> as a <see cref="PipeReader"/>.</summary>
    PipeReader? StandardOutputReader { get; }

    /// <summary><see cref="StandardError"/> as a <see cref="PipeReader"/>.</summary>
    PipeReader? StandardErrorReader { get; }

    /// <summary>
    /// Waits for the process to end. Cancelling the wait never kills the process. The status is
    /// <see cref="ExitStatus.Unknown"/> only for a process whose parent was another, now gone, process.
    /// </summary>
    Task<ExitStatus> WaitForExitAsync(CancellationToken cancellationToken = default);

    /// <summary>Sends a signal; a process that has already exited is not an error.</summary>
    ValueTask SignalAsync(Signal signal, CancellationToken cancellationToken = default);
}
