namespace Lcd;

/// <summary>The daemon's own log messages (stable EventIds).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "API listening on {Sockets}; data root {DataRoot}; pid {Pid}")]
    public static partial void DaemonListening(ILogger logger, string sockets, string dataRoot, int pid);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Daemon shut down")]
    public static partial void DaemonStopped(ILogger logger);

    [LoggerMessage(EventId = 102, Level = LogLevel.Critical, Message = "Daemon failed")]
    public static partial void DaemonFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Container {ContainerId} created as {Name} from {Image}")]
    public static partial void ContainerCreated(ILogger logger, string containerId, string name, string image);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Container {ContainerId} started, pid {Pid}")]
    public static partial void ContainerStarted(ILogger logger, string containerId, int pid);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Container {ContainerId} exited with {ExitCode}")]
    public static partial void ContainerExited(ILogger logger, string containerId, int exitCode);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Container {ContainerId} removed")]
    public static partial void ContainerRemoved(ILogger logger, string containerId);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Container {ContainerId} did not stop within {Seconds} s: SIGKILL")]
    public static partial void ContainerStopTimedOut(ILogger logger, string containerId, int seconds);

    [LoggerMessage(EventId = 205, Level = LogLevel.Error, Message = "Container {ContainerId}: writing its log failed")]
    public static partial void ContainerLogFailed(ILogger logger, string containerId, Exception exception);

    [LoggerMessage(EventId = 206, Level = LogLevel.Error, Message = "Container {ContainerId}: removing it (--rm) failed")]
    public static partial void ContainerRemoveFailed(ILogger logger, string containerId, Exception exception);

    [LoggerMessage(EventId = 209, Level = LogLevel.Warning, Message = "Container {ContainerId}: its output fifos cannot be reopened after the restart; its output from now on is lost")]
    public static partial void ContainerOutputLost(ILogger logger, string containerId, Exception exception);

    [LoggerMessage(EventId = 210, Level = LogLevel.Error, Message = "Container {ContainerId}: the restart its policy asked for failed")]
    public static partial void ContainerRestartFailed(ILogger logger, string containerId, Exception exception);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "Container {ContainerId}: its cgroup counters are unreadable at its exit (OOMKilled reads false)")]
    public static partial void ContainerStatsFailed(ILogger logger, string containerId, Exception exception);

    [LoggerMessage(EventId = 207, Level = LogLevel.Error, Message = "Container {ContainerId}: destroying the runtime's container failed")]
    public static partial void ContainerDestroyFailed(ILogger logger, string containerId, Exception exception);

    [LoggerMessage(EventId = 231, Level = LogLevel.Information, Message = "Container {ContainerId}: resources and restart policy updated")]
    public static partial void ContainerUpdated(ILogger logger, string containerId);

    [LoggerMessage(EventId = 230, Level = LogLevel.Error, Message = "Container {ContainerId}: unmounting its root filesystem failed")]
    public static partial void RootfsReleaseFailed(ILogger logger, string containerId, Exception exception);

    [LoggerMessage(EventId = 208, Level = LogLevel.Error, Message = "Container record in {Directory} is unreadable; left alone")]
    public static partial void ContainerRecordUnreadable(ILogger logger, string directory, Exception exception);

    [LoggerMessage(EventId = 212, Level = LogLevel.Information, Message = "Container {ContainerId}: exec {ExecId} started, pid {Pid}")]
    public static partial void ExecStarted(ILogger logger, string containerId, string execId, int pid);

    [LoggerMessage(EventId = 213, Level = LogLevel.Information, Message = "Container {ContainerId}: exec {ExecId} exited with {ExitCode}")]
    public static partial void ExecExited(ILogger logger, string containerId, string execId, int exitCode);
}
