using FluentAssertions;
using LibContainer.Cgroups;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class CgroupLayoutTests
{
    // This machine's shape: v1 controllers, a named systemd hierarchy, cgroup2 beside them.
    private static readonly string[] s_hybridMounts =
    [
        "25 31 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw",
        "28 25 0:25 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755",
        "29 28 0:26 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate",
        "30 28 0:27 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd",
        "33 28 0:30 / /sys/fs/cgroup/cpu rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,cpu",
        "34 28 0:31 / /sys/fs/cgroup/cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpuacct",
        "35 28 0:32 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory",
        "36 28 0:33 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,freezer",
    ];

    private static readonly string[] s_hybridOwn =
    [
        "9:name=systemd:/",
        "4:memory:/process_api/abc",
        "2:cpuacct:/",
        "1:cpu:/",
        "6:freezer:/",
        "0::/",
    ];

    [Fact]
    public void Parse_HierarchiesMountedTwice_TheSysFsCgroupMountsOnly()
    {
        // While criu runs, its own copies of the hierarchies are mounted under /tmp (its cgroup yard);
        // a process reading mountinfo then must not take them for the host's (they go away).
        string[] mounts =
        [
            "90 1 0:60 / /tmp/.criu.cgyard.X/pids rw - cgroup none rw,pids",
            .. s_hybridMounts,
            "91 1 0:61 / /tmp/.criu.cgyard.X/memory rw - cgroup none rw,memory",
            "92 1 0:26 / /tmp/.criu.cgyard.X/unified rw - cgroup2 none rw",
            "93 28 0:62 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids",
        ];

        CgroupLayout layout = CgroupLayout.Parse(mounts, s_hybridOwn);

        layout.V1.Select(h => h.MountPoint).Should().OnlyContain(m => m.StartsWith("/sys/fs/cgroup/", StringComparison.Ordinal));
        layout.V1Hierarchy("pids")!.MountPoint.Should().Be("/sys/fs/cgroup/pids");
        layout.V1Hierarchy("memory")!.MountPoint.Should().Be("/sys/fs/cgroup/memory");
        layout.V1.Should().HaveCount(s_hybridMounts.Count(m => m.Contains(" - cgroup cgroup ", StringComparison.Ordinal)) + 1);
        layout.Unified!.MountPoint.Should().Be("/sys/fs/cgroup/unified");
    }

    [Fact]
    public void Parse_HybridHost_FindsEveryHierarchyAndOwnPath()
    {
        CgroupLayout layout = CgroupLayout.Parse(s_hybridMounts, s_hybridOwn);

        layout.V1.Select(h => h.MountPoint).Should().Equal(
            "/sys/fs/cgroup/systemd", "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/freezer");
        layout.V1Hierarchy("memory")!.OwnPath.Should().Be("/process_api/abc");
        layout.V1Hierarchy("cpu")!.OwnPath.Should().Be("/");
        layout.V1.Single(h => h.Name == "name=systemd").Controllers.Should().BeEmpty();
        layout.Unified!.MountPoint.Should().Be("/sys/fs/cgroup/unified");
        layout.IsUnifiedOnly.Should().BeFalse();
    }

    [Fact]
    public void VersionOf_HybridHostWithHugetlbInUnified_PicksPerController()
    {
        CgroupLayout layout = CgroupLayout.Parse(s_hybridMounts, s_hybridOwn) with { UnifiedControllers = new HashSet<string> { "hugetlb" } };

        layout.VersionOf("memory").Should().Be(CgroupVersion.V1);
        layout.VersionOf("hugetlb").Should().Be(CgroupVersion.V2);
        layout.VersionOf("net_cls").Should().BeNull();
    }

    [Fact]
    public void Parse_UnifiedOnlyHost_EverythingV2()
    {
        CgroupLayout layout = CgroupLayout.Parse(
            ["30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot"],
            ["0::/user.slice/session-1.scope"]) with { UnifiedControllers = new HashSet<string> { "cpu", "memory", "pids", "io" } };

        layout.IsUnifiedOnly.Should().BeTrue();
        layout.VersionOf("memory").Should().Be(CgroupVersion.V2);
        layout.Unified!.OwnPath.Should().Be("/user.slice/session-1.scope");
    }

    [Theory]
    [InlineData(null, "web", "/process_api/abc/web")]
    [InlineData("", "web", "/process_api/abc/web")]
    [InlineData("pods/web", "web", "/process_api/abc/pods/web")]
    [InlineData("/machine/web", "web", "/machine/web")]
    [InlineData("/../../../../tmp/x", "web", "/tmp/x")] // runc's CleanPath: never above the hierarchy's root
    [InlineData("../../../x", "web", "/process_api/abc/x")]
    [InlineData("a/./b/../c//", "web", "/process_api/abc/a/c")]
    [InlineData("/a/../..", "web", "/")]
    [InlineData("..", "web", "/process_api/abc")]
    public void ResolvePath_AsRunc_AbsoluteRelativeOrId(string? cgroupsPath, string id, string expected)
    {
        CgroupLayout layout = CgroupLayout.Parse(s_hybridMounts, s_hybridOwn);

        CgroupManager.ResolvePath(cgroupsPath, id, layout.V1Hierarchy("memory")!).Should().Be(expected);
    }

    [Fact]
    public void Directory_MountInsideCgroupNamespace_StripsTheMountRoot()
    {
        var hierarchy = new CgroupHierarchyMount("/sys/fs/cgroup/memory", "/docker/abc", new HashSet<string> { "memory" }, "/docker/abc");

        hierarchy.Directory("/docker/abc/web").Should().Be("/sys/fs/cgroup/memory/web");
    }

    [Theory]
    [InlineData(2L * 1024 * 1024, "2MB")]
    [InlineData(1L << 30, "1GB")]
    [InlineData(64 * 1024, "64KB")]
    public void PageSizeName_AsTheHugetlbFilesSayIt(long bytes, string name) => CgroupHost.PageSizeName(bytes).Should().Be(name);

    [Fact]
    public void ParseList_RangesAndSingles() => CgroupHost.ParseList("0-2,5,7-8\n").Should().BeEquivalentTo([0, 1, 2, 5, 7, 8]);
}
