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
}
