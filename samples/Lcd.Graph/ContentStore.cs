using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Lcd.Graph;

/// <summary>
/// Content-addressed blobs under <c>blobs/sha256/HEX</c>. A blob is hashed while it is written to a
/// temporary file in <c>ingest/</c> and renamed into place only when its digest and size are the
/// expected ones: a mismatch is refused and nothing is kept, and a crash leaves no half blob visible.
/// Concurrent writers of one digest share one write (a blob is fetched once).
/// </summary>
public sealed class ContentStore
{
    private readonly string _blobs;
    private readonly string _ingest;
    private readonly ConcurrentDictionary<Digest, Lazy<Task>> _inflight = new();

    /// <summary>A store rooted at <paramref name="root"/> (created if missing; stale ingest files removed).</summary>
    public ContentStore(string root)
    {
        _blobs = Path.Combine(root, "blobs", "sha256");
        _ingest = Path.Combine(root, "ingest");
        Directory.CreateDirectory(_blobs);
        Directory.CreateDirectory(_ingest);
    }

    /// <summary>Where a blob lives.</summary>
    public string PathOf(Digest digest) => Path.Combine(_blobs, digest.Hex);

    /// <summary>True when the blob is in the store.</summary>
    public bool Contains(Digest digest) => File.Exists(PathOf(digest));

    /// <summary>Every blob in the store.</summary>
    public IEnumerable<Digest> List() =>
        Directory.EnumerateFiles(_blobs).Select(f => Digest.TryParse("sha256:" + Path.GetFileName(f), out Digest d) ? d : (Digest?)null).OfType<Digest>();

    /// <summary>Opens a blob for reading.</summary>
    public Stream OpenRead(Digest digest) =>
        Contains(digest) ? new FileStream(PathOf(digest), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan)
            : throw new GraphException($"blob {digest} is not in the content store");

    /// <summary>A blob's bytes.</summary>
    public byte[] ReadAllBytes(Digest digest) =>
        Contains(digest) ? File.ReadAllBytes(PathOf(digest)) : throw new GraphException($"blob {digest} is not in the content store");

    /// <summary>Removes a blob (GC).</summary>
    public void Delete(Digest digest) => File.Delete(PathOf(digest));

    /// <summary>Stores bytes and returns their digest (idempotent).</summary>
    public async Task<Digest> PutAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        Digest digest = Digest.Of(bytes.Span);
        await EnsureAsync(digest, bytes.Length, _ => Task.FromResult<Stream>(new MemoryStream(bytes.ToArray(), writable: false)), cancellationToken).ConfigureAwait(false);
        return digest;
    }

    /// <summary>
    /// Makes sure blob <paramref name="digest"/> of <paramref name="size"/> bytes (-1: unknown) is in the
    /// store: if not, opens it with <paramref name="open"/> and writes it, verified. Concurrent calls
    /// for one digest open it once. Returns true when this call (or the one it joined) wrote it.
    /// </summary>
    public async Task<bool> EnsureAsync(Digest digest, long size, Func<CancellationToken, Task<Stream>> open, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(open);
        if (Contains(digest))
        {
            return false;
        }
        var lazy = new Lazy<Task>(() => WriteAsync(digest, size, open, cancellationToken));
        Lazy<Task> current = _inflight.GetOrAdd(digest, lazy);
        try
        {
            await current.Value.ConfigureAwait(false);
        }
        finally
        {
            _inflight.TryRemove(new KeyValuePair<Digest, Lazy<Task>>(digest, current));
        }
        return true;
    }

    /// <summary>
    /// Stores a stream whose digest is not known in advance (a file of a docker-save archive) and
    /// returns its digest, size, and whether it was new.
    /// </summary>
    public async Task<(Digest Digest, long Size, bool New)> PutStreamAsync(Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        string temp = Path.Combine(_ingest, $"unknown-{Guid.NewGuid():N}");
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long written = 0;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    written += n;
                    hash.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                }
            }
            Digest digest = Digest.FromHash(hash.GetHashAndReset());
            if (Contains(digest))
            {
                return (digest, written, false);
            }
            File.Move(temp, PathOf(digest), overwrite: true);
            return (digest, written, true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private async Task WriteAsync(Digest digest, long size, Func<CancellationToken, Task<Stream>> open, CancellationToken cancellationToken)
    {
        if (Contains(digest))
        {
            return;
        }
        string temp = Path.Combine(_ingest, $"{digest.Hex}-{Guid.NewGuid():N}");
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long written = 0;
            await using (Stream source = await open(cancellationToken).ConfigureAwait(false))
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    written += n;
                    if (size >= 0 && written > size)
                    {
                        throw new GraphException($"blob {digest}: more than the {size} bytes its descriptor says");
                    }
                    hash.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                }
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
            if (size >= 0 && written != size)
            {
                throw new GraphException($"blob {digest}: {written} bytes, its descriptor says {size} (truncated)");
            }
            Digest actual = Digest.FromHash(hash.GetHashAndReset());
            if (actual != digest)
            {
                throw new GraphException($"blob {digest}: digest mismatch, the content is {actual}");
            }
            File.Move(temp, PathOf(digest), overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
