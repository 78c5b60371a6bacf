using System.Buffers;
using System.Globalization;
using System.Text;

namespace Lcd.Graph;

/// <summary>
/// Writes a POSIX (PAX) tar as Go's archive/tar writes Docker's and containerd's layers: a ustar
/// header per entry, preceded by an extended header (typeflag 'x') only when a field does not fit
/// ustar (a long or non-ASCII name, a large size or id) or the entry carries xattrs, as
/// <c>SCHILY.xattr.NAME</c> records whose values are the raw bytes (security.capability is a binary
/// vfs_cap_data). System.Formats.Tar's PaxTarEntry takes extended attributes as strings and writes
/// them as UTF-8, which changes every byte from 0x80 up, so the layer writer writes its headers here.
/// Times are whole seconds (Docker truncates them too), user and group names empty.
/// </summary>
internal sealed class PaxWriter(Stream output)
{
    private const int Block = 512;
    private const long MaxOctal7 = 0x1FFFFF;          // 07777777: mode, uid, gid, devmajor, devminor
    private const long MaxOctal11 = 0x1FFFFFFFF;      // 077777777777: size, mtime
    private readonly Stream _output = output;
    private readonly byte[] _header = new byte[Block];

    /// <summary>The PAX key prefix of an extended attribute (GNU tar, star, Go, libarchive).</summary>
    public const string XattrPrefix = "SCHILY.xattr.";

    /// <summary>
    /// Writes one entry: <paramref name="type"/> is the ustar typeflag ('0' file, '1' hard link,
    /// '2' symlink, '3' char device, '4' block device, '5' directory, '6' fifo); a file's
    /// <paramref name="data"/> must give exactly <paramref name="size"/> bytes.
    /// </summary>
    public void WriteEntry(string name, byte type, uint mode, uint uid, uint gid, long mtime, long size = 0, string? linkName = null,
        uint devMajor = 0, uint devMinor = 0, IReadOnlyList<KeyValuePair<string, byte[]>>? xattrs = null, Stream? data = null)
    {
        var records = new List<KeyValuePair<string, byte[]>>();
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        byte[] linkBytes = Encoding.UTF8.GetBytes(linkName ?? "");
        if (nameBytes.Length > 100 || !Ascii.IsValid(nameBytes))
        {
            records.Add(new("path", nameBytes));
        }
        if (linkBytes.Length > 100 || !Ascii.IsValid(linkBytes))
        {
            records.Add(new("linkpath", linkBytes));
        }
        if (size > MaxOctal11)
        {
            records.Add(new("size", Number(size)));
        }
        if (uid > MaxOctal7)
        {
            records.Add(new("uid", Number(uid)));
        }
        if (gid > MaxOctal7)
        {
            records.Add(new("gid", Number(gid)));
        }
        if (mtime is < 0 or > MaxOctal11)
        {
            records.Add(new("mtime", Number(mtime)));
        }
        foreach ((string key, byte[] value) in xattrs ?? [])
        {
            records.Add(new(XattrPrefix + key, value));
        }
        if (records.Count > 0)
        {
            records.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            byte[] pax = PaxRecords(records);
            string paxName = "PaxHeaders.0/" + Path.GetFileName(name.TrimEnd('/'));
            WriteHeader(Encoding.UTF8.GetBytes(paxName), (byte)'x', 0x1A4, 0, 0, pax.Length, 0, [], 0, 0);
            _output.Write(pax);
            Pad(pax.Length);
        }
        WriteHeader(nameBytes, type, mode, uid, gid, size, mtime, linkBytes, devMajor, devMinor);
        if (type == (byte)'0' && size > 0)
        {
            CopyExactly(data ?? throw new ArgumentNullException(nameof(data)), size, name);
            Pad(size);
        }
    }

    /// <summary>The end of the archive: two zero blocks.</summary>
    public void Finish() => _output.Write(new byte[2 * Block]);

    /// <summary>PAX records "LEN KEY=VALUE\n", LEN the decimal length of the whole record including itself; values are raw bytes.</summary>
    internal static byte[] PaxRecords(IEnumerable<KeyValuePair<string, byte[]>> records)
    {
        var buffer = new MemoryStream();
        foreach ((string key, byte[] value) in records)
        {
            if (key.Length == 0 || key.Contains('=', StringComparison.Ordinal) || key.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"PAX record key '{key}': empty or with '=' or NUL", nameof(records));
            }
            int body = 1 + Encoding.UTF8.GetByteCount(key) + 1 + value.Length + 1; // " KEY=VALUE\n"
            int length = body + 1;
            while (length.ToString(CultureInfo.InvariantCulture).Length + body != length)
            {
                length++;
            }
            buffer.Write(Encoding.ASCII.GetBytes(length.ToString(CultureInfo.InvariantCulture) + " "));
            buffer.Write(Encoding.UTF8.GetBytes(key));
            buffer.WriteByte((byte)'=');
            buffer.Write(value);
            buffer.WriteByte((byte)'\n');
        }
        return buffer.ToArray();
    }

    private static byte[] Number(long value) => Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    private void WriteHeader(byte[] name, byte type, uint mode, uint uid, uint gid, long size, long mtime, byte[] linkName, uint devMajor, uint devMinor)
    {
        Span<byte> h = _header;
        h.Clear();
        name.AsSpan(0, Math.Min(name.Length, 100)).CopyTo(h);
        Octal(h.Slice(100, 8), mode & 0xfff);
        Octal(h.Slice(108, 8), uid > MaxOctal7 ? 0 : uid);
        Octal(h.Slice(116, 8), gid > MaxOctal7 ? 0 : gid);
        Octal(h.Slice(124, 12), size > MaxOctal11 ? 0 : size);
        Octal(h.Slice(136, 12), mtime is < 0 or > MaxOctal11 ? 0 : mtime);
        h[156] = type;
        linkName.AsSpan(0, Math.Min(linkName.Length, 100)).CopyTo(h[157..]);
        "ustar\0"u8.CopyTo(h[257..]);
        "00"u8.CopyTo(h[263..]);
        if (type is (byte)'3' or (byte)'4')
        {
            Device(h.Slice(329, 8), devMajor);
            Device(h.Slice(337, 8), devMinor);
        }
        h.Slice(148, 8).Fill((byte)' ');
        int sum = 0;
        foreach (byte b in h)
        {
            sum += b;
        }
        Octal(h.Slice(148, 7), sum); // six digits, NUL, and the space left in place
        _output.Write(h);
    }

    /// <summary>Zero-padded octal digits and a NUL, filling the field.</summary>
    private static void Octal(Span<byte> field, long value)
    {
        field[^1] = 0;
        for (int i = field.Length - 2; i >= 0; i--)
        {
            field[i] = (byte)('0' + (value & 7));
            value >>= 3;
        }
    }

    /// <summary>A device number: octal, or base-256 (GNU's and Go's form) when it needs more than seven digits.</summary>
    private static void Device(Span<byte> field, uint value)
    {
        if (value <= MaxOctal7)
        {
            Octal(field, value);
            return;
        }
        field.Clear();
        field[0] = 0x80;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(field[4..], value);
    }

    private void Pad(long size)
    {
        int pad = (int)((Block - (size % Block)) % Block);
        if (pad > 0)
        {
            _output.Write(new byte[pad]);
        }
    }

    private void CopyExactly(Stream data, long size, string name)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 17);
        try
        {
            long left = size;
            while (left > 0)
            {
                int n = data.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (n == 0)
                {
                    throw new GraphException($"{name}: the file shrank while it was written to the tar ({size - left} of {size} bytes)");
                }
                _output.Write(buffer, 0, n);
                left -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
