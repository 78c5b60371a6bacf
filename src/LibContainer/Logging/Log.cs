using Microsoft.Extensions.Logging;

namespace LibContainer.Logging;

/// <summary>Every log message of the library. EventIds keep their meaning.</summary>
internal static partial class Log
{
    private static readonly Func<ILogger, string, IDisposable?> s_containerScope = LoggerMessage.DefineScope<string>("Container {ContainerId}");

    /// <summary>A log scope naming the container: every message of an operation on it carries ContainerId.</summary>
    public static IDisposable? ContainerScope(this ILogger logger, string containerId) => s_containerScope(logger, containerId);

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Container {ContainerId}: plan of {StepCount} steps, init {InitPath}")]
    public static partial void PlanBuilt(this ILogger logger, string containerId, int stepCount, string initPath);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Container {ContainerId}: init process {Pid} cloned, born in its cgroup2 directory: {BornInCgroup}")]
    public static partial void InitCloned(this ILogger logger, string containerId, int pid, bool bornInCgroup);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Container {ContainerId} created, pid {Pid}")]
    public static partial void ContainerCreated(this ILogger logger, string containerId, int pid);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Container {ContainerId}: create failed, cleaning up")]
    public static partial void CreateFailed(this ILogger logger, Exception exception, string containerId);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Container {ContainerId}: {Field} ignored: {Reason}")]
    public static partial void ResourceIgnored(this ILogger logger, string containerId, string field, string reason);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Container {ContainerId} started, pid {Pid}")]
    public static partial void ContainerStarted(this ILogger logger, string containerId, int pid);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Container {ContainerId}: init {Pid} exited, {Status}")]
    public static partial void InitExited(this ILogger logger, string containerId, int pid, string status);

    [LoggerMessage(EventId = 12, Level = LogLevel.Debug, Message = "Container {ContainerId}: signal {Signal} to {Pid}")]
    public static partial void Signaled(this ILogger logger, string containerId, int signal, int pid);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Container {ContainerId} paused")]
    public static partial void ContainerPaused(this ILogger logger, string containerId);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "Container {ContainerId} resumed")]
    public static partial void ContainerResumed(this ILogger logger, string containerId);

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "Container {ContainerId}: resources updated")]
    public static partial void ContainerUpdated(this ILogger logger, string containerId);

    [LoggerMessage(EventId = 16, Level = LogLevel.Warning, Message = "Container {ContainerId}: {Hook} failed; going on, as the spec says")]
    public static partial void HookFailed(this ILogger logger, Exception exception, string containerId, string hook);

    [LoggerMessage(EventId = 17, Level = LogLevel.Information, Message = "Container {ContainerId}: exec'd process {Pid}")]
    public static partial void Executed(this ILogger logger, string containerId, int pid);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Container {ContainerId} destroyed")]
    public static partial void ContainerDestroyed(this ILogger logger, string containerId);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Container {ContainerId}: could not record the exit status")]
    public static partial void ExitNotRecorded(this ILogger logger, Exception exception, string containerId);

    [LoggerMessage(EventId = 25, Level = LogLevel.Warning,
        Message = "Container {ContainerId}: state.json is unreadable; recovered from config.json and the cgroups its id implies (init pid {Pid})")]
    public static partial void StateRecovered(this ILogger logger, Exception exception, string containerId, int pid);

    [LoggerMessage(EventId = 30, Level = LogLevel.Debug, Message = "Container {ContainerId}: {Criu} {Arguments}")]
    public static partial void CriuRunning(this ILogger logger, string containerId, string criu, string arguments);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Container {ContainerId} checkpointed into {ImagePath}")]
    public static partial void ContainerCheckpointed(this ILogger logger, string containerId, string imagePath);

    [LoggerMessage(EventId = 32, Level = LogLevel.Information, Message = "Container {ContainerId} restored from {ImagePath}, pid {Pid}")]
    public static partial void ContainerRestored(this ILogger logger, string containerId, int pid, string imagePath);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "Container {ContainerId}: {Warning}")]
    public static partial void SpecWarning(this ILogger logger, string containerId, string warning);
}
