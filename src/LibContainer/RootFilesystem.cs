using System.Formats.Tar;
using System.IO.Compression;
using LibContainer.Interop;

namespace LibContainer;

/// <summary>
/// Root filesystems for containers. A directory already is one (<c>spec.Root = new Root { Path = dir }</c>);
/// a tarball (<c>docker export</c>, a distribution's rootfs tarball, plain or gzip) is extracted into
/// one here, safely: nothing is written outside the target directory, whatever the archive says.
/// Images (layers, whiteouts, registries) are the graph driver's concern, not this class's.
/// </summary>
/// <example>
/// <code>
/// string rootfs = await RootFilesystem.ExtractAsync("alpine-minirootfs.tar.gz", "/srv/containers/web/rootfs");
/// spec.Root = new Root { Path = rootfs };
/// </code>
/// </example>
public static class RootFilesystem
{
    /// <summary>
    /// Extracts the tar archive at <paramref name="archivePath"/> (gzip-compressed or not) into
    /// <paramref name="directory"/>; see <see cref="ExtractAsync(Stream, string, CancellationToken)"/>.
    /// </summary>
    /// <param name="archivePath">The tarball.</param>
    /// <param name="directory">The root filesystem's directory; made if missing.</param>
    /// <param name="cancellationToken">Stops the extraction (a directory this call made is removed).</param>
    /// <returns>The full path of <paramref name="directory"/>.</returns>
    public static async Task<string> ExtractAsync(string archivePath, string directory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archivePath);
        FileStream file = File.OpenRead(archivePath);
        await using (file.ConfigureAwait(false))
        {
            return await ExtractAsync(file, directory, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Extracts a tar archive into <paramref name="directory"/>: regular files, directories, symbolic
    /// links (their targets kept as written: an absolute one resolves inside the container), hard
    /// links and fifos, with their modes, and as root their owners. Device nodes are skipped (the
    /// runtime makes /dev; linux.devices adds more). An entry whose path leaves the directory (..,
    /// or through a symbolic link the archive made) is an error naming it. A seekable stream is
    /// checked for gzip; wrap any other compressed stream in a <see cref="GZipStream"/> first.
    /// </summary>
    /// <param name="archive">The tar stream.</param>
    /// <param name="directory">The root filesystem's directory; made if missing, and removed again if this call fails.</param>
    /// <param name="cancellationToken">Stops the extraction.</param>
    /// <returns>The full path of <paramref name="directory"/>.</returns>
    /// <exception cref="InvalidDataException">An entry would land outside the directory, or the archive is not a tar.</exception>
    public static async Task<string> ExtractAsync(Stream archive, string directory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(directory);
        string root = Path.GetFullPath(directory);
        bool made = !Directory.Exists(root);
        Directory.CreateDirectory(root);
        try
        {
            Stream tar = IsGzip(archive) ? new GZipStream(archive, CompressionMode.Decompress, leaveOpen: true) : archive;
            await using (tar.ConfigureAwait(false))
            {
                await ExtractEntriesAsync(tar, root, cancellationToken).ConfigureAwait(false);
            }
            return root;
        }
        catch when (made)
        {
            Directory.Delete(root, recursive: true);
            throw;
        }
    }

    private static async Task ExtractEntriesAsync(Stream tar, string root, CancellationToken cancellationToken)
    {
        bool chown = Tmds.Linux.LibC.geteuid() == 0;
        var directories = new List<(string Path, UnixFileMode Mode)>();
        var reader = new TarReader(tar, leaveOpen: true);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                string target = Resolve(root, entry.Name);
                if (target == root)
                {
                    directories.Add((root, entry.Mode));
                    continue;
                }
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        if (!Directory.Exists(target) || IsSymlink(target))
                        {
                            RemoveExisting(target);
                            Directory.CreateDirectory(target);
                        }
                        directories.Add((target, entry.Mode)); // last: a read-only directory may still receive entries
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        RemoveExisting(target);
                        var file = new FileStream(target, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
                        await using (file.ConfigureAwait(false))
                        {
                            if (entry.DataStream is { } data)
                            {
                                await data.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                            }
                        }
                        break;
                    case TarEntryType.SymbolicLink:
                        RemoveExisting(target);
                        File.CreateSymbolicLink(target, entry.LinkName);
                        break;
                    case TarEntryType.HardLink:
                        string source = Resolve(root, entry.LinkName);
                        if (!File.Exists(source) || IsSymlink(source))
                        {
                            throw new InvalidDataException($"{entry.Name}: a hard link to {entry.LinkName}, which is not a regular file extracted before it");
                        }
                        RemoveExisting(target);
                        Sys.Link(source, target);
                        continue; // the link shares its source's owner and mode
                    case TarEntryType.Fifo:
                        RemoveExisting(target);
                        Sys.MkFifo(target, Convert.ToUInt32("600", 8));
                        break;
                    default:
                        continue; // devices (the runtime makes /dev), and what a rootfs does not hold
                }
                if (chown)
                {
                    Sys.Lchown(target, (uint)entry.Uid, (uint)entry.Gid); // before the mode: chown clears set-user-ID
                }
                if (entry.EntryType is not (TarEntryType.SymbolicLink or TarEntryType.Directory))
                {
                    File.SetUnixFileMode(target, entry.Mode);
                }
            }
        }
        for (int i = directories.Count - 1; i >= 0; i--)
        {
            File.SetUnixFileMode(directories[i].Path, directories[i].Mode);
        }
    }

    /// <summary>
    /// The host path of an archive's entry: below <paramref name="root"/>, and through no symbolic link
    /// (one the archive made earlier could point anywhere on the host).
    /// </summary>
    private static string Resolve(string root, string name)
    {
        string relative = name.TrimStart('/');
        string full = Path.GetFullPath(Path.Combine(root, relative));
        if (full != root && !full.StartsWith(root + "/", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{name}: the entry's path leaves the root filesystem");
        }
        for (string? dir = Path.GetDirectoryName(full); dir is not null && dir.Length > root.Length; dir = Path.GetDirectoryName(dir))
        {
            if (IsSymlink(dir))
            {
                throw new InvalidDataException($"{name}: the entry's path goes through the symbolic link {Path.GetRelativePath(root, dir)}");
            }
        }
        return full;
    }

    private static bool IsSymlink(string path) => new FileInfo(path).LinkTarget is not null;

    private static void RemoveExisting(string path)
    {
        if (Directory.Exists(path) && !IsSymlink(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else if (File.Exists(path) || IsSymlink(path))
        {
            File.Delete(path);
        }
    }

    private static bool IsGzip(Stream stream)
    {
        if (!stream.CanSeek)
        {
            return false;
        }
        long at = stream.Position;
        Span<byte> magic = stackalloc byte[2];
        int n = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Position = at;
        return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }
}
