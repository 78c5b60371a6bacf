using Lcd.Graph.Interop;
using Lcd.Graph.Oci;

namespace Lcd.Graph;

/// <summary>The kind of a change, as <c>docker diff</c> prints it.</summary>
public enum ChangeKind
{
    /// <summary>C: changed (a file written, a directory whose contents changed).</summary>
    Modified,
    /// <summary>A: added.</summary>
    Added,
    /// <summary>D: deleted.</summary>
    Deleted,
}

/// <summary>One change of a container's filesystem.</summary>
/// <param name="Path">The path in the container (/etc/passwd).</param>
/// <param name="Kind">What happened to it.</param>
public sealed record Change(string Path, ChangeKind Kind)
{
    /// <summary>docker diff's line: "A /root/new".</summary>
    public override string ToString() => $"{Kind switch { ChangeKind.Added => 'A', ChangeKind.Deleted => 'D', _ => 'C' }} {Path}";
}

/// <summary>A container's changes (its overlay upper directory): docker diff, its layer tar, docker commit.</summary>
public static class ContainerChanges
{
    /// <summary>Docker's A/C/D list, sorted by path.</summary>
    public static IReadOnlyList<Change> Diff(ImageStore store, RootfsDriver rootfs, string id)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(rootfs);
        (ImageRecord image, string upper) = Upper(store, rootfs, id);
        IReadOnlyList<string> lowers = store.LayerPaths(image);
        var changes = new List<Change>();
        Walk(upper, "", lowers, changes);
        changes.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return changes;
    }

    /// <summary>Writes the container's changes as a layer tar (whiteouts as <c>.wh.</c> entries), what docker export of a diff gives.</summary>
    public static void WriteLayer(ImageStore store, RootfsDriver rootfs, string id, Stream output)
    {
        (_, string upper) = Upper(store, rootfs, id);
        LayerWriter.Write(upper, output);
    }

    /// <summary>
    /// docker commit: a new image made of the container's image and its changes as one more layer, the
    /// config updated with <paramref name="changes"/> (Cmd, Entrypoint, Env, WorkingDir, User), named <paramref name="names"/>.
    /// </summary>
    public static async Task<ImageRecord> CommitAsync(ImageStore store, RootfsDriver rootfs, string id, RunOptions? changes, IReadOnlyCollection<ImageReference> names,
        string? comment = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        (ImageRecord image, string upper) = Upper(store, rootfs, id);
        ContainerConfig config = store.GetConfig(image).Config ?? new ContainerConfig();
        if (changes is not null)
        {
            var env = new List<string>(config.Env ?? []);
            foreach (string e in changes.Env ?? [])
            {
                string name = e.Split('=', 2)[0];
                env.RemoveAll(x => x.Split('=', 2)[0] == name);
                env.Add(e);
            }
            config = config with
            {
                Entrypoint = changes.Entrypoint is null ? config.Entrypoint : [.. changes.Entrypoint],
                Cmd = changes.Cmd is null ? (changes.Entrypoint is null ? config.Cmd : null) : [.. changes.Cmd],
                Env = env,
                WorkingDir = changes.WorkingDir ?? config.WorkingDir,
                User = changes.User ?? config.User,
            };
        }
        return await ImageBuilder.BuildAsync(store, image, upper, config, comment ?? $"lcd commit {id}", names, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// docker commit with the new image's whole config given: <paramref name="config"/> replaces the
    /// container image's defaults, the new layer's history says <paramref name="history"/>, the image's author <paramref name="author"/>.
    /// </summary>
    public static async Task<ImageRecord> CommitAsync(ImageStore store, RootfsDriver rootfs, string id, ContainerConfig config, History history, string? author,
        IReadOnlyCollection<ImageReference> names, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        (ImageRecord image, string upper) = Upper(store, rootfs, id);
        return await ImageBuilder.BuildAsync(store, image, upper, config, history, author, names, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The image a container's rootfs was made from.</summary>
    public static ImageRecord ImageOf(ImageStore store, RootfsDriver rootfs, string id) => Upper(store, rootfs, id).Image;

    private static (ImageRecord Image, string Upper) Upper(ImageStore store, RootfsDriver rootfs, string id)
    {
        string dir = rootfs.ContainerDirectory(id);
        string imageFile = Path.Combine(dir, "image");
        string upper = rootfs.UpperDirectory(id);
        if (!File.Exists(imageFile))
        {
            throw new GraphException($"No such container rootfs: {id}");
        }
        if (!Directory.Exists(upper))
        {
            throw new GraphException($"container {id}: its rootfs is a copy (no overlay upper directory); diff and commit need the overlay driver");
        }
        return (store.Get(File.ReadAllText(imageFile)), upper);
    }

    /// <summary>True when the image shows the path: the topmost layer that has it decides (a whiteout there hides it).</summary>
    private static bool InLower(IReadOnlyList<string> lowers, string rel)
    {
        foreach (string lower in lowers)
        {
            if (Native.TryLStat(Path.Combine(lower, rel), out Native.Stat st))
            {
                return !(st.Type == Native.S_IFCHR && st.Rdev == 0);
            }
        }
        return false;
    }

    private static void Walk(string upper, string relative, IReadOnlyList<string> lowers, List<Change> changes)
    {
        string dir = relative.Length == 0 ? upper : Path.Combine(upper, relative);
        foreach (string path in Directory.EnumerateFileSystemEntries(dir))
        {
            string name = Path.GetFileName(path);
            string rel = relative.Length == 0 ? name : relative + "/" + name;
            Native.Stat st = Native.LStat(path);
            bool inLower = InLower(lowers, rel);
            if (st.Type == Native.S_IFCHR && st.Rdev == 0)
            {
                changes.Add(new Change("/" + rel, ChangeKind.Deleted));
                continue;
            }
            changes.Add(new Change("/" + rel, inLower ? ChangeKind.Modified : ChangeKind.Added));
            if (st.Type == Native.S_IFDIR)
            {
                if (inLower && Native.LGetXattr(path, "trusted.overlay.opaque") is [(byte)'y'])
                {
                    // An opaque directory hides all of the lower's entries that upper does not have.
                    foreach (string lower in lowers.Where(l => Directory.Exists(Path.Combine(l, rel))))
                    {
                        foreach (string hidden in Directory.EnumerateFileSystemEntries(Path.Combine(lower, rel)))
                        {
                            string hiddenRel = rel + "/" + Path.GetFileName(hidden);
                            if (!Native.TryLStat(Path.Combine(upper, hiddenRel), out _) && !changes.Any(c => c.Path == "/" + hiddenRel))
                            {
                                changes.Add(new Change("/" + hiddenRel, ChangeKind.Deleted));
                            }
                        }
                    }
                }
                Walk(upper, rel, lowers, changes);
            }
        }
    }
}
