using Lcd.Graph.Oci;

namespace Lcd.Graph.Tests;

public sealed class ImageStoreTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly ImageStore _store;

    public ImageStoreTests()
    {
        Require.Root();
        Require.Tool("/bin/busybox", "busybox-static");
        _store = new ImageStore(new GraphOptions { Root = _temp["graph"] });
    }

    [Fact]
    public async Task Blob_WrongDigestOrSize_RefusedNothingKept()
    {
        byte[] data = "content"u8.ToArray();
        Digest other = Digest.Of("other"u8);
        Func<Task> wrongDigest = () => _store.Content.EnsureAsync(other, data.Length, _ => Task.FromResult<Stream>(new MemoryStream(data)));
        await wrongDigest.Should().ThrowAsync<GraphException>().WithMessage($"*{other}*digest mismatch*{Digest.Of(data)}*");
        Func<Task> truncated = () => _store.Content.EnsureAsync(Digest.Of(data), data.Length + 5, _ => Task.FromResult<Stream>(new MemoryStream(data)));
        await truncated.Should().ThrowAsync<GraphException>().WithMessage("*7 bytes, its descriptor says 12*");
        Func<Task> tooLong = () => _store.Content.EnsureAsync(Digest.Of(data), 3, _ => Task.FromResult<Stream>(new MemoryStream(data)));
        await tooLong.Should().ThrowAsync<GraphException>().WithMessage("*more than the 3 bytes*");
        _store.Content.List().Should().BeEmpty();
        Directory.EnumerateFileSystemEntries(_temp["graph/ingest"]).Should().BeEmpty("no half blob is left in ingest");
    }

    [Fact]
    public async Task Blob_ConcurrentWriters_OpenedOnce()
    {
        byte[] data = new byte[1 << 20];
        Random.Shared.NextBytes(data);
        Digest digest = Digest.Of(data);
        int opened = 0;
        async Task<Stream> Open(CancellationToken ct)
        {
            Interlocked.Increment(ref opened);
            await Task.Delay(200, ct);
            return new MemoryStream(data);
        }
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _store.Content.EnsureAsync(digest, data.Length, Open)));
        opened.Should().Be(1);
        File.ReadAllBytes(_store.Content.PathOf(digest)).Should().Equal(data);
    }

    [Fact]
    public async Task Busybox_Built_FoundByEveryName()
    {
        ImageRecord image = await BusyboxImage.BuildAsync(_store);
        _store.Find("busybox")!.Id.Should().Be(image.Id);
        _store.Find("busybox:latest")!.Id.Should().Be(image.Id);
        _store.Find("docker.io/library/busybox:latest")!.Id.Should().Be(image.Id);
        _store.Find(image.Id)!.Id.Should().Be(image.Id);
        _store.Find(Digest.Parse(image.Id).Hex[..12])!.Id.Should().Be(image.Id);
        _store.Find($"busybox@{image.Manifest}")!.Id.Should().Be(image.Id);
        _store.Find("busybox:other").Should().BeNull();
        string layer = _store.LayerPaths(image).Single();
        File.Exists(Path.Combine(layer, "bin/busybox")).Should().BeTrue();
        new FileInfo(Path.Combine(layer, "bin/sh")).LinkTarget.Should().Be("busybox");
        ImageConfig config = _store.GetConfig(image);
        config.Config!.Cmd.Should().Equal("sh");
        config.RootFs.DiffIds.Should().HaveCount(1);
        _store.Layers.DiffId(Digest.Parse(image.Chain[0])).ToString().Should().Be(config.RootFs.DiffIds[0]);
    }

    [Fact]
    public async Task Remove_UsedByContainer_RefusedThenAllowedAndCollected()
    {
        ImageRecord image = await BusyboxImage.BuildAsync(_store);
        await _store.TagAsync(image.Id, ImageReference.Parse("localhost:5000/bb:1"));
        _store.AddLease("c1", image.Id);

        (await _store.RemoveAsync("localhost:5000/bb:1")).Should().Equal("Untagged: localhost:5000/bb:1");
        Func<Task> last = () => _store.RemoveAsync("busybox");
        await last.Should().ThrowAsync<GraphException>().WithMessage("*container c1 is using*");
        Func<Task> byId = () => _store.RemoveAsync(image.Id);
        await byId.Should().ThrowAsync<GraphException>().WithMessage("*being used by container c1*");
        (await _store.GarbageCollectAsync()).Blobs.Should().BeEmpty("a used image keeps its blobs");

        _store.ReleaseLease("c1");
        (await _store.RemoveAsync("busybox")).Should().Equal("Untagged: busybox:latest", "Deleted: " + image.Id);
        (IReadOnlyList<Digest> blobs, IReadOnlyList<Digest> layers) = await _store.GarbageCollectAsync();
        blobs.Should().HaveCount(3, "manifest, config and layer");
        layers.Should().HaveCount(1);
        _store.Content.List().Should().BeEmpty();
        Directory.EnumerateFileSystemEntries(_temp["graph/layers"]).Should().BeEmpty();
        Directory.EnumerateFileSystemEntries(_temp["graph/l"]).Should().BeEmpty();
    }

    [Fact]
    public async Task Import_BadInputs_RefusedNothingLeft()
    {
        byte[] goodLayer = new Tars().File("a", "a").Bytes();
        byte[] badLayer = new Tars().File("../escape", "x").Bytes();
        byte[] corrupt = [.. goodLayer];
        corrupt[600] ^= 1;
        async Task Refused(byte[][] layers, string message, Func<Descriptor, Stream?>? open = null, string[]? diffIds = null)
        {
            var config = new ImageConfig { Architecture = "amd64", Os = "linux", RootFs = new RootFs { DiffIds = [.. diffIds ?? layers.Select(l => Digest.Of(l).ToString())] } };
            byte[] configBytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(config, GraphJsonContext.Default.ImageConfig);
            var manifest = new Manifest
            {
                MediaType = MediaTypes.OciManifest,
                Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Digest.Of(configBytes).ToString(), Size = configBytes.Length },
                Layers = [.. layers.Select(l => new Descriptor { MediaType = MediaTypes.OciLayer, Digest = Digest.Of(l).ToString(), Size = l.Length })],
            };
            var blobs = layers.Append(configBytes).ToDictionary(b => Digest.Of(b).ToString());
            Stream Source(Descriptor d) => open?.Invoke(d) ?? (blobs.TryGetValue(d.Digest, out byte[]? b) ? new MemoryStream(b) : throw new GraphException($"blob {d.Digest} is not in the source"));
            Func<Task> import = () => _store.ImportAsync(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(manifest, GraphJsonContext.Default.Manifest),
                (d, _) => Task.FromResult(Source(d)), [ImageReference.Parse("bad:1")]);
            await import.Should().ThrowAsync<GraphException>().WithMessage(message);
            _store.Content.List().Should().BeEmpty();
            _store.Layers.List().Should().BeEmpty();
            _store.List().Should().BeEmpty();
            _store.Names().Should().BeEmpty();
        }
        await Refused([goodLayer, badLayer], "*layer 1*'../escape'*");
        await Refused([goodLayer], "*digest mismatch*", d => d.MediaType == MediaTypes.OciLayer ? new MemoryStream(corrupt) : null);
        await Refused([goodLayer], "*is not in the source*", d => d.MediaType == MediaTypes.OciLayer ? throw new GraphException($"blob {d.Digest} is not in the source") : null);
        await Refused([goodLayer], "*diff id mismatch*", null, [Digest.Of("x"u8).ToString()]);
    }

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }
}
