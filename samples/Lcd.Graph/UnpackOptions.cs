namespace Lcd.Graph;

/// <summary>Limits of a layer unpack.</summary>
public sealed record UnpackOptions
{
    /// <summary>The most uncompressed bytes a layer may have (tar headers included); more is refused as a layer bomb. Default 32 GiB.</summary>
    public long MaxLayerSize { get; init; } = 32L << 30;

    /// <summary>The diff id the uncompressed layer must have (the image config's rootfs.diff_ids); null checks nothing.</summary>
    public Digest? ExpectedDiffId { get; init; }
}
