using System.Formats.Tar;
using System.Text.Json;
using Lcd.Graph.Oci;

namespace Lcd.Graph;

/// <summary>
/// Images in files: <c>docker save</c> tarballs (manifest.json and layer tars, old and Docker 25's
/// OCI-shaped form), OCI image layouts as a directory or a tarball (index.json, blobs/sha256/),
/// layers gzip, zstd or plain. Load reads each archive once: every file goes into the content store
/// as it passes (hashed on the way), then the manifests pick what they need; what no image uses is
/// removed at the end, refused or not.
/// </summary>
public static class ImageArchive
{
    private const string RefNameAnnotation = "org.opencontainers.image.ref.name";
    private const string ContainerdNameAnnotation = "io.containerd.image.name";

    /// <summary>Loads every image of the archive or layout at <paramref name="path"/> (docker load).</summary>
    public static async Task<IReadOnlyList<ImageRecord>> LoadAsync(ImageStore store, string path, IProgress<LayerProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(path);
        if (!Directory.Exists(path))
        {
            await using var archive = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            return await LoadAsync(store, archive, progress, cancellationToken).ConfigureAwait(false);
        }
        return [.. (await LoadLayoutDirectoryAsync(store, path, progress, cancellationToken).ConfigureAwait(false)).Select(l => l.Image)];
    }

    /// <summary>Loads every image of a tarball (docker-archive or oci-archive) read from <paramref name="archive"/>.</summary>
    public static async Task<IReadOnlyList<ImageRecord>> LoadAsync(ImageStore store, Stream archive, IProgress<LayerProgress>? progress = null, CancellationToken cancellationToken = default) =>
        [.. (await LoadNamedAsync(store, archive, progress, cancellationToken).ConfigureAwait(false)).Select(l => l.Image)];

    /// <summary>As <see cref="LoadAsync(ImageStore, Stream, IProgress{LayerProgress}?, CancellationToken)"/>, with the names the archive gave each image (docker load's "Loaded image:" lines).</summary>
    public static async Task<IReadOnlyList<LoadedImage>> LoadNamedAsync(ImageStore store, Stream archive, IProgress<LayerProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var files = new Dictionary<string, (Digest Digest, long Size)>(StringComparer.Ordinal);
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        var added = new List<Digest>();
        try
        {
            await using (var reader = new TarReader(archive, leaveOpen: true))
            {
                TarEntry? entry;
                while ((entry = await NextAsync(reader, cancellationToken).ConfigureAwait(false)) is not null)
                {
                    string name = LayerUnpacker.CleanName(entry.Name);
                    switch (entry.EntryType)
                    {
                        case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                            (Digest digest, long size, bool isNew) = await store.Content.PutStreamAsync(entry.DataStream ?? Stream.Null, cancellationToken).ConfigureAwait(false);
                            files[name] = (digest, size);
                            if (isNew)
                            {
                                added.Add(digest);
                            }
                            break;
                        case TarEntryType.SymbolicLink:
                            // Old docker save: "ID/layer.tar -> ../OTHER/layer.tar" for a layer saved twice.
                            links[name] = Normalize((Path.GetDirectoryName(name) ?? "") + "/" + entry.LinkName);
                            break;
                        case TarEntryType.HardLink:
                            links[name] = LayerUnpacker.CleanName(entry.LinkName);
                            break;
                    }
                }
            }
            (Digest Digest, long Size) Find(string path)
            {
                string clean = Normalize(path);
                for (int hops = 0; hops < 8 && links.TryGetValue(clean, out string? target); hops++)
                {
                    clean = target;
                }
                return files.TryGetValue(clean, out var found) ? found : throw new GraphException($"the archive names '{path}', which it does not contain");
            }
            if (files.ContainsKey("manifest.json"))
            {
                return await LoadDockerArchiveAsync(store, Find, progress, cancellationToken).ConfigureAwait(false);
            }
            if (files.ContainsKey("index.json"))
            {
                Stream OpenBlob(Descriptor d)
                {
                    Digest digest = Digest.Parse(d.Digest);
                    (Digest actual, _) = Find($"blobs/sha256/{digest.Hex}");
                    return actual == digest ? store.Content.OpenRead(actual) : throw new GraphException($"blob {d.Digest}: digest mismatch, the archive's file is {actual}");
                }
                return await LoadLayoutAsync(store, store.Content.ReadAllBytes(Find("index.json").Digest), OpenBlob, progress, cancellationToken).ConfigureAwait(false);
            }
            throw new GraphException("the archive has neither manifest.json (docker save) nor index.json (OCI layout)");
        }
        finally
        {
            await store.RollBackAsync(added, [], null).ConfigureAwait(false);
        }
    }

    private static async Task<TarEntry?> NextAsync(TarReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new GraphException($"the archive is not a valid tar or is truncated: {e.Message}", e);
        }
    }

    private static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (string part in path.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    throw new GraphException($"the archive path '{path}' leaves the archive");
                }
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return string.Join('/', parts);
    }

    private static async Task<IReadOnlyList<LoadedImage>> LoadDockerArchiveAsync(ImageStore store, Func<string, (Digest Digest, long Size)> find,
        IProgress<LayerProgress>? progress, CancellationToken cancellationToken)
    {
        List<DockerArchiveEntry> entries = GraphJson.Parse(store.Content.ReadAllBytes(find("manifest.json").Digest), GraphJsonContext.Default.ListDockerArchiveEntry, "manifest.json");
        var images = new List<LoadedImage>();
        foreach (DockerArchiveEntry entry in entries)
        {
            (Digest configDigest, long configSize) = find(entry.Config);
            var manifest = new Manifest
            {
                MediaType = MediaTypes.DockerManifest,
                Config = new Descriptor { MediaType = MediaTypes.DockerConfig, Digest = configDigest.ToString(), Size = configSize },
                Layers = [.. entry.Layers.Select(l => find(l)).Select(l => new Descriptor { MediaType = MediaTypes.DockerLayer, Digest = l.Digest.ToString(), Size = l.Size })],
            };
            byte[] manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, GraphJsonContext.Default.Manifest);
            List<ImageReference> names = [.. (entry.RepoTags ?? []).Select(ImageReference.Parse)];
            images.Add(new LoadedImage(await store.ImportAsync(manifestBytes, (d, _) => Task.FromResult(store.Content.OpenRead(Digest.Parse(d.Digest))), names, progress, cancellationToken).ConfigureAwait(false), names));
        }
        return images;
    }

    private static async Task<IReadOnlyList<LoadedImage>> LoadLayoutDirectoryAsync(ImageStore store, string dir, IProgress<LayerProgress>? progress, CancellationToken cancellationToken)
    {
        string index = Path.Combine(dir, "index.json");
        if (!File.Exists(index))
        {
            throw new GraphException($"{dir} is not an OCI image layout: it has no index.json");
        }
        Stream OpenBlob(Descriptor d)
        {
            string blob = Path.Combine(dir, "blobs", "sha256", Digest.Parse(d.Digest).Hex);
            return File.Exists(blob) ? File.OpenRead(blob) : throw new GraphException($"blob {d.Digest} is not in the layout {dir}");
        }
        return await LoadLayoutAsync(store, await File.ReadAllBytesAsync(index, cancellationToken).ConfigureAwait(false), OpenBlob, progress, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<LoadedImage>> LoadLayoutAsync(ImageStore store, byte[] indexBytes, Func<Descriptor, Stream> openBlob,
        IProgress<LayerProgress>? progress, CancellationToken cancellationToken)
    {
        ImageIndex index = ParseIndex(indexBytes, "index.json");
        var images = new List<LoadedImage>();
        foreach (Descriptor descriptor in index.Manifests)
        {
            Descriptor manifestDescriptor = descriptor;
            byte[] bytes = ReadVerified(openBlob, manifestDescriptor);
            if (MediaTypes.IsIndex(manifestDescriptor.MediaType))
            {
                manifestDescriptor = SelectPlatform(ParseIndex(bytes, manifestDescriptor.Digest), manifestDescriptor.Digest);
                bytes = ReadVerified(openBlob, manifestDescriptor);
            }
            var names = new List<ImageReference>();
            if (descriptor.Annotations?.GetValueOrDefault(ContainerdNameAnnotation) is { } full)
            {
                names.Add(ImageReference.Parse(full));
            }
            else if (descriptor.Annotations?.GetValueOrDefault(RefNameAnnotation) is { } refName)
            {
                // A bare tag ("latest") names nothing by itself; a full reference is a name.
                if (ImageReference.TryParse(refName, out ImageReference? reference) && (refName.Contains(':', StringComparison.Ordinal) || refName.Contains('/', StringComparison.Ordinal)))
                {
                    names.Add(reference!);
                }
            }
            images.Add(new LoadedImage(await store.ImportAsync(bytes, (d, _) => Task.FromResult(openBlob(d)), names, progress, cancellationToken).ConfigureAwait(false), names));
        }
        return images;
    }

    private static byte[] ReadVerified(Func<Descriptor, Stream> openBlob, Descriptor descriptor)
    {
        using Stream stream = openBlob(descriptor);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        byte[] bytes = buffer.ToArray();
        Digest actual = Digest.Of(bytes);
        if (actual.ToString() != descriptor.Digest || bytes.Length != descriptor.Size)
        {
            throw new GraphException($"blob {descriptor.Digest}: digest mismatch, the content is {actual} ({bytes.Length} bytes, the descriptor says {descriptor.Size})");
        }
        return bytes;
    }

    internal static ImageIndex ParseIndex(byte[] bytes, string what) => GraphJson.Parse(bytes, GraphJsonContext.Default.ImageIndex, $"index {what}");

    /// <summary>The linux/amd64 manifest of an index (Docker's default platform on this host).</summary>
    public static Descriptor SelectPlatform(ImageIndex index, string what, string os = "linux", string architecture = "amd64")
    {
        ArgumentNullException.ThrowIfNull(index);
        return index.Manifests.FirstOrDefault(m => m.Platform is { } p && p.Os == os && p.Architecture == architecture && MediaTypes.IsManifest(m.MediaType))
            ?? throw new GraphException($"index {what}: no manifest for {os}/{architecture} (it has {string.Join(", ", index.Manifests.Select(m => m.Platform is { } p ? $"{p.Os}/{p.Architecture}" : "unknown"))})");
    }

    /// <summary>
    /// Writes images as a <c>docker save</c> tarball in Docker 25's form: an OCI layout (oci-layout,
    /// index.json, blobs/sha256/) plus manifest.json, which both docker load and OCI tools read.
    /// </summary>
    public static async Task SaveAsync(ImageStore store, IReadOnlyList<string> images, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(images);
        var entries = new List<DockerArchiveEntry>();
        var indexEntries = new List<Descriptor>();
        var blobs = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string nameOrId in images)
        {
            ImageRecord image = store.Get(nameOrId);
            Manifest manifest = store.GetManifest(image);
            byte[] manifestBytes = store.Content.ReadAllBytes(Digest.Parse(image.Manifest));
            List<string> tags = ImageReference.TryParse(nameOrId, out ImageReference? asked) && store.Names().ContainsKey(asked!.ToString())
                ? [asked.ToString()] : [.. store.NamesOf(image.Id)];
            entries.Add(new DockerArchiveEntry
            {
                Config = $"blobs/sha256/{Digest.Parse(image.Id).Hex}",
                RepoTags = [.. tags.Select(t => ImageReference.Parse(t)).Where(t => t.Tag is not null).Select(t => t.FamiliarName)],
                Layers = [.. manifest.Layers.Select(l => $"blobs/sha256/{Digest.Parse(l.Digest).Hex}")],
            });
            blobs.Add(image.Manifest);
            blobs.Add(image.Id);
            foreach (Descriptor layer in manifest.Layers)
            {
                blobs.Add(layer.Digest);
            }
            var descriptor = new Descriptor { MediaType = manifest.MediaType ?? MediaTypes.OciManifest, Digest = image.Manifest, Size = manifestBytes.Length };
            if (tags.Count == 0)
            {
                indexEntries.Add(descriptor);
            }
            foreach (ImageReference tag in tags.Select(t => ImageReference.Parse(t)).Where(t => t.Tag is not null))
            {
                indexEntries.Add(descriptor with { Annotations = new() { [ContainerdNameAnnotation] = tag.ToString(), [RefNameAnnotation] = tag.Tag! } });
            }
        }
        await using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        async Task WriteBytes(string name, byte[] bytes)
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes), Mode = (UnixFileMode)0x1A4, ModificationTime = DateTimeOffset.UnixEpoch };
            await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        }
        await WriteBytes("oci-layout", JsonSerializer.SerializeToUtf8Bytes(new OciLayoutFile { ImageLayoutVersion = "1.0.0" }, GraphJsonContext.Default.OciLayoutFile)).ConfigureAwait(false);
        foreach (string blob in blobs)
        {
            Digest digest = Digest.Parse(blob);
            await using Stream data = store.Content.OpenRead(digest);
            var entry = new PaxTarEntry(TarEntryType.RegularFile, $"blobs/sha256/{digest.Hex}") { DataStream = data, Mode = (UnixFileMode)0x1A4, ModificationTime = DateTimeOffset.UnixEpoch };
            await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        }
        await WriteBytes("index.json", JsonSerializer.SerializeToUtf8Bytes(new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = indexEntries }, GraphJsonContext.Default.ImageIndex)).ConfigureAwait(false);
        await WriteBytes("manifest.json", JsonSerializer.SerializeToUtf8Bytes(entries, GraphJsonContext.Default.ListDockerArchiveEntry)).ConfigureAwait(false);
    }
}
