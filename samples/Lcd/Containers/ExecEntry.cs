using Lcd.Api;
using LibContainer;

namespace Lcd.Containers;

/// <summary>One exec instance (docker exec): made by POST /containers/{id}/exec, run once by /exec/{id}/start.</summary>
public sealed class ExecEntry
{
    public ExecEntry(string id, ContainerEntry container, ExecCreateRequest config)
    {
        Id = id;
        Container = container;
        Config = config;
    }

    public string Id { get; }

    public ContainerEntry Container { get; }

    public ExecCreateRequest Config { get; }

    /// <summary>Guards <see cref="Started"/>: an exec runs once.</summary>
    public Lock Lock { get; } = new();

    public bool Started { get; set; }

    public bool Running { get; set; }

    /// <summary>Null until the process ended (or failed to start).</summary>
    public int? ExitCode { get; set; }

    public int Pid { get; set; }

    /// <summary>The library's process while it runs.</summary>
    public IProcess? Process { get; set; }

    /// <summary>A terminal size asked for before the start (the CLI resizes as soon as it can): the start applies it.</summary>
    public (ushort Rows, ushort Columns)? Size { get; set; }

    /// <summary>Completes with the exit code once <see cref="ExitCode"/> is recorded.</summary>
    public TaskCompletionSource<int> Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
