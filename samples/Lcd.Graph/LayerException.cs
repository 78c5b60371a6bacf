namespace Lcd.Graph;

/// <summary>A layer was refused: the message names the layer and, when one is to blame, the tar entry.</summary>
public sealed class LayerException : GraphException
{
    internal LayerException(string message, string? entry = null, Exception? inner = null) : base(message, inner) => Entry = entry;

    /// <summary>The tar entry that was refused, if any.</summary>
    public string? Entry { get; }
}

/// <summary>The uncompressed layer passed the configured limit (a layer bomb).</summary>
internal sealed class LayerTooLargeException(long limit) : Exception($"the uncompressed layer is larger than the limit of {limit} bytes (GraphOptions.MaxLayerSize)")
{
    public long Limit { get; } = limit;
}
