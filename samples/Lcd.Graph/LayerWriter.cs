using Lcd.Graph.Interop;

namespace Lcd.Graph;

/// <summary>
/// Writes a directory as a layer tar (PAX), sorted by name so one tree gives one digest: files,
/// directories, symlinks, hard links (one inode written once), devices, fifos, owners, modes,
/// mtimes (whole seconds, as Docker writes them) and the xattrs an image carries, as
/// <c>SCHILY.xattr.NAME</c> records with their raw bytes: security.capability (a version 3 value
/// written as version 2, as Docker does: its root uid means nothing outside the user namespace
/// it was set in), security.ima and user.* but overlayfs' user.overlay.* (as containers/storage).
/// Overlayfs' whiteouts are written in the layer form: a 0:0 character device NAME becomes
/// <c>.wh.NAME</c>, a directory with trusted.overlay.opaque=y gets a <c>.wh..wh..opq</c> entry.
/// </summary>
public static class LayerWriter
{
    /// <summary>Writes the tree at <paramref name="directory"/> to <paramref name="output"/>.</summary>
    public static void Write(string directory, Stream output, Func<string, bool>? include = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(output);
        var writer = new PaxWriter(output);
        var inodes = new Dictionary<(ulong, ulong), string>();
        Walk(writer, directory, "", inodes, include);
        writer.Finish();
    }

    /// <summary>
    /// Writes the object at <paramref name="path"/> as the entry <paramref name="name"/> and, for a
    /// directory, its contents under <c>name/</c> (docker cp's archive of one path; symlinks are written, never followed).
    /// </summary>
    public static void WriteTree(string path, string name, Stream output)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(output);
        var writer = new PaxWriter(output);
        var inodes = new Dictionary<(ulong, ulong), string>();
        WriteOne(writer, path, name, inodes);
        if (Native.LStat(path).Type == Native.S_IFDIR)
        {
            Walk(writer, path, "", inodes, null, name);
        }
        writer.Finish();
    }

    private static void Walk(PaxWriter writer, string root, string relative, Dictionary<(ulong, ulong), string> inodes, Func<string, bool>? include, string? prefix = null)
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
            if (WriteOne(writer, Path.Combine(root, rel), prefix is null ? rel : prefix + "/" + rel, inodes) == Native.S_IFDIR)
            {
                Walk(writer, root, rel, inodes, include, prefix);
            }
        }
    }

    /// <summary>Writes one file system object as the entry <paramref name="name"/> (and an opaque marker for an opaque directory); returns its type.</summary>
    private static uint WriteOne(PaxWriter writer, string path, string name, Dictionary<(ulong, ulong), string> inodes)
    {
        Native.Stat st = Native.LStat(path);
        long mtime = st.Mtime.Sec;
        uint mode = st.Mode & 0xfff;
        if (st.Type == Native.S_IFCHR && st.Rdev == 0)
        {
            string parent = Path.GetDirectoryName(name) ?? "";
            string whiteout = (parent.Length == 0 ? "" : parent + "/") + ".wh." + Path.GetFileName(name);
            writer.WriteEntry(whiteout, (byte)'0', mode, st.Uid, st.Gid, mtime);
            return st.Type;
        }
        if (st.Nlink > 1 && st.Type != Native.S_IFDIR)
        {
            if (inodes.TryGetValue((st.Dev, st.Ino), out string? first))
            {
                writer.WriteEntry(name, (byte)'1', mode, st.Uid, st.Gid, mtime, linkName: first);
                return st.Type;
            }
            inodes[(st.Dev, st.Ino)] = name;
        }
        IReadOnlyList<KeyValuePair<string, byte[]>> xattrs = Xattrs(path);
        switch (st.Type)
        {
            case Native.S_IFDIR:
                writer.WriteEntry(name + "/", (byte)'5', mode, st.Uid, st.Gid, mtime, xattrs: xattrs);
                if (Native.LGetXattr(path, "trusted.overlay.opaque") is [(byte)'y'])
                {
                    writer.WriteEntry(name + "/.wh..wh..opq", (byte)'0', mode, st.Uid, st.Gid, mtime);
                }
                break;
            case Native.S_IFREG:
                using (var data = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
                {
                    // The size of the file opened (a file written meanwhile is cut there, a file that shrank is an error).
                    writer.WriteEntry(name, (byte)'0', mode, st.Uid, st.Gid, mtime, size: data.Length, xattrs: xattrs, data: data);
                }
                break;
            case Native.S_IFLNK:
                writer.WriteEntry(name, (byte)'2', mode, st.Uid, st.Gid, mtime, linkName: new FileInfo(path).LinkTarget!, xattrs: xattrs);
                break;
            case Native.S_IFCHR or Native.S_IFBLK:
                writer.WriteEntry(name, st.Type == Native.S_IFCHR ? (byte)'3' : (byte)'4', mode, st.Uid, st.Gid, mtime, devMajor: st.Major, devMinor: st.Minor, xattrs: xattrs);
                break;
            case Native.S_IFIFO:
                writer.WriteEntry(name, (byte)'6', mode, st.Uid, st.Gid, mtime, xattrs: xattrs);
                break;
            default:
                break; // sockets are not carried in layers (as tar and Docker skip them)
        }
        return st.Type;
    }

    /// <summary>The xattrs of <paramref name="path"/> a layer carries (see the type's summary), sorted by name.</summary>
    internal static IReadOnlyList<KeyValuePair<string, byte[]>> Xattrs(string path)
    {
        string[] names = Native.LListXattr(path);
        if (names.Length == 0)
        {
            return [];
        }
        var xattrs = new List<KeyValuePair<string, byte[]>>();
        foreach (string name in names)
        {
            if (name is not ("security.capability" or "security.ima") && !(name.StartsWith("user.", StringComparison.Ordinal) && !name.StartsWith("user.overlay.", StringComparison.Ordinal)))
            {
                continue;
            }
            if (Native.LGetXattr(path, name) is not { } value)
            {
                continue; // removed meanwhile
            }
            xattrs.Add(new(name, name == "security.capability" ? CapabilityV2(value) : value));
        }
        xattrs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return xattrs;
    }

    /// <summary>A vfs_cap_data of revision 3 (with a namespace root uid) as revision 2: the first 20 bytes, the revision byte changed.</summary>
    internal static byte[] CapabilityV2(byte[] value)
    {
        const int Revision2Size = 20, RevisionOffset = 3;
        if (value.Length > Revision2Size && value[RevisionOffset] == 3)
        {
            byte[] v2 = value[..Revision2Size];
            v2[RevisionOffset] = 2;
            return v2;
        }
        return value;
    }
}
