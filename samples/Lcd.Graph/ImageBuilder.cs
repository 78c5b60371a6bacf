using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Lcd.Graph.Oci;

namespace Lcd.Graph;

/// <summary>Makes images from directories: a base image from a tree, or one more layer on an image (commit).</summary>
public static class ImageBuilder
{
    /// <summary>
    /// Stores a new image whose layers are <paramref name="parent"/>'s (if any) and one layer made of
    /// the tree at <paramref name="layerDirectory"/> (in overlay form: whiteouts as 0:0 devices), with
    /// <paramref name="config"/> as its defaults.
    /// </summary>
    public static async Task<ImageRecord> BuildAsync(ImageStore store, ImageRecord? parent, string layerDirectory, ContainerConfig config,
        string createdBy, IReadOnlyCollection<ImageReference> names, CancellationToken cancellationToken = default) =>
        await BuildAsync(store, parent, layerDirectory, config, new History { CreatedBy = createdBy }, null, names, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// As <see cref="BuildAsync(ImageStore, ImageRecord?, string, ContainerConfig, string, IReadOnlyCollection{ImageReference}, CancellationToken)"/>,
    /// with the new layer's history entry (created_by, comment; its time is set here) and the image's author (docker commit -a, -m).
    /// </summary>
    public static async Task<ImageRecord> BuildAsync(ImageStore store, ImageRecord? parent, string layerDirectory, ContainerConfig config,
        History history, string? author, IReadOnlyCollection<ImageReference> names, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(store);
        string work = Path.Combine(store.Options.Root, "ingest", $"build-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            // The layer: a tar hashed as written (diff id), gzip-compressed into the blob (digest).
            string blobPath = Path.Combine(work, "layer.tar.gz");
            Digest diffId;
            await using (var blob = new FileStream(blobPath, FileMode.CreateNew))
            {
                await using var gzip = new GZipStream(blob, CompressionLevel.Fastest);
                using var hashing = new HashingStream(gzip);
                LayerWriter.Write(layerDirectory, hashing);
                diffId = hashing.Digest();
            }
            Digest blobDigest;
            await using (var read = File.OpenRead(blobPath))
            {
                blobDigest = Digest.FromHash(await SHA256.HashDataAsync(read, cancellationToken).ConfigureAwait(false));
            }
            long blobSize = new FileInfo(blobPath).Length;

            ImageConfig? parentConfig = parent is null ? null : store.GetConfig(parent);
            Manifest? parentManifest = parent is null ? null : store.GetManifest(parent);
            string now = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
            var imageConfig = new ImageConfig
            {
                Created = now,
                Author = author,
                Architecture = parentConfig?.Architecture ?? "amd64",
                Os = parentConfig?.Os ?? "linux",
                Config = config,
                RootFs = new RootFs { DiffIds = [.. parentConfig?.RootFs.DiffIds ?? [], diffId.ToString()] },
                History = [.. parentConfig?.History ?? [], history with { Created = now }],
            };
            byte[] configBytes = JsonSerializer.SerializeToUtf8Bytes(imageConfig, GraphJsonContext.Default.ImageConfig);
            var layerDescriptor = new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = blobDigest.ToString(), Size = blobSize };
            var manifest = new Manifest
            {
                MediaType = MediaTypes.OciManifest,
                Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Digest.Of(configBytes).ToString(), Size = configBytes.Length },
                Layers = [.. parentManifest?.Layers ?? [], layerDescriptor],
            };
            byte[] manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, GraphJsonContext.Default.Manifest);
            return await store.ImportAsync(manifestBytes, (d, _) => Task.FromResult<Stream>(
                d.Digest == manifest.Config.Digest ? new MemoryStream(configBytes)
                : d.Digest == layerDescriptor.Digest ? File.OpenRead(blobPath)
                : store.Content.OpenRead(Digest.Parse(d.Digest))), names, null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>A write-only stream that hashes what passes to the next.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public Digest Digest() => Lcd.Graph.Digest.FromHash(_hash.GetHashAndReset());

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            inner.Write(buffer);
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
