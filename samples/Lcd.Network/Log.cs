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

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Network {Network} created: subnet {Subnet}, bridge {Bridge}")]
    public static partial void NetworkCreated(this ILogger logger, string network, string subnet, string bridge);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Network {Network} removed with its bridge {Bridge}")]
    public static partial void NetworkRemoved(this ILogger logger, string network, string bridge);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Container {ContainerId} attached ({Mode}): {Endpoints}")]
    public static partial void SandboxAttached(this ILogger logger, string containerId, string mode, string endpoints);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Container {ContainerId} detached")]
    public static partial void SandboxDetached(this ILogger logger, string containerId);

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Reconcile: container {ContainerId} is gone, removing its network sandbox")]
    public static partial void ReconcileRemoving(this ILogger logger, string containerId);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Reconcile: CNI attachment {Network}/{ContainerId}/{IfName} has no sandbox, deleting it")]
    public static partial void ReconcileOrphanAttachment(this ILogger logger, string network, string containerId, string ifName);

    [LoggerMessage(EventId = 33, Level = LogLevel.Information, Message = "The CNI chains of table {Table} stay: {Reason}")]
    public static partial void GlobalChainsKept(this ILogger logger, string table, string reason);

    [LoggerMessage(EventId = 32, Level = LogLevel.Error, Message = "Reconcile: the leftovers of container {ContainerId} could not be removed (kept for the next start): {Reason}")]
    public static partial void ReconcileFailed(this ILogger logger, string containerId, string reason);
}
