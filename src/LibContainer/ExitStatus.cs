namespace LibContainer;

/// <summary>How a process ended: an exit code, or the signal that killed it.</summary>
public readonly record struct ExitStatus
{
    private ExitStatus(int? exitCode, int? signal, bool coreDumped)
    {
        ExitCode = exitCode;
        Signal = signal;
        CoreDumped = coreDumped;
    }

    /// <summary>The status of a process that was not this process's child and left no record of its end.</summary>
    public static ExitStatus Unknown => default;

    /// <summary>The code passed to exit(), when the process exited by itself.</summary>
    public int? ExitCode { get; }

    /// <summary>The signal that killed the process, when a signal did.</summary>
    public int? Signal { get; }

    /// <summary>Whether the killing signal dumped core.</summary>
    public bool CoreDumped { get; }

    /// <summary>Whether the status is known (see <see cref="Unknown"/>).</summary>
    public bool IsKnown => ExitCode is not null || Signal is not null;

    /// <summary>The status as a shell reports it: the exit code, or 128 + the signal; -1 when unknown.</summary>
    public int Code => ExitCode ?? (Signal is int s ? 128 + s : -1);

    /// <summary>The status of a process that called exit(<paramref name="code"/>).</summary>
    /// <param name="code">The exit code, 0-255.</param>
    /// <returns>The status.</returns>
    public static ExitStatus FromExitCode(int code) => new(code, null, false);

    /// <summary>The status of a process killed by <paramref name="signal"/>.</summary>
    /// <param name="signal">The signal number.</param>
    /// <param name="coreDumped">Whether it dumped core.</param>
    /// <returns>The status.</returns>
    public static ExitStatus FromSignal(int signal, bool coreDumped = false) => new(null, signal, coreDumped);

    /// <inheritdoc />
    public override string ToString() =>
        ExitCode is int code ? $"exit code {code}"
        : Signal is int s ? $"killed by signal {s}{(CoreDumped ? " (core dumped)" : "")}"
        : "unknown";
}
