using Lcd.Graph.Interop;

namespace Lcd.Graph;

/// <summary>What docker cp's stat of a path in a container says (the X-Docker-Container-Path-Stat header).</summary>
/// <param name="Name">The last component of the path.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Mode">Go's os.FileMode: permission bits plus Go's type bits (1&lt;&lt;31 a directory, 1&lt;&lt;27 a symlink...).</param>
/// <param name="Mtime">Its modification time.</param>
/// <param name="LinkTarget">For a symlink, the path it resolves to inside the container; else "".</param>
public sealed record PathStat(string Name, long Size, uint Mode, DateTimeOffset Mtime, string LinkTarget);

/// <summary>
/// Files in a container's root filesystem for docker cp and export. Every path is resolved inside the
/// root with openat2 RESOLVE_IN_ROOT: <c>..</c> and absolute symlinks stop at the container's root, as
/// they would inside the container, so nothing outside it is read or written. Extraction goes through
/// <see cref="LayerUnpacker"/>'s checks (no <c>..</c> or absolute entry, nothing written through a symlink).
/// </summary>
public static class ContainerFiles
{
    private const uint GoModeDir = 1u << 31, GoModeSymlink = 1u << 27, GoModeDevice = 1u << 26, GoModeNamedPipe = 1u << 25,
        GoModeSocket = 1u << 24, GoModeSetuid = 1u << 23, GoModeSetgid = 1u << 22, GoModeCharDevice = 1u << 21, GoModeSticky = 1u << 20;

    /// <summary>docker cp's stat of <paramref name="path"/> (not followed when it is a symlink). A missing path throws <see cref="GraphIOException"/> with ENOENT.</summary>
    public static PathStat Stat(string rootfs, string path)
    {
        using Resolved resolved = ResolveParent(rootfs, path);
        Native.Stat st = Native.LStat(resolved.FullPath);
        string linkTarget = "";
        if (st.Type == Native.S_IFLNK)
        {
            // Where it leads inside the container: the kernel resolves it in the root, /proc/self/fd names the result relative to the host.
            using SafeFd rootFd = Native.Open(rootfs, Native.O_PATH | Native.O_DIRECTORY);
            string inside = Join(resolved.Parent, resolved.Name);
            try
            {
                using SafeFd target = Native.OpenBeneath(rootFd, inside, Native.O_PATH, Native.RESOLVE_IN_ROOT | Native.RESOLVE_NO_MAGICLINKS);
                string host = new FileInfo($"/proc/self/fd/{target.Fd}").LinkTarget ?? "";
                string root = new FileInfo($"/proc/self/fd/{rootFd.Fd}").LinkTarget ?? rootfs;
                linkTarget = host == root ? "/" : host.StartsWith(root + "/", StringComparison.Ordinal) ? host[root.Length..] : "";
            }
            catch (GraphIOException e) when (e.Errno is Native.ENOENT or Native.ENOTDIR or Native.ELOOP)
            {
                linkTarget = new FileInfo(resolved.FullPath).LinkTarget ?? ""; // dangling: what it says
            }
        }
        return new PathStat(resolved.Name, st.Size, GoMode(st), DateTimeOffset.FromUnixTimeSeconds(st.Mtime.Sec).AddTicks(st.Mtime.Nsec / 100), linkTarget);
    }

    /// <summary>docker cp out: the object at <paramref name="path"/> as a tar whose entries start with its name (a directory with its contents).</summary>
    public static void WriteArchive(string rootfs, string path, Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using Resolved resolved = ResolveParent(rootfs, path);
        _ = Native.LStat(resolved.FullPath); // ENOENT before anything is written
        LayerWriter.WriteTree(resolved.FullPath, resolved.Name == "/" ? "." : resolved.Name, output);
    }

    /// <summary>
    /// docker cp in: extracts <paramref name="tar"/> into the directory <paramref name="path"/> of the
    /// container. Entries owned by 0:0 unless <paramref name="keepOwners"/>; more than <paramref name="maxSize"/> bytes refused.
    /// </summary>
    public static void Extract(string rootfs, string path, Stream tar, bool keepOwners, long maxSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tar);
        using SafeFd rootFd = Native.Open(rootfs, Native.O_PATH | Native.O_DIRECTORY);
        using SafeFd dir = Native.OpenBeneath(rootFd, Clean(path), Native.O_PATH | Native.O_DIRECTORY, Native.RESOLVE_IN_ROOT | Native.RESOLVE_NO_MAGICLINKS);
        LayerUnpacker.ExtractInto(dir, tar, keepOwners, maxSize, cancellationToken);
    }

    /// <summary>docker export: the whole root filesystem as one tar.</summary>
    public static void Export(string rootfs, Stream output) => LayerWriter.Write(rootfs, output);

    /// <summary>The path relative to the root, without empty and "." components ("" is the root; ".." is left to the kernel, which stops it at the root).</summary>
    private static string Clean(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new GraphException($"path '{path}': a NUL byte is refused");
        }
        return string.Join('/', path.Split('/').Where(p => p is not ("" or ".")));
    }

    private static string Join(string parent, string name) => parent.Length == 0 ? name : parent + "/" + name;

    /// <summary>The path's parent opened in the root (symlinks followed inside it), and its last component, not followed.</summary>
    private static Resolved ResolveParent(string rootfs, string path)
    {
        ArgumentNullException.ThrowIfNull(rootfs);
        string clean = Clean(path);
        bool dotEnd = path.EndsWith("/.", StringComparison.Ordinal) || path == ".";
        string parent, name;
        if (clean.Length == 0 || dotEnd)
        {
            // "/", or "DIR/.": the directory itself, its contents named "./..." (docker cp's "copy the contents").
            parent = clean;
            name = clean.Length == 0 && !dotEnd ? "/" : ".";
        }
        else
        {
            int slash = clean.LastIndexOf('/');
            parent = slash < 0 ? "" : clean[..slash];
            name = slash < 0 ? clean : clean[(slash + 1)..];
            if (name == "..")
            {
                // Let the kernel resolve it in the root, and name the result ".." as the client asked.
                parent = clean;
                name = ".";
            }
        }
        using SafeFd rootFd = Native.Open(rootfs, Native.O_PATH | Native.O_DIRECTORY);
        SafeFd dir = Native.OpenBeneath(rootFd, parent, Native.O_PATH | Native.O_DIRECTORY, Native.RESOLVE_IN_ROOT | Native.RESOLVE_NO_MAGICLINKS);
        return new Resolved(dir, parent, name);
    }

    private static uint GoMode(Native.Stat st)
    {
        uint mode = st.Mode & 0x1FF;
        mode |= st.Type switch
        {
            Native.S_IFDIR => GoModeDir,
            Native.S_IFLNK => GoModeSymlink,
            Native.S_IFIFO => GoModeNamedPipe,
            0xC000 => GoModeSocket,
            Native.S_IFCHR => GoModeDevice | GoModeCharDevice,
            Native.S_IFBLK => GoModeDevice,
            _ => 0,
        };
        if ((st.Mode & 0x800) != 0)
        {
            mode |= GoModeSetuid;
        }
        if ((st.Mode & 0x400) != 0)
        {
            mode |= GoModeSetgid;
        }
        if ((st.Mode & 0x200) != 0)
        {
            mode |= GoModeSticky;
        }
        return mode;
    }

    private sealed class Resolved(SafeFd dir, string parent, string name) : IDisposable
    {
        public string Parent { get; } = parent;

        public string Name { get; } = name;

        /// <summary>The object through the opened parent: /proc/self/fd/N/NAME (the parent cannot be swapped for a symlink under us).</summary>
        public string FullPath => Name is "." or "/" ? $"/proc/self/fd/{dir.Fd}/." : $"/proc/self/fd/{dir.Fd}/{Name}";

        public void Dispose() => dir.Dispose();
    }
}
