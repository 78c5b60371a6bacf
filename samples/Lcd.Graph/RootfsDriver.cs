using Lcd.Graph.Interop;

namespace Lcd.Graph;

/// <summary>How a container's root filesystem is made from its image's layers.</summary>
public enum RootfsDriverKind
{
    /// <summary>Overlayfs with lowerdir+ (one layer per fsconfig call; Linux 6.8+), else mount(2) with short links.</summary>
    Overlay,
    /// <summary>Overlayfs through mount(2) with short links (<c>l/SHORT</c>), as Docker's overlay2 (any kernel with overlayfs).</summary>
    OverlayShortLinks,
    /// <summary>A plain copy of the layers, whiteouts applied (hosts without overlayfs).</summary>
    Copy,
}

/// <summary>
/// Containers' root filesystems: <c>containers/ID/</c> holds <c>upper/</c> and <c>work/</c> (the
/// container's own changes) and <c>merged/</c> (the overlay mount, the spec's root.path, mounted while a
/// run, a cp or an export uses it). Image layers
/// are overlayfs' read-only lower directories: a container never changes them. Making a rootfs takes a
/// lease on the image (it cannot be removed while the container exists).
/// </summary>
public sealed class RootfsDriver
{
    private readonly ImageStore _images;
    private readonly string _containers;
    private readonly Dictionary<string, int> _users = new(StringComparer.Ordinal);

    /// <summary>A driver over <paramref name="images"/>, keeping rootfs under its root's <c>containers/</c>.</summary>
    public RootfsDriver(ImageStore images, RootfsDriverKind kind = RootfsDriverKind.Overlay)
    {
        ArgumentNullException.ThrowIfNull(images);
        _images = images;
        Kind = kind;
        _containers = Path.Combine(images.Options.Root, "containers");
        Directory.CreateDirectory(_containers);
    }

    /// <summary>The mechanism.</summary>
    public RootfsDriverKind Kind { get; }

    /// <summary>The container's directory.</summary>
    public string ContainerDirectory(string id) => Path.Combine(_containers, CheckId(id));

    /// <summary>The container's changes (overlay's upper directory; for the copy driver, null).</summary>
    public string UpperDirectory(string id) => Path.Combine(ContainerDirectory(id), "upper");

    /// <summary>
    /// Makes the root filesystem of container <paramref name="id"/> from <paramref name="image"/> and
    /// returns its path, not mounted: as Docker's overlay2, the overlay is mounted only while somebody
    /// uses it (<see cref="Mount"/>: a run, a cp, an export), so a created or exited container holds no
    /// mount. The copy driver copies the layers here. On failure nothing is left: no mount, no
    /// directory, no lease.
    /// </summary>
    public string Create(string id, ImageRecord image)
    {
        ArgumentNullException.ThrowIfNull(image);
        string dir = ContainerDirectory(id);
        if (Directory.Exists(dir))
        {
            throw new GraphException($"container {id} already has a root filesystem at {dir}");
        }
        string merged = Path.Combine(dir, "merged");
        _images.AddLease(id, image.Id);
        try
        {
            Directory.CreateDirectory(merged);
            File.WriteAllText(Path.Combine(dir, "image"), image.Id);
            File.WriteAllText(Path.Combine(dir, "driver"), Kind.ToString());
            if (Kind == RootfsDriverKind.Copy)
            {
                foreach (string layer in _images.LayerPaths(image).Reverse())
                {
                    CopyLayer(layer, merged);
                }
                return merged;
            }
            Directory.CreateDirectory(Path.Combine(dir, "upper"));
            Directory.CreateDirectory(Path.Combine(dir, "work"));
            return merged;
        }
        catch
        {
            LayerUnpacker.RemoveTree(dir);
            _images.ReleaseLease(id);
            throw;
        }
    }

    /// <summary>
    /// Mounts the container's root filesystem for one more user and returns its path; the last
    /// <see cref="Release"/> unmounts it (Docker's overlay2 counts its users the same way). A mount found
    /// in place (a running container a restarted daemon takes over) is taken as it is.
    /// </summary>
    public string Mount(string id)
    {
        string dir = ContainerDirectory(id);
        string merged = Path.Combine(dir, "merged");
        if (!Directory.Exists(merged))
        {
            throw new GraphException($"container {id} has no root filesystem");
        }
        if (IsCopy(dir))
        {
            return merged;
        }
        lock (_users)
        {
            int users = _users.GetValueOrDefault(id);
            if (users == 0 && !IsMounted(merged))
            {
                ImageRecord image = _images.Get(File.ReadAllText(Path.Combine(dir, "image")).Trim());
                if (Kind == RootfsDriverKind.Overlay && LowerDirPlusWorks())
                {
                    var options = _images.LayerPaths(image).Select(p => ("lowerdir+", (string?)p)).ToList();
                    options.Add(("upperdir", Path.Combine(dir, "upper")));
                    options.Add(("workdir", Path.Combine(dir, "work")));
                    MountApi.Mount("overlay", merged, options);
                }
                else
                {
                    MountShortLinks(image, dir, merged);
                }
            }
            _users[id] = users + 1;
        }
        return merged;
    }

    /// <summary>One user of <see cref="Mount"/> is done; the last one unmounts the root filesystem.</summary>
    public void Release(string id)
    {
        lock (_users)
        {
            int users = _users.GetValueOrDefault(id);
            if (users > 1)
            {
                _users[id] = users - 1;
                return;
            }
            _users.Remove(id);
            Unmount(ContainerDirectory(id));
        }
    }

    /// <summary>A scoped <see cref="Mount"/>: the root filesystem while the returned use lives.</summary>
    public RootfsUse Use(string id) => new(this, id, Mount(id));

    /// <summary>Unmounts the root filesystem when nobody in this process uses it (what a crash or an older daemon left mounted).</summary>
    public void UnmountUnused(string id)
    {
        lock (_users)
        {
            if (!_users.ContainsKey(id) && Directory.Exists(ContainerDirectory(id)))
            {
                Unmount(ContainerDirectory(id));
            }
        }
    }

    /// <summary>Unmounts and removes the container's root filesystem and ends its lease. No error when there is none.</summary>
    public void Remove(string id)
    {
        string dir = ContainerDirectory(id);
        lock (_users)
        {
            _users.Remove(id);
            Unmount(dir);
        }
        LayerUnpacker.RemoveTree(dir);
        _images.ReleaseLease(id);
    }

    private static bool IsCopy(string dir) =>
        File.Exists(Path.Combine(dir, "driver")) && File.ReadAllText(Path.Combine(dir, "driver")) == nameof(RootfsDriverKind.Copy);

    /// <summary>A mount point's device differs from its parent directory's.</summary>
    private static bool IsMounted(string path) =>
        Native.TryLStat(path, out Native.Stat here) && Native.TryLStat(Path.GetDirectoryName(path)!, out Native.Stat parent) && here.Dev != parent.Dev;

    private static void Unmount(string dir)
    {
        string merged = Path.Combine(dir, "merged");
        if (!Directory.Exists(merged) || IsCopy(dir) || !IsMounted(merged))
        {
            return;
        }
        int rc = Native.Unmount(merged);
        if (rc is not (0 or Native.EINVAL or Native.ENOENT))
        {
            throw new GraphIOException("umount2", rc, merged);
        }
    }

    private void MountShortLinks(ImageRecord image, string dir, string merged)
    {
        // mount(2)'s data is one page: lowerdir=/proc/self/fd/N/SHORT:... with 10-character links fits ~128 layers,
        // the most Docker allows. The fd is of the l/ directory, so the path's length does not depend on the root's.
        using SafeFd links = Native.Open(_images.Layers.LinkDirectory, Native.O_PATH | Native.O_DIRECTORY);
        string prefix = $"/proc/self/fd/{links.Fd}/";
        string lower = string.Join(':', image.Chain.AsEnumerable().Reverse().Select(c => prefix + _images.Layers.ShortLink(Digest.Parse(c))));
        string data = $"lowerdir={lower},upperdir={Path.Combine(dir, "upper")},workdir={Path.Combine(dir, "work")}";
        if (data.Length >= 4096)
        {
            throw new GraphException($"image {image.Id}: {image.Chain.Count} layers do not fit in mount(2)'s options ({data.Length} bytes of 4095); this kernel needs lowerdir+ (Linux 6.8) or fewer layers");
        }
        Native.Mount("overlay", merged, "overlay", 0, data);
    }

    private static bool? s_lowerDirPlus;

    /// <summary>True when the kernel takes lowerdir+ (Linux 6.8+).</summary>
    public static bool LowerDirPlusWorks()
    {
        if (s_lowerDirPlus is { } known)
        {
            return known;
        }
        string release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        string[] parts = release.Split('.', '-');
        bool works = parts.Length >= 2 && int.TryParse(parts[0], out int major) && int.TryParse(parts[1], out int minor) && (major > 6 || (major == 6 && minor >= 8));
        s_lowerDirPlus = works;
        return works;
    }

    /// <summary>Copies one layer onto the tree: whiteouts remove, opaque directories are emptied first.</summary>
    private static void CopyLayer(string layer, string target)
    {
        foreach (string path in Directory.EnumerateFileSystemEntries(layer, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(layer, path);
            string destination = Path.Combine(target, relative);
            Native.Stat st = Native.LStat(path);
            if (st.Type == Native.S_IFCHR && st.Rdev == 0)
            {
                if (Directory.Exists(destination) && !File.Exists(destination))
                {
                    Directory.Delete(destination, recursive: true);
                }
                else if (Native.TryLStat(destination, out _))
                {
                    File.Delete(destination);
                }
                continue;
            }
            if (Native.TryLStat(destination, out Native.Stat existing) && !(existing.Type == Native.S_IFDIR && st.Type == Native.S_IFDIR))
            {
                if (existing.Type == Native.S_IFDIR)
                {
                    Directory.Delete(destination, recursive: true);
                }
                else
                {
                    File.Delete(destination);
                }
            }
            if (st.Type == Native.S_IFDIR)
            {
                if (Native.LGetXattr(path, "trusted.overlay.opaque") is [(byte)'y'] && Directory.Exists(destination))
                {
                    Directory.Delete(destination, recursive: true);
                }
                Directory.CreateDirectory(destination);
                File.SetUnixFileMode(destination, (UnixFileMode)(st.Mode & 0xfff));
            }
            else if (st.Type == Native.S_IFREG)
            {
                File.Copy(path, destination);
            }
            else if (st.Type == Native.S_IFLNK)
            {
                File.CreateSymbolicLink(destination, new FileInfo(path).LinkTarget!);
            }
            else
            {
                using SafeFd parent = Native.Open(Path.GetDirectoryName(destination)!, Native.O_PATH | Native.O_DIRECTORY);
                Native.MknodAt(parent, Path.GetFileName(destination), st.Mode, st.Major, st.Minor);
            }
            using (SafeFd parent = Native.Open(Path.GetDirectoryName(destination)!, Native.O_PATH | Native.O_DIRECTORY))
            {
                Native.FchownAt(parent, Path.GetFileName(destination), st.Uid, st.Gid);
                if (st.Type == Native.S_IFREG)
                {
                    Native.FchmodAt(parent, Path.GetFileName(destination), st.Mode & 0xfff);
                }
            }
        }
    }

    private static string CheckId(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (id.Contains('/', StringComparison.Ordinal) || id.StartsWith('.'))
        {
            throw new ArgumentException($"container id '{id}' must be a plain name", nameof(id));
        }
        return id;
    }
}

/// <summary>A container's root filesystem, mounted while this lives (<see cref="RootfsDriver.Use"/>).</summary>
public sealed class RootfsUse : IDisposable
{
    private readonly RootfsDriver _driver;
    private readonly string _id;
    private bool _released;

    internal RootfsUse(RootfsDriver driver, string id, string path)
    {
        _driver = driver;
        _id = id;
        Path = path;
    }

    /// <summary>The mounted root filesystem.</summary>
    public string Path { get; }

    public void Dispose()
    {
        if (!_released)
        {
            _released = true;
            _driver.Release(_id);
        }
    }
}
