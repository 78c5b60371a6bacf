namespace Lcd.Graph;

/// <summary>Where the graph driver keeps its files and its limits.</summary>
public sealed record GraphOptions
{
    /// <summary>The driver's directory: blobs, layers, images, names, container rootfs (default /var/lib/lcd/graph).</summary>
    public string Root { get; init; } = "/var/lib/lcd/graph";

    /// <summary>Limits of each layer unpack (the layer-bomb limit).</summary>
    public UnpackOptions Unpack { get; init; } = new();
}
