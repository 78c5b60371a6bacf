using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Lcd.Graph;

/// <summary>
/// The uncompressed layer stream as TarReader reads it, seen once on the way: hashed (the diff id),
/// counted against the size limit (a layer bomb stops here), and followed block by block so the
/// raw bytes of PAX <c>SCHILY.xattr.*</c> records reach the unpack (TarReader decodes PAX values as
/// UTF-8 strings, which loses binary values such as security.capability).
/// Not seekable, so TarReader reads every byte through it.
/// </summary>
internal sealed class TarTap : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly long _limit;
    private readonly byte[] _header = new byte[512];
    private int _headerFill;
    private long _collectLeft;   // bytes of a PAX header's records still to collect
    private long _skipLeft;      // bytes of an entry's data (and padding) still to pass
    private MemoryStream? _pax;  // the data of a PAX 'x' header being collected
    private Dictionary<string, byte[]>? _paxXattrs;

    public TarTap(Stream inner, long limit)
    {
        _inner = inner;
        _limit = limit;
    }

    /// <summary>Uncompressed bytes read so far.</summary>
    public long Length64 { get; private set; }

    /// <summary>The xattrs (raw values) that PAX records gave the last entry header read.</summary>
    public Dictionary<string, byte[]>? CurrentXattrs { get; private set; }

    /// <summary>Reads to the end (the tar's trailing blocks count in the diff id) and returns the digest.</summary>
    public Digest Finish()
    {
        byte[] buffer = new byte[81920];
        while (Read(buffer, 0, buffer.Length) > 0)
        {
        }
        return Digest.FromHash(_hash.GetHashAndReset());
    }

    public override int Read(Span<byte> buffer)
    {
        int n = _inner.Read(buffer);
        if (n > 0)
        {
            Length64 += n;
            if (Length64 > _limit)
            {
                throw new LayerTooLargeException(_limit);
            }
            _hash.AppendData(buffer[..n]);
            Follow(buffer[..n]);
        }
        return n;
    }

    private void Follow(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            if (_collectLeft > 0)
            {
                int take = (int)Math.Min(_collectLeft, data.Length);
                _pax?.Write(data[..take]);
                _collectLeft -= take;
                data = data[take..];
                if (_collectLeft == 0)
                {
                    _paxXattrs = _pax is null ? null : ParsePax(_pax.ToArray());
                    _pax = null;
                }
                continue;
            }
            if (_skipLeft > 0)
            {
                int take = (int)Math.Min(_skipLeft, data.Length);
                _skipLeft -= take;
                data = data[take..];
                continue;
            }
            int copy = Math.Min(512 - _headerFill, data.Length);
            data[..copy].CopyTo(_header.AsSpan(_headerFill));
            _headerFill += copy;
            data = data[copy..];
            if (_headerFill == 512)
            {
                _headerFill = 0;
                OnHeader();
            }
        }
    }

    private void OnHeader()
    {
        if (!_header.AsSpan().ContainsAnyExcept((byte)0))
        {
            return; // an end-of-archive block
        }
        long size = ParseSize(_header.AsSpan(124, 12));
        long padded = (size + 511) / 512 * 512;
        byte type = _header[156];
        if (type == (byte)'x')
        {
            // A PAX header's records are metadata: collected (up to 1 MiB), then its padding skipped.
            _pax = size <= 1 << 20 ? new MemoryStream((int)size) : null;
            _collectLeft = size;
            _skipLeft = padded - size;
            if (size == 0)
            {
                _paxXattrs = null;
            }
            return;
        }
        _skipLeft = padded;
        if (type is (byte)'L' or (byte)'K' or (byte)'g')
        {
            return;
        }
        CurrentXattrs = _paxXattrs;
        _paxXattrs = null;
    }

    private static long ParseSize(ReadOnlySpan<byte> field)
    {
        if ((field[0] & 0x80) != 0)
        {
            // base-256: the rest, big-endian
            return BinaryPrimitives.ReadInt64BigEndian(field[4..]);
        }
        long value = 0;
        foreach (byte b in field)
        {
            if (b is >= (byte)'0' and <= (byte)'7')
            {
                value = (value * 8) + (b - '0');
            }
            else if (b is 0 or (byte)' ' && value > 0)
            {
                break;
            }
        }
        return value;
    }

    /// <summary>"%d key=value\n" records; keeps the SCHILY.xattr.* ones with their raw value bytes.</summary>
    private static Dictionary<string, byte[]> ParsePax(byte[] records)
    {
        var xattrs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        int i = 0;
        while (i < records.Length)
        {
            int space = Array.IndexOf(records, (byte)' ', i);
            if (space < 0 || !int.TryParse(records.AsSpan(i, space - i), out int length) || length <= 0 || i + length > records.Length)
            {
                break;
            }
            ReadOnlySpan<byte> record = records.AsSpan(space + 1, i + length - space - 2); // without the trailing \n
            int eq = record.IndexOf((byte)'=');
            if (eq > 0)
            {
                string key = Encoding.UTF8.GetString(record[..eq]);
                if (key.StartsWith("SCHILY.xattr.", StringComparison.Ordinal))
                {
                    xattrs[key["SCHILY.xattr.".Length..]] = record[(eq + 1)..].ToArray();
                }
            }
            i += length;
        }
        return xattrs;
    }


    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }
        base.Dispose(disposing);
    }
}
