using FluentAssertions;
using LibContainer.Init;
using Xunit;

namespace LibContainer.Tests.Init;

public sealed class CgroupHierarchyTests
{
    // /proc/self/mountinfo of an Ubuntu 20.04 host (systemd hybrid mode), trimmed.
    private static readonly string[] s_hybridHost =
    [
        "22 28 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw",
        "23 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw",
        "28 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
        "33 22 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755",
        "34 33 0:29 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate",
        "35 33 0:30 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd",
        "38 33 0:33 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory",
        "39 33 0:34 / /sys/fs/cgroup/cpu rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,cpu",
        "40 33 0:35 / /sys/fs/cgroup/cpuacct rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,cpuacct",
        "41 33 0:36 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,pids",
        "45 22 0:40 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:12 - pstore pstore rw",
    ];

    [Fact]
    public void FromMountInfo_HybridHost_ListsEveryHierarchyInOrder()
    {
        IReadOnlyList<CgroupHierarchy> hierarchies = CgroupHierarchy.FromMountInfo(s_hybridHost);

        hierarchies.Should().Equal(
            new CgroupHierarchy("unified", "cgroup2", ""),
            new CgroupHierarchy("systemd", "cgroup", "xattr,name=systemd"),
            new CgroupHierarchy("memory", "cgroup", "memory"),
            new CgroupHierarchy("cpu", "cgroup", "cpu"),
            new CgroupHierarchy("cpuacct", "cgroup", "cpuacct"),
            new CgroupHierarchy("pids", "cgroup", "pids"));
    }

    [Fact]
    public void FromMountInfo_UnifiedHost_OneHierarchyAtTheTop()
    {
        string[] lines =
        [
            "22 29 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw",
            "26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot",
            "29 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro",
        ];

        CgroupHierarchy.FromMountInfo(lines).Should().Equal(new CgroupHierarchy("", "cgroup2", ""));
    }

    [Fact]
    public void FromMountInfo_CombinedControllersAndReadOnly_KeepsTheControllersDropsRo()
    {
        string[] lines =
        [
            "39 33 0:34 / /sys/fs/cgroup/cpu,cpuacct ro,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup ro,cpu,cpuacct",
            "42 33 0:37 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,net_cls,net_prio",
        ];

        CgroupHierarchy.FromMountInfo(lines).Should().Equal(
            new CgroupHierarchy("cpu,cpuacct", "cgroup", "cpu,cpuacct"),
            new CgroupHierarchy("net_cls,net_prio", "cgroup", "net_cls,net_prio"));
    }

    [Fact]
    public void FromMountInfo_ReleaseAgent_IsDropped()
    {
        // CentOS 7: systemd sets a release agent on its named hierarchy.
        string[] lines =
        [
            "25 24 0:22 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd",
        ];

        CgroupHierarchy.FromMountInfo(lines).Should().Equal(new CgroupHierarchy("systemd", "cgroup", "xattr,name=systemd"));
    }

    [Fact]
    public void FromMountInfo_NoOptionalFields_StillParses()
    {
        string[] lines = ["31 30 0:28 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory"];

        CgroupHierarchy.FromMountInfo(lines).Should().Equal(new CgroupHierarchy("memory", "cgroup", "memory"));
    }

    [Fact]
    public void FromMountInfo_CgroupsElsewhereOrNested_AreIgnored()
    {
        string[] lines =
        [
            "50 28 0:45 / /run/lc/cg rw,relatime - cgroup cgroup rw,memory",
            "51 38 0:33 /docker /sys/fs/cgroup/memory/docker rw,relatime - cgroup cgroup rw,memory",
            "52 33 0:46 / /sys/fs/cgroupfoo rw,relatime - cgroup2 cgroup2 rw",
            "53 28 0:47 / /mnt/cgroup2 rw,relatime - cgroup2 cgroup2 rw",
        ];

        CgroupHierarchy.FromMountInfo(lines).Should().BeEmpty();
    }

    [Fact]
    public void FromMountInfo_NonCgroupAndMalformedLines_AreIgnored()
    {
        string[] lines =
        [
            "",
            "garbage",
            "33 22 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755",
            "1 2 - cgroup cgroup rw,memory",
            "38 33 0:33 / /sys/fs/cgroup/memory rw - cgroup",
            "38 33 0:33 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids",
        ];

        CgroupHierarchy.FromMountInfo(lines).Should().Equal(new CgroupHierarchy("pids", "cgroup", "pids"));
    }

    [Fact]
    public void FromMountInfo_NoLines_Empty()
    {
        CgroupHierarchy.FromMountInfo([]).Should().BeEmpty();
    }

    [Fact]
    public void FromHost_ThisMachine_ReadsMountInfoAndKcore()
    {
        PlanContext context = PlanContext.FromHost("/r", "/b", noPivotRoot: true);

        context.RootfsPath.Should().Be("/r");
        context.BundlePath.Should().Be("/b");
        context.NoPivotRoot.Should().BeTrue();
        context.FifoFd.Should().Be(4);
        context.HostHasKcore.Should().Be(File.Exists("/proc/kcore"));
        context.CgroupHierarchies.Should().Equal(CgroupHierarchy.FromMountInfo(File.ReadAllLines("/proc/self/mountinfo")));
    }
}
