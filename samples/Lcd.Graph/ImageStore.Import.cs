using System.Text.Json;
using Lcd.Graph.Oci;

namespace Lcd.Graph;

public sealed partial class ImageStore
{
    /// <summary>
    /// Stores an image from its manifest: every blob the manifest names is written through
    /// <paramref name="openBlob"/> (verified against its descriptor), each layer is unpacked once
    /// (its diff id checked against the config), then the image record and its names are written.
    /// Any refusal removes what this import added: nothing of a refused image stays in the store.
    /// </summary>
    public async Task<ImageRecord> ImportAsync(ReadOnlyMemory<byte> manifestBytes, Func<Descriptor, CancellationToken, Task<Stream>> openBlob,
        IReadOnlyCollection<ImageReference> names, IProgress<LayerProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(openBlob);
        ArgumentNullException.ThrowIfNull(names);
        Manifest manifest = ParseManifest(manifestBytes.Span);
        var newBlobs = new List<Digest>();
        var newLayers = new List<Digest>();
        var pins = new List<string>();
        void Pin(Digest d)
        {
            _pins.AddOrUpdate(d.ToString(), 1, (_, n) => n + 1);
            pins.Add(d.ToString());
        }
        try
        {
            Digest configDigest = DescriptorDigest(manifest.Config, "config");
            Pin(configDigest);
            if (await Content.EnsureAsync(configDigest, manifest.Config.Size, ct => openBlob(manifest.Config, ct), cancellationToken).ConfigureAwait(false))
            {
                newBlobs.Add(configDigest);
            }
            ImageConfig config = ParseConfig(Content.ReadAllBytes(configDigest), configDigest);
            if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
            {
                throw new GraphException($"image {configDigest}: the manifest has {manifest.Layers.Count} layers, the config's rootfs.diff_ids {config.RootFs.DiffIds.Count}");
            }
            // Blobs first, concurrently (a pull fetches layers in parallel), then the layers in order.
            var fetches = manifest.Layers.Select(async (layer, i) =>
            {
                Digest digest = DescriptorDigest(layer, $"layers[{i}]");
                Pin(digest);
                progress?.Report(new LayerProgress(layer.Digest, Content.Contains(digest) ? "Already exists" : "Downloading", 0, layer.Size));
                bool added = await Content.EnsureAsync(digest, layer.Size, async ct =>
                {
                    Stream source = await openBlob(layer, ct).ConfigureAwait(false);
                    return progress is null ? source : new ProgressStream(source, layer, progress);
                }, cancellationToken).ConfigureAwait(false);
                progress?.Report(new LayerProgress(layer.Digest, "Download complete", layer.Size, layer.Size));
                return (digest, added);
            }).ToList();
            foreach ((Digest digest, bool added) in await Task.WhenAll(fetches).ConfigureAwait(false))
            {
                if (added)
                {
                    newBlobs.Add(digest);
                }
            }
            Digest? parent = null;
            var chain = new List<string>();
            for (int i = 0; i < manifest.Layers.Count; i++)
            {
                Descriptor layer = manifest.Layers[i];
                if (!Digest.TryParse(config.RootFs.DiffIds[i], out Digest diffId))
                {
                    throw new GraphException($"image {configDigest}: rootfs.diff_ids[{i}] '{config.RootFs.DiffIds[i]}' is not a sha256 digest");
                }
                Digest chainId = LayerStore.ChainId(parent, diffId);
                Pin(chainId);
                Digest blob = Digest.Parse(layer.Digest);
                progress?.Report(new LayerProgress(layer.Digest, "Extracting", 0, layer.Size));
                try
                {
                    if (await Layers.EnsureAsync(chainId, diffId, () => Compression.Decompress(Content.OpenRead(blob)), Options.Unpack, cancellationToken).ConfigureAwait(false))
                    {
                        newLayers.Add(chainId);
                    }
                }
                catch (LayerException e)
                {
                    throw new LayerException($"layer {i} ({layer.Digest}): {e.Message}", e.Entry, e);
                }
                progress?.Report(new LayerProgress(layer.Digest, "Pull complete", layer.Size, layer.Size));
                chain.Add(chainId.ToString());
                parent = chainId;
            }
            Digest manifestDigest = Digest.Of(manifestBytes.Span);
            Pin(manifestDigest);
            if (await Content.EnsureAsync(manifestDigest, manifestBytes.Length, _ => Task.FromResult<Stream>(new MemoryStream(manifestBytes.ToArray())), cancellationToken).ConfigureAwait(false))
            {
                newBlobs.Add(manifestDigest);
            }
            var record = new ImageRecord { Id = configDigest.ToString(), Manifest = manifestDigest.ToString(), Chain = chain, Loaded = DateTimeOffset.UtcNow };
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                WriteAtomic(RecordPath(configDigest), JsonSerializer.SerializeToUtf8Bytes(record, GraphJsonContext.Default.ImageRecord));
                Dictionary<string, string> all = ReadNames();
                foreach (ImageReference name in names)
                {
                    all[name.ToString()] = record.Id;
                }
                WriteNames(all);
            }
            finally
            {
                _gate.Release();
            }
            if (_logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information))
            {
                _logger.ImageStored(record.Id, chain.Count, string.Join(", ", names.Select(n => n.FamiliarName)));
            }
            return record;
        }
        catch (Exception e)
        {
            await RollBackAsync(newBlobs, newLayers, e.Message).ConfigureAwait(false);
            throw;
        }
        finally
        {
            foreach (string pin in pins)
            {
                if (_pins.AddOrUpdate(pin, 0, (_, n) => n - 1) <= 0)
                {
                    _pins.TryRemove(new KeyValuePair<string, int>(pin, 0));
                }
            }
        }
    }

    /// <summary>Removes blobs and layers an import added, unless an image uses them now.</summary>
    internal async Task RollBackAsync(IReadOnlyCollection<Digest> blobs, IReadOnlyCollection<Digest> layers, string? reason)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            (HashSet<Digest> usedBlobs, HashSet<Digest> usedLayers) = Referenced();
            foreach (Digest blob in blobs.Where(b => !usedBlobs.Contains(b)))
            {
                Content.Delete(blob);
            }
            foreach (Digest layer in layers.Where(l => !usedLayers.Contains(l)))
            {
                Layers.Delete(layer);
            }
            if (reason is not null)
            {
                _logger.ImportRefused(blobs.Count, layers.Count, reason);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    internal static Manifest ParseManifest(ReadOnlySpan<byte> bytes)
    {
        Manifest manifest = GraphJson.Parse(bytes, GraphJsonContext.Default.Manifest, "manifest");
        if (manifest.SchemaVersion != 2)
        {
            throw new GraphException($"manifest: schemaVersion {manifest.SchemaVersion} is not supported (2 is)");
        }
        if (manifest.MediaType is { } type && !MediaTypes.IsManifest(type))
        {
            throw new GraphException($"manifest: mediaType '{type}' is not an image manifest");
        }
        return manifest;
    }

    internal static ImageConfig ParseConfig(byte[] bytes, Digest digest) => GraphJson.Parse(bytes, GraphJsonContext.Default.ImageConfig, $"config {digest}");

    private static Digest DescriptorDigest(Descriptor descriptor, string what) =>
        Digest.TryParse(descriptor.Digest, out Digest d) ? d : throw new GraphException($"manifest {what}: digest '{descriptor.Digest}' is not a sha256 digest");
}
