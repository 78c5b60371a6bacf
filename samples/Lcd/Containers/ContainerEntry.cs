using Lcd.Api;
using LibContainer;

namespace Lcd.Containers;

/// <summary>One container as the daemon holds it: its record, the library's container while it runs, its output.</summary>
public sealed class ContainerEntry
{
    public ContainerEntry(ContainerRecord record, string directory)
    {
        Record = record;
        Directory = directory;
    }

    public ContainerRecord Record { get; }

    /// <summary>containers/ID under the data root: config.v2.json and the json-file log.</summary>
    public string Directory { get; }

    /// <summary>Serialises lifecycle operations (start, stop, remove) on this container.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The library's container from start until the exit is recorded.</summary>
    public IContainer? Runtime { get; set; }

    /// <summary>The running process's output, live (attach).</summary>
    public OutputHub Output { get; set; } = new();

    /// <summary>Output already in the log file, live (logs --follow): published after each write.</summary>
    public OutputHub Logged { get; set; } = new();

    /// <summary>Held while a log entry is written and published, so a follower reads the file and subscribes at one instant.</summary>
    public SemaphoreSlim LogLock { get; } = new(1, 1);

    /// <summary>Completes with the exit code at the next exit (replaced at each start).</summary>
    public TaskCompletionSource<int> NextExit { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the container is removed.</summary>
    public TaskCompletionSource Removed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The task that waits for the running process, records its exit and cleans up (null when not running).</summary>
    public Task? Monitor { get; set; }

    public bool IsRunning => Record.State.Running;

    /// <summary>Set by docker stop, kill (a fatal signal) and rm: the restart policy waits for the next start.</summary>
    public bool RestartHeld { get; set; }

    /// <summary>The restart policy's last delay (dockerd's backoff).</summary>
    public TimeSpan RestartDelay { get; set; }

    /// <summary>A restart waiting for its delay; cancelled by stop, kill, rm or a manual start.</summary>
    public CancellationTokenSource? PendingRestart { get; set; }

    public string ShortId => Record.Id[..12];
}
