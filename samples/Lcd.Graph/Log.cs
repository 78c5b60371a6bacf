using Microsoft.Extensions.Logging;

namespace Lcd.Graph;

/// <summary>Every message of the graph driver.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1801, Level = LogLevel.Information, Message = "Garbage collection removed {Blobs} blobs and {Layers} layers")]
    public static partial void GarbageCollected(this ILogger logger, int blobs, int layers);

    [LoggerMessage(EventId = 1802, Level = LogLevel.Information, Message = "Image {ImageId} stored ({Layers} layers) as {Names}")]
    public static partial void ImageStored(this ILogger logger, string imageId, int layers, string names);

    [LoggerMessage(EventId = 1803, Level = LogLevel.Warning, Message = "Import refused, {Blobs} new blobs and {Layers} new layers removed: {Reason}")]
    public static partial void ImportRefused(this ILogger logger, int blobs, int layers, string reason);
}
