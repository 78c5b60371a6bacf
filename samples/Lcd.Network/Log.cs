using Microsoft.Extensions.Logging;

namespace Lcd.Network;

/// <summary>Every message of the network driver.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "CNI {Plugin} {Command} network {Network} container {ContainerId} {IfName}: exit {ExitCode} in {Milliseconds:0.0} ms")]
    public static partial void CniPluginRan(this ILogger logger, string plugin, string command, string network, string containerId, string ifName, int exitCode, double milliseconds);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "CNI ADD network {Network} container {ContainerId} {IfName} failed, undoing it: {Reason}")]
    public static partial void CniAddFailed(this ILogger logger, string network, string containerId, string ifName, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "CNI DEL while undoing network {Network} container {ContainerId} {IfName} failed: {Reason}")]
    public static partial void CniCleanupFailed(this ILogger logger, string network, string containerId, string ifName, string reason);
}
