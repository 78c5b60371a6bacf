namespace Lcd;

/// <summary>The daemon's messages about networks and volumes (EventIds 300-319).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Volume {Name} created")]
    public static partial void VolumeCreated(ILogger logger, string name);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Volume {Name} removed")]
    public static partial void VolumeRemoved(ILogger logger, string name);

    [LoggerMessage(EventId = 310, Level = LogLevel.Warning, Message = "Container {ContainerId}: detaching its network failed")]
    public static partial void NetworkDetachFailed(ILogger logger, string containerId, Exception exception);

    [LoggerMessage(EventId = 311, Level = LogLevel.Information, Message = "Network driver reconciled: sandboxes of {Containers} removed")]
    public static partial void NetworkReconciled(ILogger logger, string containers);
}
