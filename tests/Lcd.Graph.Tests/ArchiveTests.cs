using System.Formats.Tar;
using System.Text;
using Lcd.Graph.Oci;

namespace Lcd.Graph.Tests;

/// <summary>docker-archive and OCI layouts, written by skopeo (a tool nobody here wrote) and by our save.</summary>
public sealed class ArchiveTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly ImageStore _source;
    private readonly ImageStore _store;

    public ArchiveTests()
    {
        Require.Root();
        Require.Tool("/bin/busybox", "busybox-static");
        Require.Tool("/usr/bin/skopeo", "skopeo");
        _source = new ImageStore(new GraphOptions { Root = _temp["source"] });
        _store = new ImageStore(new GraphOptions { Root = _temp["graph"] });
    }

    /// <summary>busybox plus a layer that deletes a file and makes a directory opaque: our save, unpacked by tar into an OCI layout directory.</summary>
    private async Task<(ImageRecord Image, string Layout)> SourceLayoutAsync()
    {
        ImageRecord busybox = await BusyboxImage.BuildAsync(_source);
        string change = _temp["change"];
        Directory.CreateDirectory(Path.Combine(change, "etc"));
        Directory.CreateDirectory(Path.Combine(change, "home"));
        File.WriteAllText(Path.Combine(change, "etc", "hello"), "hello\n");
        Interop.Native.MknodAt(Interop.Native.Open(Path.Combine(change, "etc"), Interop.Native.O_PATH | Interop.Native.O_DIRECTORY), "group", Interop.Native.S_IFCHR, 0, 0);
        Interop.Native.LSetXattr(Path.Combine(change, "home"), "trusted.overlay.opaque", "y"u8);
        ContainerConfig config = _source.GetConfig(busybox).Config! with { Env = ["PATH=/bin", "GREETING=hi"], Labels = new() { ["maker"] = "test" } };
        ImageRecord image = await ImageBuilder.BuildAsync(_source, busybox, change, config, "test layer", [ImageReference.Parse("localhost:5000/app:1")]);
        string tar = _temp["saved.tar"];
        await using (var file = File.Create(tar))
        {
            await ImageArchive.SaveAsync(_source, ["localhost:5000/app:1"], file);
        }
        string layout = _temp["layout"];
        Directory.CreateDirectory(layout);
        await Tool.RunAsync("tar", "-xf", tar, "-C", layout);
        return (image, layout);
    }

    private void AssertLoaded(ImageRecord loaded, ImageRecord expected)
    {
        _store.GetConfig(loaded).RootFs.DiffIds.Should().Equal(_source.GetConfig(expected).RootFs.DiffIds);
        loaded.Chain.Should().Equal(expected.Chain, "same diff ids give the same chain ids");
        string top = _store.LayerPaths(loaded)[0];
        File.ReadAllText(Path.Combine(top, "etc/hello")).Should().Be("hello\n");
        Interop.Native.LStat(Path.Combine(top, "etc/group")).Type.Should().Be(Interop.Native.S_IFCHR, "the whiteout went through the archive");
        Interop.Native.LGetXattr(Path.Combine(top, "home"), "trusted.overlay.opaque").Should().Equal((byte)'y');
        File.Exists(Path.Combine(_store.LayerPaths(loaded)[1], "bin/busybox")).Should().BeTrue();
        _store.GetConfig(loaded).Config!.Env.Should().Contain("GREETING=hi");
    }

    [Fact]
    public async Task Load_SkopeoDockerArchive_PlainLayers()
    {
        (ImageRecord image, string layout) = await SourceLayoutAsync();
        string archive = _temp["docker.tar"];
        await Tool.RunAsync("skopeo", "copy", "--quiet", $"oci:{layout}:1", $"docker-archive:{archive}:localhost:5000/app:skopeo");
        IReadOnlyList<ImageRecord> loaded = await ImageArchive.LoadAsync(_store, archive);
        loaded.Should().ContainSingle();
        AssertLoaded(loaded[0], image);
        _store.Find("localhost:5000/app:skopeo")!.Id.Should().Be(loaded[0].Id);
        _store.GetManifest(loaded[0]).Layers.Should().OnlyContain(l => l.MediaType == MediaTypes.DockerLayer);
        _store.Content.List().Should().HaveCount(2 + 2, "manifest, config and two layers; the archive's other files are not kept");
    }

    [Fact]
    public async Task Load_SkopeoOciArchive_GzipLayers()
    {
        (ImageRecord image, string layout) = await SourceLayoutAsync();
        string archive = _temp["oci.tar"];
        await Tool.RunAsync("skopeo", "copy", "--quiet", $"oci:{layout}:1", $"oci-archive:{archive}:localhost:5000/app:oci");
        IReadOnlyList<ImageRecord> loaded = await ImageArchive.LoadAsync(_store, archive);
        AssertLoaded(loaded.Single(), image);
        loaded[0].Id.Should().Be(image.Id, "the config went through unchanged");
    }

    [Fact]
    public async Task Load_SkopeoOciDirectory_ZstdLayers()
    {
        (ImageRecord image, string layout) = await SourceLayoutAsync();
        string zstd = _temp["zstd"];
        await Tool.RunAsync("skopeo", "copy", "--quiet", "--dest-compress-format", "zstd", $"oci:{layout}:1", $"oci:{zstd}:localhost:5000/app:zstd");
        IReadOnlyList<ImageRecord> loaded = await ImageArchive.LoadAsync(_store, zstd);
        AssertLoaded(loaded.Single(), image);
        _store.GetManifest(loaded[0]).Layers.Should().OnlyContain(l => l.MediaType == MediaTypes.OciLayerZstd);
        _store.Find("localhost:5000/app:zstd").Should().NotBeNull();
    }

    [Fact]
    public async Task Save_ReadBySkopeo_AndLoadedBack()
    {
        (ImageRecord image, _) = await SourceLayoutAsync();
        string saved = _temp["saved.tar"];
        string inspect = await Tool.RunAsync("skopeo", "inspect", "--config", $"docker-archive:{saved}");
        inspect.Should().Contain("GREETING=hi");
        IReadOnlyList<ImageRecord> loaded = await ImageArchive.LoadAsync(_store, saved);
        loaded.Single().Id.Should().Be(image.Id);
        _store.Find("localhost:5000/app:1")!.Id.Should().Be(image.Id);
    }

    [Fact]
    public async Task Unpack_SameTreeAsUmoci()
    {
        // umoci (a second, independent unpacker) flattens the same layout; our copy driver flattens our layers.
        Require.Tool("/usr/bin/umoci", "umoci");
        (_, string layout) = await SourceLayoutAsync();
        string umoci = _temp["umoci-rootfs"];
        await Tool.RunAsync("umoci", "raw", "unpack", "--image", $"{layout}:1", umoci);
        ImageRecord loaded = (await ImageArchive.LoadAsync(_store, layout)).Single();
        var rootfs = new RootfsDriver(_store, RootfsDriverKind.Copy);
        rootfs.Create("flat", loaded);
        string ours = rootfs.Mount("flat");
        try
        {
            Tree(ours).Should().Equal(Tree(umoci));
            File.Exists(Path.Combine(ours, "etc/group")).Should().BeFalse("the whiteout removed it");
        }
        finally
        {
            rootfs.Remove("flat");
        }
    }

    /// <summary>Every path with its type, mode, owner, link target or content digest (not times: tools differ on directories').</summary>
    private static List<string> Tree(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(path =>
            {
                Interop.Native.Stat st = Interop.Native.LStat(path);
                string what = st.Type switch
                {
                    Interop.Native.S_IFREG => Digest.Of(File.ReadAllBytes(path)).Hex[..16],
                    Interop.Native.S_IFLNK => "-> " + new FileInfo(path).LinkTarget,
                    _ => "",
                };
                return $"{Path.GetRelativePath(root, path)} {st.Mode:x} {st.Uid}:{st.Gid} {what}";
            })
            .Order(StringComparer.Ordinal).ToList();

    [Fact]
    public async Task Load_Hostile_RefusedNothingLeft()
    {
        (_, string layout) = await SourceLayoutAsync();
        string manifestJson = File.ReadAllText(Path.Combine(layout, "manifest.json"));

        // A manifest naming a blob the archive lacks.
        string missing = Archive(("manifest.json", Encoding.UTF8.GetBytes(manifestJson.Replace("\"Layers\":[", "\"Layers\":[\"blobs/sha256/" + new string('0', 64) + "\",", StringComparison.Ordinal))),
            layout);
        Func<Task> load = () => ImageArchive.LoadAsync(_store, missing);
        await load.Should().ThrowAsync<GraphException>().WithMessage("*does not contain*");
        AssertEmpty();

        // A blob whose content is not its name (a corrupted digest) in an OCI archive.
        string layer = Directory.EnumerateFiles(Path.Combine(layout, "blobs/sha256")).OrderByDescending(f => new FileInfo(f).Length).First();
        byte[] corrupt = File.ReadAllBytes(layer);
        corrupt[^100] ^= 0xff;
        string corrupted = Archive(("blobs/sha256/" + Path.GetFileName(layer), corrupt), layout, skip: "manifest.json");
        load = () => ImageArchive.LoadAsync(_store, corrupted);
        await load.Should().ThrowAsync<GraphException>().WithMessage("*digest mismatch*");
        AssertEmpty();

        // A truncated archive.
        byte[] whole = File.ReadAllBytes(_temp["saved.tar"]);
        string truncated = _temp["truncated.tar"];
        File.WriteAllBytes(truncated, whole[..(whole.Length / 2)]);
        load = () => ImageArchive.LoadAsync(_store, truncated);
        await load.Should().ThrowAsync<GraphException>();
        AssertEmpty();

        // A layer that escapes, in a docker archive.
        byte[] evil = new Tars().File("../../evil", "x").Bytes();
        var config = new ImageConfig { Architecture = "amd64", Os = "linux", RootFs = new RootFs { DiffIds = [Digest.Of(evil).ToString()] } };
        byte[] configBytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(config, GraphJsonContext.Default.ImageConfig);
        string escape = ArchiveOf(("evil/layer.tar", evil), ("config.json", configBytes),
            ("manifest.json", Encoding.UTF8.GetBytes("[{\"Config\":\"config.json\",\"RepoTags\":[\"evil:1\"],\"Layers\":[\"evil/layer.tar\"]}]")));
        load = () => ImageArchive.LoadAsync(_store, escape);
        (await load.Should().ThrowAsync<LayerException>().WithMessage("*'../../evil'*")).Which.Entry.Should().Be("../../evil");
        AssertEmpty();
    }

    private void AssertEmpty()
    {
        _store.Content.List().Should().BeEmpty();
        _store.Layers.List().Should().BeEmpty();
        _store.List().Should().BeEmpty();
        Directory.EnumerateFileSystemEntries(_temp["graph/ingest"]).Should().BeEmpty();
        Directory.EnumerateFileSystemEntries(_temp["graph/layers"]).Should().BeEmpty();
    }

    /// <summary>The layout's files as a tar, with some replaced.</summary>
    private string Archive((string Name, byte[] Data) replace, string layout, string? skip = null)
    {
        var files = Directory.EnumerateFiles(layout, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(layout, f))
            .Where(f => f != skip)
            .Select(f => (f, f == replace.Name ? replace.Data : File.ReadAllBytes(Path.Combine(layout, f))))
            .ToArray();
        return ArchiveOf(files);
    }

    private string ArchiveOf(params (string Name, byte[] Data)[] files)
    {
        string path = _temp[$"archive-{Guid.NewGuid():N}.tar"];
        using var stream = File.Create(path);
        using var writer = new TarWriter(stream, TarEntryFormat.Pax);
        foreach ((string name, byte[] data) in files)
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        }
        return path;
    }

    public void Dispose()
    {
        _source.Dispose();
        _store.Dispose();
        _temp.Dispose();
    }
}
