using System.Formats.Tar;
using System.Text;
using Lcd.Graph.Interop;

namespace Lcd.Graph;

/// <summary>
/// Unpacks one layer tar into its own directory, safely: every entry name is checked (no absolute
/// name, no <c>..</c>), every parent is opened beneath the layer directory with openat2
/// (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS: a symlink planted by an earlier entry is never followed),
/// files are created with O_NOFOLLOW | O_EXCL, hard links must point at an entry of the same layer.
/// Whiteouts become what overlayfs reads: <c>.wh.NAME</c> a 0:0 character device NAME,
/// <c>.wh..wh..opq</c> the xattr trusted.overlay.opaque=y on its directory.
/// Any refusal names the entry, and the directory is removed: nothing of the layer is kept.
/// </summary>
public static class LayerUnpacker
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";

    /// <summary>
    /// Unpacks the uncompressed tar <paramref name="tar"/> into <paramref name="target"/> (created
    /// here, must not exist) and returns its diff id (sha256 of the tar stream).
    /// </summary>
    public static Digest Unpack(Stream tar, string target, UnpackOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tar);
        ArgumentNullException.ThrowIfNull(target);
        options ??= new UnpackOptions();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
        Directory.CreateDirectory(target);
        bool ok = false;
        try
        {
            using var tap = new TarTap(tar, options.MaxLayerSize);
            using (var unpack = new Extraction(Native.Open(target, Native.O_PATH | Native.O_DIRECTORY | Native.O_NOFOLLOW)))
            {
                unpack.Run(tap, cancellationToken);
            }
            Digest diffId = Finish(tap, null);
            if (options.ExpectedDiffId is { } expected && expected != diffId)
            {
                throw new LayerException($"layer diff id mismatch: the config says {expected}, the uncompressed layer is {diffId}");
            }
            ok = true;
            return diffId;
        }
        catch (LayerTooLargeException e)
        {
            throw new LayerException(e.Message, null, e);
        }
        finally
        {
            if (!ok)
            {
                RemoveTree(target);
            }
        }
    }

    private static Digest Finish(TarTap tap, string? entry)
    {
        try
        {
            return tap.Finish();
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new LayerException($"layer is corrupt or truncated after {entry ?? "the last entry"}: {e.Message}", entry, e);
        }
    }

    /// <summary>Removes a directory tree without following symlinks, also where modes say read-only.</summary>
    internal static void RemoveTree(string path)
    {
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            return;
        }
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (UnauthorizedAccessException)
        {
            // An immutable or append-only bit: nothing to do here; left for the operator.
            throw;
        }
    }

    /// <summary>Checks a tar name and returns it without "./", trailing or doubled slashes; "" is the layer root.</summary>
    internal static string CleanName(string name, string? entry = null)
    {
        string what = entry is null ? $"entry '{name}'" : $"entry '{entry}': hard link target '{name}'";
        entry ??= name;
        if (name.StartsWith('/'))
        {
            throw new LayerException($"{what}: absolute names are refused", entry);
        }
        if (name.Contains('\0', StringComparison.Ordinal))
        {
            throw new LayerException($"{what}: the name has a NUL byte", entry);
        }
        var parts = new List<string>();
        foreach (string part in name.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }
            if (part == "..")
            {
                throw new LayerException($"{what}: '..' in a name is refused (it would leave the layer)", entry);
            }
            parts.Add(part);
        }
        return string.Join('/', parts);
    }

    /// <summary>
    /// Extracts a plain tar (docker cp's) into the open directory <paramref name="directory"/> with the same
    /// checks as a layer (no absolute name, no <c>..</c>, nothing written through a symlink), but
    /// without whiteouts (a <c>.wh.</c> name is an ordinary file) and, unless <paramref name="keepOwners"/>,
    /// every entry owned by 0:0. What was written before a refused entry stays (as tar leaves it); nothing is written outside.
    /// </summary>
    internal static void ExtractInto(SafeFd directory, Stream tar, bool keepOwners, long maxSize, CancellationToken cancellationToken = default)
    {
        using var tap = new TarTap(tar, maxSize);
        using SafeFd root = Native.OpenAt(directory, ".", Native.O_PATH | Native.O_DIRECTORY);
        using (var extraction = new Extraction(root, layer: false, keepOwners))
        {
            try
            {
                extraction.Run(tap, cancellationToken);
            }
            catch (LayerTooLargeException e)
            {
                throw new LayerException(e.Message, null, e);
            }
        }
        Finish(tap, null);
    }

    private sealed class Extraction(SafeFd root, bool layer = true, bool keepOwners = true) : IDisposable
    {
        private readonly SafeFd _root = root;
        private readonly bool _layer = layer;
        private readonly bool _keepOwners = keepOwners;
        private readonly List<(string Path, long MtimeNs)> _dirTimes = [];
        private readonly byte[] _buffer = new byte[1 << 17];
        private string? _cachedParent;
        private string _currentParent = "";
        private SafeFd? _cachedParentFd;

        public void Run(TarTap tap, CancellationToken cancellationToken)
        {
            using var reader = new TarReader(tap, leaveOpen: true);
            string? last = null;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                TarEntry? entry;
                try
                {
                    entry = reader.GetNextEntry(copyData: false);
                }
                catch (Exception e) when (e is IOException or InvalidDataException or FormatException or ArgumentException)
                {
                    throw new LayerException($"layer is corrupt or truncated after entry '{last ?? "(start)"}': {e.Message}", last, e);
                }
                if (entry is null)
                {
                    break;
                }
                last = entry.Name;
                try
                {
                    Apply(entry, tap.CurrentXattrs);
                }
                catch (GraphIOException e)
                {
                    throw new LayerException($"entry '{entry.Name}': {e.Message}", entry.Name, e);
                }
                catch (Exception e) when (e is IOException or InvalidDataException)
                {
                    throw new LayerException($"layer is corrupt or truncated in entry '{entry.Name}': {e.Message}", entry.Name, e);
                }
            }
            // Directory times last: creating their children changed them.
            for (int i = _dirTimes.Count - 1; i >= 0; i--)
            {
                (string path, long mtime) = _dirTimes[i];
                Native.UtimensAt(_root, path, mtime, mtime);
            }
        }

        private void Apply(TarEntry entry, Dictionary<string, byte[]>? xattrs)
        {
            string name = CleanName(entry.Name);
            string parentPath = Path.GetDirectoryName(name) ?? "";
            _currentParent = parentPath;
            string baseName = Path.GetFileName(name);
            long mtimeNs = (entry.ModificationTime.ToUnixTimeMilliseconds() * 1_000_000) + (entry.ModificationTime.Ticks % TimeSpan.TicksPerMillisecond * 100);
            if (name.Length == 0)
            {
                if (_layer && entry.EntryType is TarEntryType.Directory)
                {
                    Native.Fchown(_root, (uint)entry.Uid, (uint)entry.Gid, ".");
                    using SafeFd self = Native.OpenAt(_root, ".", Native.O_RDONLY | Native.O_DIRECTORY);
                    Native.Fchmod(self, Mode(entry), ".");
                    _dirTimes.Add(("", mtimeNs));
                }
                return;
            }
            SafeFd parent = OpenParent(parentPath, entry.Name);
            if (!_keepOwners)
            {
                entry.Uid = 0;
                entry.Gid = 0;
            }
            if (_layer && baseName == OpaqueMarker)
            {
                using SafeFd dir = Native.OpenAt(parent, ".", Native.O_RDONLY | Native.O_DIRECTORY);
                Native.FSetXattr(dir, "trusted.overlay.opaque", "y"u8, parentPath);
                return;
            }
            if (_layer && baseName.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                if (baseName.StartsWith(WhiteoutPrefix + WhiteoutPrefix, StringComparison.Ordinal))
                {
                    return; // aufs metadata (.wh..wh.plnk, .wh..wh.aufs): nothing for overlayfs
                }
                string hidden = baseName[WhiteoutPrefix.Length..];
                if (hidden is "." or "..")
                {
                    throw new LayerException($"entry '{entry.Name}': a whiteout of '{hidden}' is refused", entry.Name);
                }
                RemoveExisting(parent, hidden);
                Native.MknodAt(parent, hidden, Native.S_IFCHR, 0, 0);
                Native.FchownAt(parent, hidden, (uint)entry.Uid, (uint)entry.Gid);
                return;
            }
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory(parent, name, baseName, entry, xattrs, mtimeNs);
                    return;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    RegularFile(parent, baseName, entry, xattrs, mtimeNs);
                    return;
                case TarEntryType.SymbolicLink:
                    RemoveExisting(parent, baseName);
                    Native.SymlinkAt(entry.LinkName, parent, baseName);
                    Native.FchownAt(parent, baseName, (uint)entry.Uid, (uint)entry.Gid);
                    Native.UtimensAt(parent, baseName, mtimeNs, mtimeNs);
                    return;
                case TarEntryType.HardLink:
                    HardLink(parent, baseName, entry);
                    return;
                case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                    Special(parent, baseName, entry, mtimeNs);
                    return;
                case TarEntryType.GlobalExtendedAttributes:
                    return;
                default:
                    throw new LayerException($"entry '{entry.Name}': type {entry.EntryType} is not supported in a layer", entry.Name);
            }
        }

        private static uint Mode(TarEntry entry) => (uint)entry.Mode & 0xfff; // permissions, setuid, setgid, sticky

        private void Directory(SafeFd parent, string name, string baseName, TarEntry entry, Dictionary<string, byte[]>? xattrs, long mtimeNs)
        {
            int rc = Native.MkdirAt(parent, baseName, 0x1C0 /* 0700 */);
            if (rc == Native.EEXIST)
            {
                // Kept when it is a directory (tar's behaviour: later entries update it); replaced otherwise.
                if (Native.TryOpenAt(parent, baseName, Native.O_RDONLY | Native.O_DIRECTORY | Native.O_NOFOLLOW, out SafeFd? existing) != 0)
                {
                    RemoveExisting(parent, baseName);
                    rc = Native.MkdirAt(parent, baseName, 0x1C0 /* 0700 */);
                }
                else
                {
                    existing!.Dispose();
                    rc = 0;
                }
            }
            if (rc != 0)
            {
                throw new GraphIOException("mkdirat", rc, name);
            }
            using SafeFd dir = Native.OpenAt(parent, baseName, Native.O_RDONLY | Native.O_DIRECTORY | Native.O_NOFOLLOW);
            Native.Fchown(dir, (uint)entry.Uid, (uint)entry.Gid, name);
            Native.Fchmod(dir, Mode(entry), name);
            SetXattrs(dir, xattrs, name);
            _dirTimes.Add((name, mtimeNs));
        }

        private void RegularFile(SafeFd parent, string baseName, TarEntry entry, Dictionary<string, byte[]>? xattrs, long mtimeNs)
        {
            // Created where nothing is (the usual case: one system call); what an earlier entry left there is removed first.
            const int Create = Native.O_WRONLY | Native.O_CREAT | Native.O_EXCL | Native.O_NOFOLLOW | Native.O_NOCTTY;
            int rc = Native.TryOpenAt(parent, baseName, Create, out SafeFd? created, 0x180 /* 0600 */);
            if (rc == Native.EEXIST)
            {
                RemoveExisting(parent, baseName);
                created = Native.OpenAt(parent, baseName, Create, 0x180 /* 0600 */);
            }
            else if (rc != 0)
            {
                throw new GraphIOException("openat", rc, entry.Name);
            }
            using SafeFd file = created!;
            if (entry.DataStream is { } data)
            {
                int n;
                while ((n = data.Read(_buffer)) > 0)
                {
                    Native.WriteAll(file, _buffer.AsSpan(0, n), entry.Name);
                }
            }
            Native.Fchown(file, (uint)entry.Uid, (uint)entry.Gid, entry.Name);
            Native.Fchmod(file, Mode(entry), entry.Name); // after chown, which clears setuid
            SetXattrs(file, xattrs, entry.Name);
            Native.UtimensAt(parent, baseName, mtimeNs, mtimeNs);
        }

        private void HardLink(SafeFd parent, string baseName, TarEntry entry)
        {
            string target = CleanName(entry.LinkName, entry.Name);
            if (target.Length == 0)
            {
                throw new LayerException($"entry '{entry.Name}': a hard link to the layer's root is refused", entry.Name);
            }
            string targetParent = Path.GetDirectoryName(target) ?? "";
            SafeFd source;
            try
            {
                source = OpenDir(targetParent, entry.Name, create: false);
            }
            catch (GraphIOException e) when (e.Errno == Native.ENOENT)
            {
                throw new LayerException($"entry '{entry.Name}': hard link to '{entry.LinkName}', which is not in this layer", entry.Name);
            }
            using SafeFd sourceDir = source;
            if (Native.TryOpenAt(source, Path.GetFileName(target), Native.O_PATH | Native.O_NOFOLLOW, out SafeFd? probe) != 0)
            {
                throw new LayerException($"entry '{entry.Name}': hard link to '{entry.LinkName}', which is not in this layer", entry.Name);
            }
            probe!.Dispose();
            RemoveExisting(parent, baseName);
            Native.LinkAt(source, Path.GetFileName(target), parent, baseName);
        }

        private void Special(SafeFd parent, string baseName, TarEntry entry, long mtimeNs)
        {
            RemoveExisting(parent, baseName);
            uint type = entry.EntryType switch
            {
                TarEntryType.CharacterDevice => Native.S_IFCHR,
                TarEntryType.BlockDevice => Native.S_IFBLK,
                _ => Native.S_IFIFO,
            };
            (uint major, uint minor) = entry is PosixTarEntry posix && entry.EntryType != TarEntryType.Fifo ? ((uint)posix.DeviceMajor, (uint)posix.DeviceMinor) : (0u, 0u);
            Native.MknodAt(parent, baseName, type | 0x180 /* 0600 */, major, minor);
            Native.FchownAt(parent, baseName, (uint)entry.Uid, (uint)entry.Gid);
            Native.FchmodAt(parent, baseName, Mode(entry));
            Native.UtimensAt(parent, baseName, mtimeNs, mtimeNs);
        }

        private static void SetXattrs(SafeFd fd, Dictionary<string, byte[]>? xattrs, string what)
        {
            if (xattrs is null)
            {
                return;
            }
            foreach ((string name, byte[] value) in xattrs)
            {
                // Only what a container may carry: security.capability and user.*; trusted.* (overlay's own) is refused.
                if (name.StartsWith("security.", StringComparison.Ordinal) || name.StartsWith("user.", StringComparison.Ordinal))
                {
                    Native.FSetXattr(fd, name, value, what);
                }
            }
        }

        /// <summary>Removes whatever is at name (a directory with its contents), so a later entry replaces it.</summary>
        private void RemoveExisting(SafeFd parent, string name)
        {
            int rc = Native.UnlinkAt(parent, name, directory: false);
            if (rc is 0 or Native.ENOENT)
            {
                return;
            }
            if (rc is Native.EISDIR or 1 /* EPERM */)
            {
                // A cached parent inside the removed directory would be a deleted one: forgotten.
                string removed = _currentParent.Length == 0 ? name : _currentParent + "/" + name;
                if (_cachedParent is { } cached && (cached == removed || cached.StartsWith(removed + "/", StringComparison.Ordinal)))
                {
                    _cachedParent = null;
                    _cachedParentFd?.Dispose();
                    _cachedParentFd = null;
                }
                RemoveDirectoryAt(parent, name);
                return;
            }
            throw new GraphIOException("unlinkat", rc, name);
        }

        private static void RemoveDirectoryAt(SafeFd parent, string name)
        {
            using (SafeFd dir = Native.OpenAt(parent, name, Native.O_RDONLY | Native.O_DIRECTORY | Native.O_NOFOLLOW))
            {
                foreach (string child in System.IO.Directory.EnumerateFileSystemEntries($"/proc/self/fd/{dir.Fd}").Select(p => Path.GetFileName(p)).ToList())
                {
                    if (Native.UnlinkAt(dir, child!, directory: false) is Native.EISDIR or 1)
                    {
                        RemoveDirectoryAt(dir, child!);
                    }
                }
            }
            int rc = Native.UnlinkAt(parent, name, directory: true);
            if (rc != 0)
            {
                throw new GraphIOException("unlinkat", rc, name);
            }
        }

        /// <summary>The entry's parent directory: cached for runs of entries in one directory.</summary>
        private SafeFd OpenParent(string parentPath, string entryName)
        {
            if (_cachedParent == parentPath && _cachedParentFd is not null)
            {
                return _cachedParentFd;
            }
            SafeFd fd = OpenDir(parentPath, entryName, create: true);
            _cachedParentFd?.Dispose();
            _cachedParentFd = fd;
            _cachedParent = parentPath;
            return fd;
        }

        /// <summary>Opens a directory beneath the layer root, never through a symlink; missing directories are made (0755, as tar does).</summary>
        private SafeFd OpenDir(string path, string entryName, bool create)
        {
            try
            {
                return Native.OpenBeneath(_root, path, Native.O_RDONLY | Native.O_DIRECTORY);
            }
            catch (GraphIOException e) when (e.Errno is Native.ELOOP or Native.EXDEV or Native.ENOTDIR)
            {
                throw new LayerException($"entry '{entryName}': '{path}' is a symlink or not a directory; an entry may not be written through a symlink", entryName, e);
            }
            catch (GraphIOException e) when (e.Errno == Native.ENOENT && create)
            {
                SafeFd dir = Native.OpenAt(_root, ".", Native.O_RDONLY | Native.O_DIRECTORY);
                foreach (string component in path.Split('/'))
                {
                    int rc = Native.MkdirAt(dir, component, 0x1ED /* 0755 */);
                    if (rc is not (0 or Native.EEXIST))
                    {
                        dir.Dispose();
                        throw new GraphIOException("mkdirat", rc, path);
                    }
                    int open = Native.TryOpenAt(dir, component, Native.O_RDONLY | Native.O_DIRECTORY | Native.O_NOFOLLOW, out SafeFd? next);
                    dir.Dispose();
                    if (open != 0)
                    {
                        throw new LayerException($"entry '{entryName}': '{path}' is a symlink or not a directory; an entry may not be written through a symlink", entryName);
                    }
                    dir = next!;
                }
                return dir;
            }
        }

        public void Dispose()
        {
            _cachedParentFd?.Dispose();
            _root.Dispose();
        }
    }

    /// <summary>For messages: bytes as text where they are text.</summary>
    internal static string Printable(byte[] value) => Encoding.UTF8.GetString(value);
}
