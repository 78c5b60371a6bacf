using FluentAssertions;
using LibContainer.Init;
using LibContainer.Spec;
using Xunit;
using static LibContainer.Tests.Init.PlanTesting;

namespace LibContainer.Tests.Init;

public sealed class PlanBuilderDeviceTests
{
    private static readonly (string Target, string Link)[] s_links =
    [
        ("/proc/self/fd", "/dev/fd"),
        ("/proc/self/fd/0", "/dev/stdin"),
        ("/proc/self/fd/1", "/dev/stdout"),
        ("/proc/self/fd/2", "/dev/stderr"),
        ("pts/ptmx", "/dev/ptmx"),
    ];

    [Fact]
    public void Build_DefaultSpec_MakesTheDefaultCharacterDevices()
    {
        InitPlan plan = Build(DefaultSpec());

        List<InitStep> nodes = plan.Of(InitOp.MknodInRoot);

        nodes.Select(s => s.Texts().Single()).Should().Equal("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty");
        nodes.Should().OnlyContain(s => s.A == (S_IFCHR | Convert.ToInt64("666", 8)) && s.C == 0 && s.Source == null);
        nodes.Select(s => s.B).Should().Equal(
            (long)PlanBuilder.MakeDev(1, 3), (long)PlanBuilder.MakeDev(1, 5), (long)PlanBuilder.MakeDev(1, 7),
            (long)PlanBuilder.MakeDev(1, 8), (long)PlanBuilder.MakeDev(1, 9), (long)PlanBuilder.MakeDev(5, 0));
        nodes[0].B.Should().Be(259);
        nodes[0].Text.Should().Be("mknod /dev/null c 1 3 mode 666 owner 0:0");
    }

    [Fact]
    public void Build_DevMountedAsTmpfs_MakesPtsAndShmDirectoriesBeforeTheNodes()
    {
        InitPlan plan = Build(DefaultSpec());

        int firstNode = plan.IndexOf(InitOp.MknodInRoot);

        plan.Steps.Skip(firstNode - 2).Take(2).Should().OnlyContain(s => s.Op == InitOp.MkdirInRoot && s.Source == null);
        plan.Steps[firstNode - 2].Texts().Should().Equal("/dev/pts");
        plan.Steps[firstNode - 1].Texts().Should().Equal("/dev/shm");
        firstNode.Should().BeGreaterThan(plan.IndexOf(s => s.Source == "mounts[6]"), "devices come after every mount");
    }

    [Fact]
    public void Build_NoDevMount_MakesNodesWithoutExtraDirectories()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Mounts!.RemoveAll(m => m.Destination.StartsWith("/dev", StringComparison.Ordinal));

        InitPlan plan = Build(spec);

        plan.Of(InitOp.MknodInRoot).Should().HaveCount(6);
        plan.Steps[plan.IndexOf(InitOp.MknodInRoot) - 1].Source.Should().StartWith("mounts[");
    }

    [Fact]
    public void Build_DefaultSpec_LinksPtmxAndTheProcSelfFds()
    {
        InitPlan plan = Build(DefaultSpec());

        List<InitStep> links = plan.Of(InitOp.SymlinkInRoot);

        links.Select(s => (s.Texts()[0], s.Texts()[1])).Should().Equal(s_links);
        links.Select(s => s.Path).Should().Equal(s_links.Select(l => l.Link));
        links[4].Text.Should().Be("ln -s pts/ptmx /dev/ptmx");
        plan.IndexOf(InitOp.SymlinkInRoot).Should().BeGreaterThan(plan.LastIndexOf(InitOp.MknodInRoot));
    }

    [Fact]
    public void Build_HostHasKcore_LinksDevCore()
    {
        InitPlan plan = Build(DefaultSpec(), Context() with { HostHasKcore = true });

        List<InitStep> links = plan.Of(InitOp.SymlinkInRoot);

        links.Should().HaveCount(6);
        links[^1].Texts().Should().Equal("/proc/kcore", "/dev/core");
    }

    [Fact]
    public void Build_SpecDevices_MakesEachTypeWithModeOwnerAndDevT()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Devices =
        [
            new LinuxDevice { Type = "c", Path = "/dev/fuse", Major = 10, Minor = 229, FileMode = Convert.ToUInt32("600", 8), Uid = 1000, Gid = 1001 },
            new LinuxDevice { Type = "b", Path = "/dev/sda", Major = 8, Minor = 0 },
            new LinuxDevice { Type = "p", Path = "/dev/myfifo", FileMode = Convert.ToUInt32("620", 8) },
            new LinuxDevice { Type = "u", Path = "/dev/ttyS0", Major = 4, Minor = 64 },
        ];

        InitPlan plan = Build(spec);

        List<InitStep> nodes = plan.Of(InitOp.MknodInRoot).Skip(6).ToList();
        nodes.Select(s => s.Source).Should().Equal("linux.devices[0]", "linux.devices[1]", "linux.devices[2]", "linux.devices[3]");
        nodes.Select(s => s.Texts().Single()).Should().Equal("/dev/fuse", "/dev/sda", "/dev/myfifo", "/dev/ttyS0");

        nodes[0].A.Should().Be(S_IFCHR | Convert.ToInt64("600", 8));
        nodes[0].B.Should().Be(2789, "makedev(10, 229)");
        nodes[0].C.Should().Be((1000L << 32) | 1001);
        nodes[0].Text.Should().Be("mknod /dev/fuse c 10 229 mode 600 owner 1000:1001");

        nodes[1].A.Should().Be(S_IFBLK | Convert.ToInt64("666", 8), "the mode defaults to 0666");
        nodes[1].B.Should().Be(2048, "makedev(8, 0)");
        nodes[1].C.Should().Be(0);
        nodes[1].Text.Should().Be("mknod /dev/sda b 8 0 mode 666 owner 0:0");

        nodes[2].A.Should().Be(S_IFIFO | Convert.ToInt64("620", 8));
        nodes[2].B.Should().Be(0);

        nodes[3].A.Should().Be(S_IFCHR | Convert.ToInt64("666", 8), "u is an unbuffered character device");
        nodes[3].B.Should().Be((long)PlanBuilder.MakeDev(4, 64));
    }

    [Fact]
    public void Build_DeviceWithTypeBitsInFileMode_KeepsOnlyThePermissionBits()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Devices = [new LinuxDevice { Type = "c", Path = "/dev/kvm", Major = 10, Minor = 232, FileMode = Convert.ToUInt32("20660", 8) }];

        InitPlan plan = Build(spec);

        plan.Of(InitOp.MknodInRoot)[^1].A.Should().Be(S_IFCHR | Convert.ToInt64("660", 8));
    }

    [Fact]
    public void Build_DeviceInASubdirectory_MakesTheDirectoryFirst()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Devices = [new LinuxDevice { Type = "c", Path = "/dev/net/tun", Major = 10, Minor = 200 }];

        InitPlan plan = Build(spec);

        List<InitStep> steps = plan.From("linux.devices[0]");
        steps.Select(s => s.Op).Should().Equal(InitOp.MkdirInRoot, InitOp.MknodInRoot);
        steps[0].Texts().Should().Equal("/dev/net");
        steps[0].A.Should().Be(Convert.ToInt64("755", 8));
        steps[1].Texts().Should().Equal("/dev/net/tun");
    }

    [Fact]
    public void Build_UnknownDeviceType_ThrowsNamingIt()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Devices = [new LinuxDevice { Type = "x", Path = "/dev/x" }];

        Action build = () => Build(spec);

        build.Should().Throw<ArgumentException>().WithMessage("linux.devices[0].type: *\"x\"*");
    }

    [Fact]
    public void Build_NulInDevicePath_ThrowsNamingIt()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Devices = [new LinuxDevice { Type = "c", Path = "/dev/x\0", Major = 1, Minor = 1 }];

        Action build = () => Build(spec);

        build.Should().Throw<ArgumentException>().WithMessage("linux.devices[0].path: *NUL*");
    }

    [Theory]
    [InlineData("bind", null)]
    [InlineData(null, "rbind")]
    public void Build_DevBindMount_SkipsDevicesAndLinks(string? type, string? option)
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Mounts!.RemoveAll(m => m.Destination.StartsWith("/dev", StringComparison.Ordinal));
        spec.Mounts.Add(new Mount { Destination = "/dev/", Type = type, Source = "/dev", Options = option is null ? null : [option] });
        spec.Linux!.Devices = [new LinuxDevice { Type = "c", Path = "/dev/fuse", Major = 10, Minor = 229 }];

        InitPlan plan = Build(spec);

        long bindFlags = option is null ? MS_BIND : MS_BIND | MS_REC;
        plan.Of(InitOp.MknodInRoot).Should().BeEmpty();
        plan.Of(InitOp.SymlinkInRoot).Should().BeEmpty();
        plan.Of(InitOp.MkdirInRoot).Should().NotContain(s => s.Path == "/dev/pts" || s.Path == "/dev/shm");
        plan.From("mounts[3]").Should().Contain(s => s.Op == InitOp.MountInRoot && s.A == bindFlags);
    }

    [Theory]
    [InlineData(1u, 3u, 259UL)]
    [InlineData(1u, 5u, 261UL)]
    [InlineData(5u, 0u, 1280UL)]
    [InlineData(8u, 0u, 2048UL)]
    [InlineData(136u, 0u, 34816UL)]
    [InlineData(10u, 229u, 2789UL)]
    [InlineData(0u, 300u, 1048620UL)]
    [InlineData(1u, 300u, 1048876UL)]
    [InlineData(4096u, 0u, 17592186044416UL)]
    [InlineData(4096u, 1u, 17592186044417UL)]
    [InlineData(0x12345u, 0x6789ABu, 0x0001_2006_7893_45ABUL)]
    [InlineData(uint.MaxValue, uint.MaxValue, ulong.MaxValue)]
    public void MakeDev_MajorMinor_EncodesAsGlibc(uint major, uint minor, ulong expected)
    {
        ulong dev = PlanBuilder.MakeDev(major, minor);

        dev.Should().Be(expected);
        // glibc gnu_dev_major/gnu_dev_minor give them back.
        ((uint)(((dev >> 8) & 0xfff) | ((dev >> 32) & 0xfffff000))).Should().Be(major);
        ((uint)((dev & 0xff) | ((dev >> 12) & 0xffffff00))).Should().Be(minor);
    }
}
