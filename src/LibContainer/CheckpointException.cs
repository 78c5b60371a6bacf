namespace LibContainer;

/// <summary>Which part of checkpoint or restore failed.</summary>
public enum CriuFailure
{
    /// <summary>No criu binary at the given path or on PATH.</summary>
    NotFound,

    /// <summary>The criu binary is older than the library supports.</summary>
    TooOld,

    /// <summary>The kernel or criu lacks a feature the request needs (memory tracking for pre-dump, say).</summary>
    Unsupported,

    /// <summary>criu ran and failed, or was killed at the timeout; <see cref="CheckpointException.LogTail"/> says why.</summary>
    Failed,
}

/// <summary>A checkpoint or restore through CRIU failed: which way, and the end of CRIU's log.</summary>
public sealed class CheckpointException : ContainerException
{
    /// <summary>A checkpoint or restore of <paramref name="containerId"/> failed (<paramref name="failure"/>); the message ends with CRIU's log tail when given.</summary>
    public CheckpointException(string containerId, CriuFailure failure, string message, string? logPath = null, string? logTail = null)
        : base(Format(containerId, message, logPath, logTail))
    {
        ContainerId = containerId;
        Failure = failure;
        LogPath = logPath;
        LogTail = logTail;
    }

    /// <summary>The container checkpointed or restored.</summary>
    public string ContainerId { get; }

    /// <summary>Which way it failed.</summary>
    public CriuFailure Failure { get; }

    /// <summary>CRIU's log file, when criu ran.</summary>
    public string? LogPath { get; }

    /// <summary>The last lines of CRIU's log (errors first), when criu ran.</summary>
    public string? LogTail { get; }

    private static string Format(string id, string message, string? logPath, string? logTail) =>
        logTail is { Length: > 0 }
            ? $"Container '{id}': {message}. {logPath} ends with:{Environment.NewLine}{logTail}"
            : $"Container '{id}': {message}.";
}
