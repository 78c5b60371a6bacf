using Lcd.Graph.Oci;

namespace Lcd.Graph;

/// <summary>A blob being read, reported as "Downloading" about every MiB (Docker's progress bar).</summary>
internal sealed class ProgressStream(Stream inner, Descriptor blob, IProgress<LayerProgress> progress) : ReadOnlyStream
{
    private long _read;
    private long _reported;

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int n)
    {
        _read += n;
        if (_read - _reported >= 1 << 20)
        {
            _reported = _read;
            progress.Report(new LayerProgress(blob.Digest, "Downloading", _read, blob.Size));
        }
        return n;
    }


    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
