using System.IO.Compression;

namespace Lcd.Graph;

/// <summary>Layer compression, told by the blob's first bytes (media types lie more often than magic numbers).</summary>
public static class Compression
{
    /// <summary>
    /// The uncompressed tar stream of a layer blob: gzip, zstd or plain. A compressed blob is
    /// decompressed on a thread of its own, a few buffers ahead (<see cref="ReadAheadStream"/>), as
    /// <c>tar -xz</c> runs gzip beside it.
    /// </summary>
    public static Stream Decompress(Stream blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var buffered = new BufferedStream(blob, 1 << 16);
        Span<byte> magic = stackalloc byte[4];
        int n = 0;
        // Peek through the buffer: BufferedStream fills its buffer on the first read.
        byte[] head = new byte[4];
        int read;
        while (n < 4 && (read = buffered.Read(head, n, 4 - n)) > 0)
        {
            n += read;
        }
        head.AsSpan(0, n).CopyTo(magic);
        Stream rest = new PrefixStream(head.AsMemory(0, n), buffered);
        if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            return new ReadAheadStream(new GZipStream(rest, CompressionMode.Decompress));
        }
        if (n == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
        {
            return new ReadAheadStream(new ZstdSharp.DecompressionStream(rest));
        }
        return rest;
    }

    /// <summary>Bytes already read, then the rest of the stream.</summary>
    private sealed class PrefixStream(ReadOnlyMemory<byte> prefix, Stream inner) : ReadOnlyStream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.Length > 0)
            {
                int n = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..n].CopyTo(buffer);
                _prefix = _prefix[n..];
                return n;
            }
            return inner.Read(buffer);
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
}
