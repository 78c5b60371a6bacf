using System.Formats.Tar;
using Lcd.Graph.Interop;

namespace Lcd.Graph;

/// <summary>
/// Writes a directory as a layer tar (PAX), sorted by name so one tree gives one digest: files,
/// directories, symlinks, hard links (one inode written once), devices, fifos, owners, modes and
/// mtimes. Overlayfs' whiteouts are written in the layer form: a 0:0 character device NAME becomes
/// <c>.wh.NAME</c>, a directory with trusted.overlay.opaque=y gets a <c>.wh..wh..opq</c> entry.
/// </summary>
public static class LayerWriter
{
    /// <summary>Writes the tree at <paramref name="directory"/> to <paramref name="output"/>.</summary>
    public static void Write(string directory, Stream output, Func<string, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(output);
        if (!Directory.EnumerateFileSystemEntries(directory).Any(p => include is null || include(Path.GetFileName(p))))
        {
            // An empty layer is still a tar: its end-of-archive blocks (TarWriter writes none without an entry).
            output.Write(new byte[1024]);
            return;
        }
        using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        var inodes = new Dictionary<(ulong, ulong), string>();
        Walk(writer, directory, "", inodes, include);
    }

    /// <summary>
    /// Writes the object at <paramref name="path"/> as the entry <paramref name="name"/> and, for a
    /// directory, its contents under <c>name/</c> (docker cp's archive of one path; symlinks are written, never followed).
    /// </summary>
    public static void WriteTree(string path, string name, Stream output)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(name);
        using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        var inodes = new Dictionary<(ulong, ulong), string>();
        WriteOne(writer, path, name, inodes);
        if (Native.LStat(path).Type == Native.S_IFDIR)
        {
            Walk(writer, path, "", inodes, null, name);
        }
    }

    private static void Walk(TarWriter writer, string root, string relative, Dictionary<(ulong, ulong), string> inodes, Func<string, bool>? include, string? prefix = null)
    {
        string dir = relative.Length == 0 ? root : Path.Combine(root, relative);
        var names = Directory.EnumerateFileSystemEntries(dir).Select(p => Path.GetFileName(p)).ToList();
        names.Sort(StringComparer.Ordinal);
        foreach (string name in names)
        {
            string rel = relative.Length == 0 ? name : relative + "/" + name;
            if (include is not null && !include(rel))
            {
                continue;
            }
            WriteOne(writer, Path.Combine(root, rel), prefix is null ? rel : prefix + "/" + rel, inodes);
            if (Native.LStat(Path.Combine(root, rel)).Type == Native.S_IFDIR)
            {
                Walk(writer, root, rel, inodes, include, prefix);
            }
        }
    }

    /// <summary>Writes one file system object as the entry <paramref name="name"/> (and an opaque marker for an opaque directory).</summary>
    internal static void WriteOne(TarWriter writer, string path, string name, Dictionary<(ulong, ulong), string> inodes)
    {
        Native.Stat st = Native.LStat(path);
        DateTimeOffset mtime = DateTimeOffset.FromUnixTimeSeconds(st.Mtime.Sec).AddTicks(st.Mtime.Nsec / 100);
        PaxTarEntry entry;
        if (st.Type == Native.S_IFCHR && st.Rdev == 0)
        {
            string parent = Path.GetDirectoryName(name) ?? "";
            string whiteout = (parent.Length == 0 ? "" : parent + "/") + ".wh." + Path.GetFileName(name);
            writer.WriteEntry(Fill(new PaxTarEntry(TarEntryType.RegularFile, whiteout), st, mtime, 0));
            return;
        }
        if (st.Nlink > 1 && st.Type != Native.S_IFDIR)
        {
            if (inodes.TryGetValue((st.Dev, st.Ino), out string? first))
            {
                writer.WriteEntry(Fill(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = first }, st, mtime, 0));
                return;
            }
            inodes[(st.Dev, st.Ino)] = name;
        }
        switch (st.Type)
        {
            case Native.S_IFDIR:
                writer.WriteEntry(Fill(new PaxTarEntry(TarEntryType.Directory, name + "/"), st, mtime, 0));
                if (Native.LGetXattr(path, "trusted.overlay.opaque") is [(byte)'y'])
                {
                    writer.WriteEntry(Fill(new PaxTarEntry(TarEntryType.RegularFile, name + "/.wh..wh..opq"), st, mtime, 0));
                }
                return;
            case Native.S_IFREG:
                entry = Fill(new PaxTarEntry(TarEntryType.RegularFile, name), st, mtime, st.Mode);
                using (var data = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
                {
                    entry.DataStream = data;
                    writer.WriteEntry(entry);
                }
                return;
            case Native.S_IFLNK:
                writer.WriteEntry(Fill(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = new FileInfo(path).LinkTarget! }, st, mtime, st.Mode));
                return;
            case Native.S_IFCHR or Native.S_IFBLK:
                entry = Fill(new PaxTarEntry(st.Type == Native.S_IFCHR ? TarEntryType.CharacterDevice : TarEntryType.BlockDevice, name), st, mtime, st.Mode);
                entry.DeviceMajor = (int)st.Major;
                entry.DeviceMinor = (int)st.Minor;
                writer.WriteEntry(entry);
                return;
            case Native.S_IFIFO:
                writer.WriteEntry(Fill(new PaxTarEntry(TarEntryType.Fifo, name), st, mtime, st.Mode));
                return;
            default:
                return; // sockets are not carried in layers (as tar and Docker skip them)
        }
    }

    private static PaxTarEntry Fill(PaxTarEntry entry, Native.Stat st, DateTimeOffset mtime, uint mode)
    {
        entry.Uid = (int)st.Uid;
        entry.Gid = (int)st.Gid;
        entry.Mode = (UnixFileMode)((mode == 0 ? st.Mode : mode) & 0xfff);
        entry.ModificationTime = mtime;
        return entry;
    }
}
