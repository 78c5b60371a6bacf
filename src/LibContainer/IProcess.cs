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
