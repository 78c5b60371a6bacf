using System.Text;
using LibContainer;

namespace Lcd.Graph.Tests;

/// <summary>Real containers from images: the library runs them on the graph driver's rootfs.</summary>
public sealed class ContainerFromImageTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly ImageStore _store;
    private readonly ContainerFactory _factory;
    private readonly string _c1 = $"g-{Guid.NewGuid():N}"[..14]; // unique: cgroup paths follow the id

    public ContainerFromImageTests()
    {
        Require.Root();
        Require.Tool("/bin/busybox", "busybox-static");
        _store = new ImageStore(new GraphOptions { Root = _temp["graph"] });
        _factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = _temp["state"] });
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    internal static async Task<(int Code, string Stdout)> RunAsync(ContainerFactory factory, string id, LibContainer.Spec.RuntimeSpec spec)
    {
        IContainer container = await factory.RunAsync(id, spec, new ContainerOptions { Stdout = StdioMode.Pipe, Stderr = StdioMode.Pipe }, Token);
        try
        {
            using var reader = new StreamReader(container.InitProcess.StandardOutput!, Encoding.UTF8);
            string stdout = await reader.ReadToEndAsync(Token);
            ExitStatus status = await container.InitProcess.WaitForExitAsync(Token);
            return (status.Code, stdout);
        }
        finally
        {
            await container.DestroyAsync(CancellationToken.None);
            await container.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(RootfsDriverKind.Overlay)]
    [InlineData(RootfsDriverKind.OverlayShortLinks)]
    [InlineData(RootfsDriverKind.Copy)]
    public async Task Run_ChangesFiles_ImageLayersUntouched(RootfsDriverKind kind)
    {
        ImageRecord image = await BusyboxImage.BuildAsync(_store);
        string layer = _store.LayerPaths(image).Single();
        string before = Snapshot(layer);
        var rootfs = new RootfsDriver(_store, kind);
        rootfs.Create(_c1, image);
        string root = rootfs.Mount(_c1);
        try
        {
            ImageRunSpec run = ImageSpec.Create(_store.GetConfig(image), root,
                new RunOptions { Cmd = ["sh", "-c", "echo new > /root/new && rm /etc/passwd && echo changed >> /etc/group && ls /etc && cat /root/new"] });
            (int code, string stdout) = await RunAsync(_factory, _c1, run.Spec);
            code.Should().Be(0);
            stdout.Should().Be("group\nnew\n");
            if (kind != RootfsDriverKind.Copy)
            {
                string upper = rootfs.UpperDirectory(_c1);
                File.ReadAllText(Path.Combine(upper, "root/new")).Should().Be("new\n");
                Interop.Native.LStat(Path.Combine(upper, "etc/passwd")).Type.Should().Be(Interop.Native.S_IFCHR, "overlayfs records the delete as a whiteout");
            }
            Snapshot(layer).Should().Be(before, "a container never changes an image layer");
            Func<Task> remove = () => _store.RemoveAsync("busybox");
            await remove.Should().ThrowAsync<GraphException>().WithMessage($"*container {_c1}*");
        }
        finally
        {
            rootfs.Remove(_c1);
        }
        File.ReadAllLines("/proc/self/mountinfo").Should().NotContain(l => l.Contains(_temp.Path, StringComparison.Ordinal), "no mount is left");
        Directory.Exists(rootfs.ContainerDirectory(_c1)).Should().BeFalse();
        (await _store.RemoveAsync("busybox")).Should().Contain("Deleted: " + image.Id, "the lease went with the rootfs");
    }

    [Fact]
    public async Task Overlay_LongChain_Mounts()
    {
        // 100 layers: as full paths they overflow mount(2)'s one page; lowerdir+ and short links both fit.
        ImageRecord image = await BusyboxImage.BuildAsync(_store);
        for (int i = 0; i < 99; i++)
        {
            string dir = Path.Combine(_temp.Path, $"layer{i}");
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, $"f{i}"), i.ToString(System.Globalization.CultureInfo.InvariantCulture), Token);
            image = await ImageBuilder.BuildAsync(_store, image, dir, _store.GetConfig(image).Config!, $"layer {i}", [], Token);
        }
        image.Chain.Should().HaveCount(100);
        string.Join(':', _store.LayerPaths(image)).Length.Should().BeGreaterThan(4096);
        foreach (RootfsDriverKind kind in new[] { RootfsDriverKind.Overlay, RootfsDriverKind.OverlayShortLinks })
        {
            var rootfs = new RootfsDriver(_store, kind);
            rootfs.Create("long", image);
            string root = rootfs.Mount("long");
            try
            {
                File.ReadAllText(Path.Combine(root, "f0")).Should().Be("0");
                File.ReadAllText(Path.Combine(root, "f98")).Should().Be("98");
                File.Exists(Path.Combine(root, "bin/busybox")).Should().BeTrue();
            }
            finally
            {
                rootfs.Remove("long");
            }
        }
    }

    private static string Snapshot(string dir)
    {
        var lines = new StringBuilder();
        foreach (string path in Directory.EnumerateFileSystemEntries(dir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Order(StringComparer.Ordinal))
        {
            Interop.Native.Stat st = Interop.Native.LStat(path);
            string content = st.Type == Interop.Native.S_IFREG ? Digest.Of(File.ReadAllBytes(path)).Hex : "";
            lines.Append(System.Globalization.CultureInfo.InvariantCulture, $"{Path.GetRelativePath(dir, path)} {st.Mode} {st.Uid} {st.Gid} {st.Size} {st.Mtime.Sec}.{st.Mtime.Nsec} {content}\n");
        }
        return lines.ToString();
    }

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }
}
