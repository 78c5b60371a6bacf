using System.Formats.Tar;
using LibContainer;

namespace Lcd.Graph.Tests;

/// <summary>docker diff and docker commit on a real container's overlay rootfs; the committed image runs.</summary>
public sealed class CommitTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly ImageStore _store;
    private readonly ContainerFactory _factory;
    private readonly string _c1 = $"g-{Guid.NewGuid():N}"[..14], _c2 = $"g-{Guid.NewGuid():N}"[..14]; // unique: cgroup paths follow the id

    public CommitTests()
    {
        Require.Root();
        Require.Tool("/bin/busybox", "busybox-static");
        _store = new ImageStore(new GraphOptions { Root = _temp["graph"] });
        _factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = _temp["state"] });
    }

    [Fact]
    public async Task Diff_Commit_RunNewImage()
    {
        ImageRecord busybox = await BusyboxImage.BuildAsync(_store);
        var rootfs = new RootfsDriver(_store);
        rootfs.Create(_c1, busybox);
        string root = rootfs.Mount(_c1);
        IReadOnlyList<Change> diff;
        ImageRecord committed;
        try
        {
            ImageRunSpec run = ImageSpec.Create(_store.GetConfig(busybox), root, new RunOptions
            {
                Cmd = ["sh", "-c", "mkdir -p /srv/app && echo v1 > /srv/app/version && rm /etc/group && echo x >> /etc/passwd && rm -r /home"],
            });
            (int code, _) = await ContainerFromImageTests.RunAsync(_factory, _c1, run.Spec);
            code.Should().Be(0);

            diff = ContainerChanges.Diff(_store, rootfs, _c1);
            diff.Select(c => c.ToString()).Should().Equal("C /etc", "D /etc/group", "C /etc/passwd", "D /home", "A /srv", "A /srv/app", "A /srv/app/version");

            using var layer = new MemoryStream();
            ContainerChanges.WriteLayer(_store, rootfs, _c1, layer);
            layer.Position = 0;
            var names = new List<string>();
            using (var reader = new TarReader(layer))
            {
                while (reader.GetNextEntry() is { } entry)
                {
                    names.Add(entry.Name);
                }
            }
            names.Should().Contain(["etc/.wh.group", ".wh.home", "srv/app/version"]);

            committed = await ContainerChanges.CommitAsync(_store, rootfs, _c1, new RunOptions { Cmd = ["cat", "/srv/app/version"], Env = ["STAGE=committed"] },
                [ImageReference.Parse("localhost:5000/app:v1")]);
        }
        finally
        {
            rootfs.Remove(_c1);
        }
        committed.Chain.Should().HaveCount(2);
        committed.Chain[0].Should().Be(busybox.Chain[0], "the base layer is shared");
        _store.GetConfig(committed).Config!.Env.Should().Contain("STAGE=committed");
        _store.GetConfig(committed).History.Should().HaveCount(2);

        rootfs.Create(_c2, _store.Get("localhost:5000/app:v1"));
        string root2 = rootfs.Mount(_c2);
        try
        {
            ImageRunSpec run2 = ImageSpec.Create(_store.GetConfig(committed), root2);
            run2.Spec.Process!.Args.Should().Equal("cat", "/srv/app/version");
            (int code, string stdout) = await ContainerFromImageTests.RunAsync(_factory, _c2, run2.Spec);
            (code, stdout).Should().Be((0, "v1\n"));
            File.Exists(Path.Combine(root2, "etc/group")).Should().BeFalse("the delete was committed as a whiteout");
            Directory.Exists(Path.Combine(root2, "home")).Should().BeFalse();
            File.ReadAllText(Path.Combine(root2, "etc/passwd")).Should().EndWith("x\n");
            ContainerChanges.Diff(_store, rootfs, _c2).Should().BeEmpty();
        }
        finally
        {
            rootfs.Remove(_c2);
        }
    }

    [Fact]
    public async Task Commit_FileWithCapability_KeptThroughSaveLoadAndOtherTools()
    {
        Require.Tool("/usr/sbin/setcap", "libcap2-bin");
        Require.Tool("/usr/bin/skopeo", "skopeo");
        Require.Tool("/usr/bin/umoci", "umoci");
        ImageRecord busybox = await BusyboxImage.BuildAsync(_store);
        var rootfs = new RootfsDriver(_store);
        rootfs.Create(_c1, busybox);
        string root = rootfs.Mount(_c1);
        ImageRecord committed;
        try
        {
            // The container's change: a binary given a file capability (as `RUN setcap` in a Dockerfile).
            File.Copy("/bin/busybox", Path.Combine(root, "bin/netping"));
            await Tool.RunAsync("/usr/sbin/setcap", "cap_net_raw,cap_setuid+ep", Path.Combine(root, "bin/netping"));
            ContainerChanges.Diff(_store, rootfs, _c1).Select(c => c.ToString()).Should().Contain("A /bin/netping");
            committed = await ContainerChanges.CommitAsync(_store, rootfs, _c1, null, [ImageReference.Parse("localhost:5000/caps:1")]);
        }
        finally
        {
            rootfs.Remove(_c1);
        }
        string saved = _temp["caps.tar"];
        await using (var output = File.Create(saved))
        {
            await ImageArchive.SaveAsync(_store, ["localhost:5000/caps:1"], output);
        }

        // Loaded into a fresh store, unpacked, mounted: the capability is there.
        using var fresh = new ImageStore(new GraphOptions { Root = _temp["fresh"] });
        ImageRecord loaded = (await ImageArchive.LoadAsync(fresh, saved)).Single();
        loaded.Id.Should().Be(committed.Id);
        var freshRootfs = new RootfsDriver(fresh);
        freshRootfs.Create(_c2, loaded);
        string root2 = freshRootfs.Mount(_c2);
        try
        {
            (await Tool.RunAsync("/usr/sbin/getcap", Path.Combine(root2, "bin/netping"))).Should().Contain("cap_setuid,cap_net_raw=ep");
        }
        finally
        {
            freshRootfs.Remove(_c2);
        }

        // GNU tar extracts the committed layer with the capability.
        string blobs = Directory.CreateDirectory(_temp["saved"]).FullName;
        await Tool.RunAsync("tar", "-xf", saved, "-C", blobs);
        string layerBlob = Path.Combine(blobs, "blobs/sha256", Digest.Parse(_store.GetManifest(committed).Layers[^1].Digest).Hex);
        (await Tool.RunAsync("tar", "--xattrs", "-tvzf", layerBlob)).Should().Contain("bin/netping");
        string gnu = Directory.CreateDirectory(_temp["gnu"]).FullName;
        await Tool.RunAsync("tar", "--xattrs", "--xattrs-include=*", "-xpzf", layerBlob, "-C", gnu);
        (await Tool.RunAsync("/usr/sbin/getcap", Path.Combine(gnu, "bin/netping"))).Should().Contain("cap_setuid,cap_net_raw=ep");

        // skopeo reads our docker-archive, umoci (Go's archive/tar) unpacks the layers with the capability.
        string layout = _temp["oci"];
        await Tool.RunAsync("skopeo", "copy", "--quiet", $"docker-archive:{saved}", $"oci:{layout}:caps");
        string umoci = _temp["umoci"];
        await Tool.RunAsync("umoci", "raw", "unpack", "--image", $"{layout}:caps", umoci);
        (await Tool.RunAsync("/usr/sbin/getcap", Path.Combine(umoci, "bin/netping"))).Should().Contain("cap_setuid,cap_net_raw=ep");
    }

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }
}
