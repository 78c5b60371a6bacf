using System.Collections.Concurrent;
using System.Text.Json;
using Lcd.Graph.Oci;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lcd.Graph;

/// <summary>
/// The image side of the graph driver: images (a manifest, a config, layers), their names, and the
/// leases of the containers that use them. On disk under <see cref="GraphOptions.Root"/>:
/// <c>blobs/</c> and <c>ingest/</c> (<see cref="ContentStore"/>), <c>layers/</c> and <c>l/</c> (<see cref="LayerStore"/>),
/// <c>images/HEX.json</c> (one record per image, HEX = its config digest), <c>repositories.json</c>
/// (normalised name to image id), <c>leases/HOLDER</c> (the image a container uses).
/// Every file is written to a temporary name and renamed into place.
/// </summary>
/// <example>
/// <code>
/// var images = new ImageStore(new GraphOptions { Root = "/var/lib/lcd/graph" });
/// ImageRecord busybox = await BusyboxImage.BuildAsync(images, "busybox:latest");
/// RuntimeSpec spec = ImageSpec.Create(images.GetConfig(busybox), rootfs, new RunOptions { Cmd = ["echo", "hi"] });
/// </code>
/// </example>
public sealed partial class ImageStore : IDisposable
{
    private readonly string _images;
    private readonly string _leases;
    private readonly string _names;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, int> _pins = new();
    private readonly ILogger _logger;

    /// <summary>The store at <paramref name="options"/>' root, created if missing.</summary>
    public ImageStore(GraphOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Directory.CreateDirectory(options.Root);
        Content = new ContentStore(options.Root);
        Layers = new LayerStore(options.Root);
        _images = Path.Combine(options.Root, "images");
        _leases = Path.Combine(options.Root, "leases");
        _names = Path.Combine(options.Root, "repositories.json");
        Directory.CreateDirectory(_images);
        Directory.CreateDirectory(_leases);
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Lcd.Graph");
    }

    /// <summary>The options.</summary>
    public GraphOptions Options { get; }

    /// <summary>The blobs.</summary>
    public ContentStore Content { get; }

    /// <summary>The unpacked layers.</summary>
    public LayerStore Layers { get; }

    /// <summary>Every image.</summary>
    public IReadOnlyList<ImageRecord> List() =>
        Directory.EnumerateFiles(_images, "*.json").Select(f => JsonSerializer.Deserialize(File.ReadAllBytes(f), GraphJsonContext.Default.ImageRecord)!).ToList();

    /// <summary>Every name, normalised, with the id it points at.</summary>
    public IReadOnlyDictionary<string, string> Names() => ReadNames();

    /// <summary>The names of one image.</summary>
    public IReadOnlyList<string> NamesOf(string imageId) => ReadNames().Where(n => n.Value == imageId).Select(n => n.Key).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Finds an image by name (<c>busybox</c>, <c>localhost:5000/app:1</c>, <c>name@sha256:...</c>), by id
    /// (<c>sha256:...</c>) or by an unambiguous id prefix of at least 4 hex digits; null when none.
    /// </summary>
    public ImageRecord? Find(string nameOrId)
    {
        ArgumentNullException.ThrowIfNull(nameOrId);
        if (Digest.TryParse(nameOrId, out Digest id))
        {
            return Read(id);
        }
        if (nameOrId.Length >= 4 && nameOrId.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            var matches = Directory.EnumerateFiles(_images, nameOrId + "*.json").ToList();
            if (matches.Count == 1)
            {
                return Read(Digest.Parse("sha256:" + Path.GetFileNameWithoutExtension(matches[0])));
            }
        }
        if (!ImageReference.TryParse(nameOrId, out ImageReference? reference))
        {
            return null;
        }
        if (ReadNames().TryGetValue(reference!.ToString(), out string? byName))
        {
            return Read(Digest.Parse(byName));
        }
        if (reference.Digest is { } manifestDigest)
        {
            // name@sha256:MANIFEST finds the image pulled by that manifest under that repository.
            return List().FirstOrDefault(r => r.Manifest == manifestDigest.ToString() && NamesOf(r.Id).Any(n => n.StartsWith(reference.Repository + ":", StringComparison.Ordinal) || n.StartsWith(reference.Repository + "@", StringComparison.Ordinal)));
        }
        return null;
    }

    /// <summary>Like <see cref="Find"/>, but a missing image is an error naming it.</summary>
    public ImageRecord Get(string nameOrId) => Find(nameOrId) ?? throw new GraphException($"No such image: {nameOrId}");

    /// <summary>The image's manifest.</summary>
    public Manifest GetManifest(ImageRecord image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return JsonSerializer.Deserialize(Content.ReadAllBytes(Digest.Parse(image.Manifest)), GraphJsonContext.Default.Manifest)!;
    }

    /// <summary>The image's config.</summary>
    public ImageConfig GetConfig(ImageRecord image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return JsonSerializer.Deserialize(Content.ReadAllBytes(Digest.Parse(image.Id)), GraphJsonContext.Default.ImageConfig)!;
    }

    /// <summary>The image's layer directories, top first (overlayfs' lowerdir order).</summary>
    public IReadOnlyList<string> LayerPaths(ImageRecord image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return image.Chain.Select(c => Layers.DiffPath(Digest.Parse(c))).Reverse().ToList();
    }

    /// <summary>Gives an image one more name (moved from any image that had it).</summary>
    public async Task TagAsync(string imageId, ImageReference name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Read(Digest.Parse(imageId)) is null)
            {
                throw new GraphException($"No such image: {imageId}");
            }
            Dictionary<string, string> names = ReadNames();
            names[name.ToString()] = imageId;
            WriteNames(names);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Docker's <c>rmi</c>: by name, removes the name, and the image when it was its last name; by id,
    /// removes the image and all its names. An image a container uses (a lease) is refused unless
    /// <paramref name="force"/> is set and only a name goes. Blobs and layers go at the next <see cref="GarbageCollectAsync"/>.
    /// Returns what was done, as Docker's "Untagged:" and "Deleted:" lines.
    /// </summary>
    public async Task<IReadOnlyList<string>> RemoveAsync(string nameOrId, bool force = false, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ImageRecord image = Get(nameOrId);
            Dictionary<string, string> names = ReadNames();
            var done = new List<string>();
            bool byName = !Digest.TryParse(nameOrId, out _) && ImageReference.TryParse(nameOrId, out ImageReference? reference) && names.ContainsKey(reference!.ToString());
            List<string> users = LeaseHolders(image.Id);
            if (byName)
            {
                string key = ImageReference.Parse(nameOrId).ToString();
                // Digest names (repo@sha256:..., recorded by pull and push) do not keep an image: tags do.
                int namesLeft = names.Count(n => n.Value == image.Id && n.Key != key && !n.Key.Contains('@', StringComparison.Ordinal));
                if (namesLeft == 0 && users.Count > 0 && !force)
                {
                    throw new GraphException($"conflict: unable to remove repository reference \"{nameOrId}\" (must force) - container {users[0]} is using its referenced image {image.Id}");
                }
                names.Remove(key);
                done.Add("Untagged: " + ImageReference.Parse(nameOrId).FamiliarName);
                if (namesLeft > 0 || users.Count > 0)
                {
                    WriteNames(names);
                    return done;
                }
            }
            else if (users.Count > 0)
            {
                throw new GraphException($"conflict: unable to delete {Digest.Parse(image.Id).Hex[..12]} (cannot be forced) - image is being used by container {users[0]}");
            }
            foreach (string name in names.Where(n => n.Value == image.Id).Select(n => n.Key).ToList())
            {
                names.Remove(name);
                done.Add("Untagged: " + ImageReference.Parse(name).FamiliarName);
            }
            WriteNames(names);
            File.Delete(RecordPath(Digest.Parse(image.Id)));
            done.Add("Deleted: " + image.Id);
            return done;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Records that <paramref name="holder"/> (a container) uses the image: it cannot be removed until <see cref="ReleaseLease"/>.</summary>
    public void AddLease(string holder, string imageId)
    {
        CheckHolder(holder);
        if (Read(Digest.Parse(imageId)) is null)
        {
            throw new GraphException($"No such image: {imageId}");
        }
        WriteAtomic(Path.Combine(_leases, holder), System.Text.Encoding.UTF8.GetBytes(imageId));
    }

    /// <summary>Ends a lease (no error when there is none).</summary>
    public void ReleaseLease(string holder)
    {
        CheckHolder(holder);
        File.Delete(Path.Combine(_leases, holder));
    }

    /// <summary>The containers that use an image.</summary>
    public List<string> LeaseHolders(string imageId) =>
        Directory.EnumerateFiles(_leases).Where(f => !Path.GetFileName(f).StartsWith('.') && File.ReadAllText(f) == imageId).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Removes every blob and layer no image uses (and that no import in progress holds), and images
    /// without a name that no container uses are kept (as Docker's dangling images). Returns what went.
    /// </summary>
    public async Task<(IReadOnlyList<Digest> Blobs, IReadOnlyList<Digest> Layers)> GarbageCollectAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            (HashSet<Digest> blobs, HashSet<Digest> layers) = Referenced();
            var goneBlobs = Content.List().Where(d => !blobs.Contains(d) && !_pins.ContainsKey(d.ToString())).ToList();
            var goneLayers = Layers.List().Where(c => !layers.Contains(c) && !_pins.ContainsKey(c.ToString())).ToList();
            goneBlobs.ForEach(Content.Delete);
            goneLayers.ForEach(Layers.Delete);
            if (goneBlobs.Count + goneLayers.Count > 0)
            {
                _logger.GarbageCollected(goneBlobs.Count, goneLayers.Count);
            }
            return (goneBlobs, goneLayers);
        }
        finally
        {
            _gate.Release();
        }
    }

    private (HashSet<Digest> Blobs, HashSet<Digest> Layers) Referenced()
    {
        var blobs = new HashSet<Digest>();
        var layers = new HashSet<Digest>();
        foreach (ImageRecord image in List())
        {
            blobs.Add(Digest.Parse(image.Id));
            blobs.Add(Digest.Parse(image.Manifest));
            if (Content.Contains(Digest.Parse(image.Manifest)))
            {
                foreach (Descriptor layer in GetManifest(image).Layers)
                {
                    blobs.Add(Digest.Parse(layer.Digest));
                }
            }
            foreach (string chain in image.Chain)
            {
                layers.Add(Digest.Parse(chain));
            }
        }
        return (blobs, layers);
    }

    /// <summary>Releases the store's lock.</summary>
    public void Dispose() => _gate.Dispose();

    private string RecordPath(Digest id) => Path.Combine(_images, id.Hex + ".json");

    private ImageRecord? Read(Digest id) =>
        File.Exists(RecordPath(id)) ? JsonSerializer.Deserialize(File.ReadAllBytes(RecordPath(id)), GraphJsonContext.Default.ImageRecord) : null;

    private Dictionary<string, string> ReadNames() =>
        File.Exists(_names) ? JsonSerializer.Deserialize(File.ReadAllBytes(_names), GraphJsonContext.Default.DictionaryStringString)! : new Dictionary<string, string>(StringComparer.Ordinal);

    private void WriteNames(Dictionary<string, string> names) =>
        WriteAtomic(_names, JsonSerializer.SerializeToUtf8Bytes(new SortedDictionary<string, string>(names, StringComparer.Ordinal).ToDictionary(), GraphJsonContext.Default.DictionaryStringString));

    /// <summary>Writes a file to a temporary name beside it, then renames it into place.</summary>
    internal static void WriteAtomic(string path, byte[] bytes)
    {
        string temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                file.Write(bytes);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static void CheckHolder(string holder)
    {
        ArgumentException.ThrowIfNullOrEmpty(holder);
        if (holder.Contains('/', StringComparison.Ordinal) || holder.StartsWith('.'))
        {
            throw new ArgumentException($"lease holder '{holder}' must be a plain name", nameof(holder));
        }
    }
}
