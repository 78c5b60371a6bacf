using System.Buffers.Binary;

namespace Lcd.Api;

/// <summary>
/// Docker's multiplexed stream (no terminal): each frame is an 8-byte header, {stream, 0, 0, 0,
/// big-endian u32 length}, then the bytes; stream 0 stdin, 1 stdout, 2 stderr.
/// </summary>
internal static class StreamFraming
{
    public const string RawStream = "application/vnd.docker.raw-stream";

    public static async Task WriteFrameAsync(Stream stream, byte kind, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        byte[] header = new byte[8];
        header[0] = kind;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)data.Length);
        await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
