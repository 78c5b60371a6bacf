using System.Formats.Tar;
using System.Text;

namespace Lcd.Graph.Tests;

/// <summary>Builds layer tars in memory, hostile ones included.</summary>
internal sealed class Tars
{
    private readonly MemoryStream _stream = new();
    private readonly TarWriter _writer;
    private static readonly DateTimeOffset Mtime = new(2020, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public Tars(TarEntryFormat format = TarEntryFormat.Pax) => _writer = new TarWriter(_stream, format, leaveOpen: true);

    public Tars Dir(string name, int mode = 0x1ED, int uid = 0, int gid = 0) =>
        Add(new PaxTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)mode, Uid = uid, Gid = gid, ModificationTime = Mtime });

    public Tars File(string name, string content, int mode = 0x1A4, int uid = 0, int gid = 0, Dictionary<string, string>? pax = null)
    {
        var entry = pax is null ? new PaxTarEntry(TarEntryType.RegularFile, name) : new PaxTarEntry(TarEntryType.RegularFile, name, pax);
        entry.Mode = (UnixFileMode)mode;
        entry.Uid = uid;
        entry.Gid = gid;
        entry.ModificationTime = Mtime;
        entry.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content));
        return Add(entry);
    }

    public Tars Symlink(string name, string target) =>
        Add(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, Mode = (UnixFileMode)0x1FF, ModificationTime = Mtime });

    public Tars HardLink(string name, string target) =>
        Add(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target, ModificationTime = Mtime });

    public Tars Device(string name, TarEntryType type, int major, int minor)
    {
        var entry = new PaxTarEntry(type, name) { Mode = (UnixFileMode)0x1B6, ModificationTime = Mtime };
        if (type is TarEntryType.CharacterDevice or TarEntryType.BlockDevice)
        {
            entry.DeviceMajor = major;
            entry.DeviceMinor = minor;
        }
        return Add(entry);
    }

    public Tars Add(TarEntry entry)
    {
        _writer.WriteEntry(entry);
        return this;
    }

    public static DateTimeOffset Time => Mtime;

    public byte[] Bytes()
    {
        _writer.Dispose();
        return _stream.ToArray();
    }
}
