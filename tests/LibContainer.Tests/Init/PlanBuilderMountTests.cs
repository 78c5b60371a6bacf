using FluentAssertions;
using LibContainer.Init;
using LibContainer.Spec;
using Xunit;
using static LibContainer.Tests.Init.PlanTesting;

namespace LibContainer.Tests.Init;

public sealed class PlanBuilderMountTests
{
    /// <summary>The default spec plus one mount, which becomes mounts[7].</summary>
    private static InitPlan BuildWith(Mount mount, PlanContext? context = null)
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Mounts!.Add(mount);
        return Build(spec, context);
    }

    [Fact]
    public void Build_ReadOnlyBindMount_MakesTargetBindsThenRemounts()
    {
        InitPlan plan = BuildWith(new Mount { Destination = "/data", Type = "bind", Source = "/srv/data", Options = ["bind", "ro"] });

        List<InitStep> steps = plan.From("mounts[7]");

        steps.Select(s => s.Op).Should().Equal(InitOp.MkTargetInRoot, InitOp.MountInRoot, InitOp.RemountInRoot);
        steps[0].Texts().Should().Equal("/data", "/srv/data");
        steps[1].A.Should().Be(MS_BIND);
        steps[1].Texts().Should().Equal("/srv/data", "/data", "", "");
        steps[1].Text.Should().Be("bind-mount /srv/data on /data");
        steps[2].A.Should().Be(MS_RDONLY);
        steps[2].Texts().Should().Equal("/data");
        steps[2].Text.Should().Be("remount /data (bind,ro)");
        steps.Should().OnlyContain(s => s.Path == "/data");
    }

    [Fact]
    public void Build_RbindWithFlags_BindsRecursivelyAndRemountsWithTheRest()
    {
        InitPlan plan = BuildWith(new Mount { Destination = "/opt", Source = "/opt", Options = ["rbind", "nosuid", "nodev", "ro"] });

        List<InitStep> steps = plan.From("mounts[7]");

        steps.Select(s => s.Op).Should().Equal(InitOp.MkTargetInRoot, InitOp.MountInRoot, InitOp.RemountInRoot);
        steps[1].A.Should().Be(MS_BIND | MS_REC);
        steps[1].Text.Should().StartWith("rbind-mount");
        steps[2].A.Should().Be(MS_NOSUID | MS_NODEV | MS_RDONLY);
    }

    [Fact]
    public void Build_PlainBindMount_DoesNotRemount()
    {
        InitPlan plan = BuildWith(new Mount { Destination = "/etc/hosts", Type = "bind", Source = "/etc/hosts" });

        List<InitStep> steps = plan.From("mounts[7]");

        steps.Select(s => s.Op).Should().Equal(InitOp.MkTargetInRoot, InitOp.MountInRoot);
        steps[1].A.Should().Be(MS_BIND, "type bind without rbind is not recursive");
    }

    [Theory]
    [InlineData("data", "/bundles/web/data")]
    [InlineData("./volumes/logs", "/bundles/web/volumes/logs")]
    [InlineData("../shared", "/bundles/shared")]
    [InlineData("/abs/path", "/abs/path")]
    public void Build_BindSource_ResolvedAgainstTheBundle(string source, string resolved)
    {
        InitPlan plan = BuildWith(new Mount { Destination = "/mnt", Type = "bind", Source = source, Options = ["rbind"] });

        List<InitStep> steps = plan.From("mounts[7]");

        steps[0].Texts().Should().Equal("/mnt", resolved);
        steps[1].Texts()[0].Should().Be(resolved);
    }

    [Fact]
    public void Build_RelativeBindSourceWithoutBundle_KeptAsGiven()
    {
        InitPlan plan = BuildWith(new Mount { Destination = "/mnt", Type = "bind", Source = "data" }, Context() with { BundlePath = null });

        plan.From("mounts[7]")[1].Texts()[0].Should().Be("data");
    }

    [Fact]
    public void Build_BindWithPropagation_SetsItInASeparateMount()
    {
        InitPlan plan = BuildWith(new Mount { Destination = "/shared", Type = "bind", Source = "/srv/shared", Options = ["rbind", "rshared", "ro"] });

        List<InitStep> steps = plan.From("mounts[7]");

        steps.Select(s => s.Op).Should().Equal(InitOp.MkTargetInRoot, InitOp.MountInRoot, InitOp.RemountInRoot, InitOp.MountInRoot);
        steps[1].A.Should().Be(MS_BIND | MS_REC);
        steps[2].A.Should().Be(MS_RDONLY, "propagation is not a remount flag");
        steps[3].A.Should().Be(MS_SHARED | MS_REC);
        steps[3].Texts().Should().Equal("", "/shared", "", "");
        steps[3].Text.Should().Be("set the propagation of /shared");
    }

    [Fact]
    public void Build_TmpfsWithPropagation_MountsWithoutItThenSetsIt()
    {
        InitPlan plan = BuildWith(new Mount { Destination = "/run", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "private", "size=1m"] });

        List<InitStep> steps = plan.From("mounts[7]");

        steps.Select(s => s.Op).Should().Equal(InitOp.MkdirInRoot, InitOp.MountInRoot, InitOp.MountInRoot);
        steps[1].A.Should().Be(MS_NOSUID);
        steps[1].Texts().Should().Equal("tmpfs", "/run", "tmpfs", "size=1m");
        steps[2].A.Should().Be(MS_PRIVATE);
    }

    [Fact]
    public void Build_DefaultSpec_MountsEachFilesystemWithFlagsAndData()
    {
        InitPlan plan = Build(DefaultSpec());

        List<InitStep> proc = plan.From("mounts[0]");
        proc.Select(s => s.Op).Should().Equal(InitOp.MkdirInRoot, InitOp.MountInRoot);
        proc[0].A.Should().Be(Convert.ToInt64("755", 8));
        proc[0].Texts().Should().Equal("/proc");
        proc[1].A.Should().Be(0);
        proc[1].Texts().Should().Equal("proc", "/proc", "proc", "");

        List<InitStep> dev = plan.From("mounts[1]");
        dev[1].A.Should().Be(MS_NOSUID | MS_STRICTATIME);
        dev[1].Texts().Should().Equal("tmpfs", "/dev", "tmpfs", "mode=755,size=65536k");
        dev[1].Text.Should().Be("mount tmpfs on /dev (nosuid,strictatime,mode=755,size=65536k)");

        List<InitStep> pts = plan.From("mounts[2]");
        pts[1].A.Should().Be(MS_NOSUID | MS_NOEXEC);
        pts[1].Texts().Should().Equal("devpts", "/dev/pts", "devpts", "newinstance,ptmxmode=0666,mode=0620,gid=5");
    }

    [Fact]
    public void Build_MountWithoutSource_UsesTheTypeAsSource()
    {
        InitPlan plan = BuildWith(new Mount { Destination = "/tmp", Type = "tmpfs" });

        plan.From("mounts[7]")[1].Texts().Should().Equal("tmpfs", "/tmp", "tmpfs", "");
    }

    [Fact]
    public void Build_SysfsWithNetworkNamespace_MountsSysfs()
    {
        InitPlan plan = Build(DefaultSpec());

        List<InitStep> sys = plan.From("mounts[5]");

        sys.Select(s => s.Op).Should().Equal(InitOp.MkdirInRoot, InitOp.MountInRoot);
        sys[1].A.Should().Be(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
        sys[1].Texts().Should().Equal("sysfs", "/sys", "sysfs", "");
    }

    [Fact]
    public void Build_RecursiveReadonlyBind_SetsAttributesOnTheTree()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Mounts!.Add(new Mount { Destination = "/data", Type = "bind", Source = "/srv/data", Options = ["rbind", "rro", "rnosuid"] });

        InitPlan plan = Build(spec);

        InitStep attr = plan.From($"mounts[{spec.Mounts.Count - 1}]").Single(s => s.Op == InitOp.SetAttrInRoot);
        attr.A.Should().Be((long)(LibContainer.Rootfs.MountFlags.MOUNT_ATTR_RDONLY | LibContainer.Rootfs.MountFlags.MOUNT_ATTR_NOSUID));
        attr.B.Should().Be(0);
        attr.Texts().Should().Equal("/data");
    }

    [Fact]
    public void Build_SysfsWithJoinedNetworkNamespace_MountsSysfsOfThatNamespace()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Namespaces!.Single(n => n.Type == "network").Path = "/var/run/netns/pod";

        InitPlan plan = Build(spec);

        List<InitStep> sys = plan.From("mounts[5]");
        sys.Select(s => s.Op).Should().Equal(InitOp.MkdirInRoot, InitOp.MountInRoot);
        sys[1].Texts().Should().Equal("sysfs", "/sys", "sysfs", "");
    }

    [Fact]
    public void Build_SysfsWithoutNetworkNamespace_RbindsHostSys()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Namespaces!.RemoveAll(n => n.Type == "network");

        InitPlan plan = Build(spec);

        List<InitStep> sys = plan.From("mounts[5]");
        sys.Select(s => s.Op).Should().Equal(InitOp.MkdirInRoot, InitOp.MountInRoot, InitOp.RemountInRoot);
        sys[1].A.Should().Be(MS_BIND | MS_REC);
        sys[1].Texts().Should().Equal("/sys", "/sys", "", "");
        sys[2].A.Should().Be(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
        sys[2].Texts().Should().Equal("/sys");
    }

    [Fact]
    public void Build_CgroupMountOnHybridHost_TmpfsWithOneMountPerV1Hierarchy()
    {
        // The hybrid host's cgroup2 (unified) is left out, as runc and crun do.
        PlanContext context = Context() with
        {
            CgroupHierarchies = [new("memory", "cgroup", "memory"), new("unified", "cgroup2", "")],
        };

        InitPlan plan = Build(DefaultSpec(), context);

        List<InitStep> cgroup = plan.From("mounts[6]");
        cgroup.Select(s => (s.Op, s.Path)).Should().Equal(
            (InitOp.MkdirInRoot, "/sys/fs/cgroup"),
            (InitOp.MountInRoot, "/sys/fs/cgroup"),
            (InitOp.MkdirInRoot, "/sys/fs/cgroup/memory"),
            (InitOp.MountInRoot, "/sys/fs/cgroup/memory"),
            (InitOp.RemountInRoot, "/sys/fs/cgroup"));
        const long SpecFlags = MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY;
        cgroup[1].Texts().Should().Equal("tmpfs", "/sys/fs/cgroup", "tmpfs", "mode=755");
        cgroup[1].A.Should().Be((SpecFlags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, "the tmpfs is made read-only after its hierarchies are mounted");
        cgroup[3].Texts().Should().Equal("cgroup", "/sys/fs/cgroup/memory", "cgroup", "memory");
        cgroup[3].A.Should().Be(SpecFlags);
        cgroup[4].A.Should().Be(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
        cgroup[4].Texts().Should().Equal("/sys/fs/cgroup");
    }

    [Fact]
    public void Build_CgroupMountInUserNamespace_BindsEachHostHierarchy()
    {
        PlanContext context = Context() with
        {
            CgroupHierarchies = [new("memory", "cgroup", "memory"), new("unified", "cgroup2", "")],
        };
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "user" });
        spec.Linux.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];
        spec.Linux.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];

        InitPlan plan = Build(spec, context);

        List<InitStep> cgroup = plan.From("mounts[6]");
        cgroup.Select(s => (s.Op, s.Path)).Should().Equal(
            (InitOp.MkdirInRoot, "/sys/fs/cgroup"),
            (InitOp.MountInRoot, "/sys/fs/cgroup"),
            (InitOp.MkdirInRoot, "/sys/fs/cgroup/memory"),
            (InitOp.MountInRoot, "/sys/fs/cgroup/memory"),
            (InitOp.RemountInRoot, "/sys/fs/cgroup/memory"),
            (InitOp.RemountInRoot, "/sys/fs/cgroup"));
        cgroup[3].Texts()[0].Should().Be("/sys/fs/cgroup/memory");
        cgroup[3].A.Should().Be(MS_BIND | MS_REC);
        (cgroup[4].A & MS_RDONLY).Should().Be(MS_RDONLY);
    }

    [Fact]
    public void Build_WritableCgroupMount_DoesNotRemountReadOnly()
    {
        PlanContext context = Context() with { CgroupHierarchies = [new("pids", "cgroup", "pids")] };

        InitPlan plan = BuildWith(new Mount { Destination = "/cg/", Type = "cgroup", Source = "cgroup" }, context);

        List<InitStep> cgroup = plan.From("mounts[7]");
        cgroup.Select(s => s.Op).Should().Equal(InitOp.MkdirInRoot, InitOp.MountInRoot, InitOp.MkdirInRoot, InitOp.MountInRoot);
        cgroup[3].Path.Should().Be("/cg/pids", "a trailing slash of the destination is not doubled");
        cgroup[3].A.Should().Be(0);
    }

    [Fact]
    public void Build_CgroupMountOnUnifiedHost_MountsCgroup2()
    {
        PlanContext context = Context() with { CgroupHierarchies = [new("", "cgroup2", "")] };

        InitPlan plan = Build(DefaultSpec(), context);

        List<InitStep> cgroup = plan.From("mounts[6]");
        cgroup.Select(s => s.Op).Should().Equal(InitOp.MkdirInRoot, InitOp.MountInRoot);
        cgroup[1].Texts().Should().Equal("cgroup2", "/sys/fs/cgroup", "cgroup2", "");
        cgroup[1].A.Should().Be(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);
        cgroup[1].Text.Should().Be("mount cgroup2 on /sys/fs/cgroup (nosuid,noexec,nodev,relatime,ro)");
    }

    [Fact]
    public void Build_NulInMountDestination_ThrowsNamingIt()
    {
        Action build = () => BuildWith(new Mount { Destination = "/mn\0t", Type = "tmpfs" });

        build.Should().Throw<ArgumentException>().WithMessage("mounts[7].destination: *NUL*");
    }

    [Fact]
    public void Build_NonBindMountWithoutType_ThrowsNamingIt()
    {
        Action build = () => BuildWith(new Mount { Destination = "/mnt", Source = "/dev/sda1", Options = ["ro"] });

        build.Should().Throw<ArgumentException>().WithMessage("mounts[7].type: *");
    }

    [Fact]
    public void Build_BindMountWithoutSource_ThrowsNamingIt()
    {
        Action build = () => BuildWith(new Mount { Destination = "/mnt", Type = "bind" });

        build.Should().Throw<ArgumentException>().WithMessage("mounts[7].source: *");
    }

    [Fact]
    public void Build_Mounts_EachStepNamesItsSpecEntry()
    {
        InitPlan plan = BuildWith(new Mount { Destination = "/data", Type = "bind", Source = "/srv" });

        plan.Steps.Last(s => s.Source?.StartsWith("mounts[", StringComparison.Ordinal) == true).Source.Should().Be("mounts[7]");
        Enumerable.Range(0, 8).Should().OnlyContain(i => plan.From($"mounts[{i}]").Count >= 2);
    }
}
