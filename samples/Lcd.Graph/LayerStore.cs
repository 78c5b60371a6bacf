using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Lcd.Graph;

/// <summary>
/// Unpacked layers, one directory each, keyed by chain id (a layer's place in its stack):
/// <c>layers/HEX/diff</c> is the layer's tree as overlayfs reads it, <c>layers/HEX/diffid</c> its diff id,
/// <c>layers/HEX/link</c> its short name; <c>l/SHORT</c> is a symlink to <c>../layers/HEX/diff</c> (short lowerdir
/// entries, as Docker's overlay2). A layer is unpacked into <c>layers/.tmp-*</c> and renamed into place when
/// complete, so a crash mid-unpack leaves no half layer visible; concurrent unpacks of one layer share one.
/// </summary>
public sealed class LayerStore
{
    private const string ShortAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private readonly string _layers;
    private readonly string _links;
    private readonly ConcurrentDictionary<Digest, Lazy<Task>> _inflight = new();

    /// <summary>A store under <paramref name="root"/>; leftovers of interrupted unpacks are removed.</summary>
    public LayerStore(string root)
    {
        _layers = Path.Combine(root, "layers");
        _links = Path.Combine(root, "l");
        Directory.CreateDirectory(_layers);
        Directory.CreateDirectory(_links);
        foreach (string stale in Directory.EnumerateDirectories(_layers, ".tmp-*"))
        {
            LayerUnpacker.RemoveTree(stale);
        }
    }

    /// <summary>The directory of short links (<c>l/</c>).</summary>
    public string LinkDirectory => _links;

    /// <summary>The chain id of a layer on <paramref name="parent"/>: its diff id at the base, else sha256("PARENT DIFFID").</summary>
    public static Digest ChainId(Digest? parent, Digest diffId) =>
        parent is { } p ? Digest.Of(Encoding.ASCII.GetBytes($"{p} {diffId}")) : diffId;

    /// <summary>The layer's unpacked tree.</summary>
    public string DiffPath(Digest chainId) => Path.Combine(_layers, chainId.Hex, "diff");

    /// <summary>The layer's short link name under <see cref="LinkDirectory"/>.</summary>
    public string ShortLink(Digest chainId) => File.ReadAllText(Path.Combine(_layers, chainId.Hex, "link"));

    /// <summary>The layer's diff id.</summary>
    public Digest DiffId(Digest chainId) => Digest.Parse(File.ReadAllText(Path.Combine(_layers, chainId.Hex, "diffid")));

    /// <summary>True when the layer is unpacked.</summary>
    public bool Contains(Digest chainId) => Directory.Exists(Path.Combine(_layers, chainId.Hex));

    /// <summary>Every unpacked layer.</summary>
    public IEnumerable<Digest> List() =>
        Directory.EnumerateDirectories(_layers).Select(d => Digest.TryParse("sha256:" + Path.GetFileName(d), out Digest c) ? c : (Digest?)null).OfType<Digest>();

    /// <summary>
    /// Unpacks the layer unless it is there: <paramref name="openTar"/> gives its uncompressed tar, whose
    /// digest must be <paramref name="diffId"/>. Returns true when this call (or one it joined) unpacked it.
    /// </summary>
    public async Task<bool> EnsureAsync(Digest chainId, Digest diffId, Func<Stream> openTar, UnpackOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(openTar);
        if (Contains(chainId))
        {
            return false;
        }
        Lazy<Task> current = _inflight.GetOrAdd(chainId, _ => new Lazy<Task>(() => Task.Run(() => Unpack(chainId, diffId, openTar, options, cancellationToken), cancellationToken)));
        try
        {
            await current.Value.ConfigureAwait(false);
        }
        finally
        {
            _inflight.TryRemove(new KeyValuePair<Digest, Lazy<Task>>(chainId, current));
        }
        return true;
    }

    private void Unpack(Digest chainId, Digest diffId, Func<Stream> openTar, UnpackOptions options, CancellationToken cancellationToken)
    {
        if (Contains(chainId))
        {
            return;
        }
        string staging = Path.Combine(_layers, $".tmp-{chainId.Hex[..12]}-{Guid.NewGuid():N}");
        try
        {
            using (Stream tar = openTar())
            {
                LayerUnpacker.Unpack(tar, Path.Combine(staging, "diff"), options with { ExpectedDiffId = diffId }, cancellationToken);
            }
            string link = NewShortLink();
            File.WriteAllText(Path.Combine(staging, "diffid"), diffId.ToString());
            File.WriteAllText(Path.Combine(staging, "link"), link);
            Directory.Move(staging, Path.Combine(_layers, chainId.Hex));
            File.CreateSymbolicLink(Path.Combine(_links, link), $"../layers/{chainId.Hex}/diff");
        }
        finally
        {
            LayerUnpacker.RemoveTree(staging);
        }
    }

    /// <summary>Removes a layer and its short link (GC).</summary>
    public void Delete(Digest chainId)
    {
        string dir = Path.Combine(_layers, chainId.Hex);
        if (!Directory.Exists(dir))
        {
            return;
        }
        string linkFile = Path.Combine(dir, "link");
        if (File.Exists(linkFile))
        {
            File.Delete(Path.Combine(_links, File.ReadAllText(linkFile)));
        }
        // Renamed away first, so a half-deleted layer is never seen under its name.
        string doomed = Path.Combine(_layers, $".tmp-rm-{chainId.Hex[..12]}-{Guid.NewGuid():N}");
        Directory.Move(dir, doomed);
        LayerUnpacker.RemoveTree(doomed);
    }

    private string NewShortLink()
    {
        Span<byte> random = stackalloc byte[10];
        while (true)
        {
            RandomNumberGenerator.Fill(random);
            var name = new StringBuilder(10);
            foreach (byte b in random)
            {
                name.Append(ShortAlphabet[b & 31]);
            }
            if (!Path.Exists(Path.Combine(_links, name.ToString())))
            {
                return name.ToString();
            }
        }
    }
}
