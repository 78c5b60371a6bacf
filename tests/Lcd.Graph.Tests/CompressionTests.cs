using System.IO.Compression;

namespace Lcd.Graph.Tests;

/// <summary>Compression.Decompress: the magic numbers, and the read-ahead thread that inflates beside the unpack.</summary>
public sealed class CompressionTests
{
    private static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }

    [Fact]
    public void Decompress_Gzip_SameBytesInAnyReadSize()
    {
        byte[] data = new byte[3 << 20];
        new Random(7).NextBytes(data.AsSpan(0, 1 << 20)); // incompressible, then zeros
        using Stream stream = Compression.Decompress(new MemoryStream(Gzip(data)));
        var read = new MemoryStream();
        byte[] buffer = new byte[7001];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            read.Write(buffer, 0, n);
        }
        read.ToArray().Should().Equal(data);
        stream.Read(buffer, 0, buffer.Length).Should().Be(0, "the end stays the end");
    }

    [Fact]
    public void Decompress_Plain_Unchanged()
    {
        using Stream stream = Compression.Decompress(new MemoryStream("plain tar"u8.ToArray()));
        new StreamReader(stream).ReadToEnd().Should().Be("plain tar");
    }

    [Fact]
    public void Decompress_CorruptGzip_TheReaderGetsTheError()
    {
        byte[] gzip = Gzip(new byte[1 << 20].Select((_, i) => (byte)(i * 31)).ToArray());
        gzip.AsSpan(20, 200).Fill(0xff);
        using Stream stream = Compression.Decompress(new MemoryStream(gzip));
        Action read = () => stream.CopyTo(Stream.Null);
        read.Should().Throw<InvalidDataException>();
    }

    [Fact]
    public void Dispose_BeforeTheEnd_StopsTheThread()
    {
        byte[] data = new byte[32 << 20];
        using var source = new MemoryStream(Gzip(data));
        Stream stream = Compression.Decompress(source);
        stream.ReadExactly(new byte[10]);
        stream.Dispose();
        source.CanRead.Should().BeFalse("the inner streams are disposed with it");
    }
}
