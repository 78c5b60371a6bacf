using FluentAssertions;
using LibContainer.Init;
using LibContainer.Spec;
using Xunit;
using static LibContainer.Tests.Init.PlanTesting;

namespace LibContainer.Tests.Init;

public sealed class PlanBuilderTests
{
    [Fact]
    public void Build_DefaultSpec_RunsTheStepsInRuncOrder()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Root!.Readonly = true;
        spec.Linux!.Sysctl = new() { ["net.ipv4.ip_forward"] = "1" };
        spec.Process!.OomScoreAdj = 100;

        InitPlan plan = Build(spec);

        int[] order =
        [
            plan.IndexOf(InitOp.Clone),
            plan.IndexOf(InitOp.WaitGo),
            plan.IndexOf(InitOp.Unshare),
            plan.IndexOf(s => s.Op == InitOp.Mount && s.Source == "linux.rootfsPropagation"),
            plan.IndexOf(s => s.Op == InitOp.SetRoot && s.Path == RootPath),
            plan.IndexOf(s => s.Source == "mounts[0]"),
            plan.IndexOf(InitOp.MknodInRoot),
            plan.IndexOf(InitOp.SymlinkInRoot),
            plan.IndexOf(InitOp.PivotRoot),
            plan.IndexOf(s => s.Op == InitOp.SetRoot && s.Path == "/"),
            plan.IndexOf(InitOp.SetHostname),
            plan.IndexOf(s => s.Op == InitOp.WriteFile && s.Path == "/proc/sys/net/ipv4/ip_forward"),
            plan.IndexOf(InitOp.ReadonlyPath),
            plan.LastIndexOf(InitOp.ReadonlyPath),
            plan.IndexOf(InitOp.MaskPath),
            plan.LastIndexOf(InitOp.MaskPath),
            plan.IndexOf(s => s.Op == InitOp.RemountInRoot && s.Source == "root.readonly"),
            plan.IndexOf(InitOp.SetRlimit),
            plan.IndexOf(s => s.Op == InitOp.WriteFile && s.Path == "/proc/self/oom_score_adj"),
            plan.IndexOf(InitOp.NoNewPrivs),
            plan.IndexOf(s => s.Op == InitOp.Chdir && s.A == 1),
            plan.IndexOf(InitOp.SetGroups),
            plan.IndexOf(InitOp.SetGid),
            plan.IndexOf(InitOp.SetUid),
            plan.IndexOf(InitOp.Umask),
            plan.IndexOf(s => s.Op == InitOp.Chdir && s.A == 2),
            plan.IndexOf(InitOp.LookupExec),
            plan.IndexOf(InitOp.Ready),
            plan.IndexOf(InitOp.WaitFifo),
            plan.IndexOf(InitOp.Exec),
        ];

        order.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        plan.Steps[0].Op.Should().Be(InitOp.Clone);
        plan.Steps[^1].Op.Should().Be(InitOp.Exec);
        plan.Count.Should().Be(plan.Steps.Count);
    }

    [Fact]
    public void Build_DefaultSpec_ClonesIntoEveryNewNamespaceButCgroup()
    {
        InitPlan plan = Build(DefaultSpec());

        plan.Steps.Take(3).Select(s => s.Op).Should().Equal(InitOp.Clone, InitOp.WaitGo, InitOp.Unshare);
        plan.Steps[0].A.Should().Be(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS);
        plan.Steps[0].Text.Should().Be("clone the container process into new mount, uts, ipc, pid, network namespaces");
        plan.Steps[2].A.Should().Be(CLONE_NEWCGROUP);
        plan.Of(InitOp.SetNs).Should().BeEmpty();
    }

    [Fact]
    public void Build_NoCgroupNamespace_DoesNotUnshare()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Namespaces!.RemoveAll(n => n.Type == "cgroup");

        InitPlan plan = Build(spec);

        plan.Of(InitOp.Unshare).Should().BeEmpty();
        plan.Steps[1].Op.Should().Be(InitOp.WaitGo);
        plan.Steps[2].Op.Should().Be(InitOp.LoopbackUp);
        plan.Steps[3].Op.Should().Be(InitOp.Mount);
    }

    [Fact]
    public void Build_UserNamespace_AddsCloneNewUser()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "user" });

        InitPlan plan = Build(spec);

        plan.Steps[0].A.Should().Be(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS);
    }

    [Fact]
    public void Build_JoinedNamespaces_SetNsUserFirstMountLastThenClonesTheRest()
    {
        // The validator refuses a type listed twice; the builder only orders what it is given, so a
        // joined mount namespace (and the new one the root needs) are both listed to see where it goes.
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Namespaces =
        [
            new LinuxNamespace { Type = "mount", Path = "/proc/42/ns/mnt" },
            new LinuxNamespace { Type = "network", Path = "/var/run/netns/web" },
            new LinuxNamespace { Type = "user", Path = "/proc/42/ns/user" },
            new LinuxNamespace { Type = "ipc", Path = "/proc/42/ns/ipc" },
            new LinuxNamespace { Type = "pid" },
            new LinuxNamespace { Type = "mount" },
            new LinuxNamespace { Type = "cgroup", Path = "/proc/42/ns/cgroup" },
        ];

        InitPlan plan = Build(spec);

        List<InitStep> joins = plan.Steps.TakeWhile(s => s.Op == InitOp.SetNs).ToList();
        joins.Select(s => s.Texts().Single()).Should().HaveCount(5).And.StartWith("/proc/42/ns/user").And.EndWith("/proc/42/ns/mnt");
        joins[0].A.Should().Be(CLONE_NEWUSER);
        joins[0].Source.Should().Be("linux.namespaces[2]");
        joins[0].Path.Should().Be("/proc/42/ns/user");
        joins[^1].A.Should().Be(CLONE_NEWNS);
        joins[^1].Source.Should().Be("linux.namespaces[0]");
        joins.Skip(1).SkipLast(1).Select(s => s.A).Should().BeEquivalentTo([CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWCGROUP]);
        plan.Steps[5].Op.Should().Be(InitOp.Clone);
        plan.Steps[5].A.Should().Be(CLONE_NEWPID | CLONE_NEWNS);
        plan.Steps[6].Op.Should().Be(InitOp.WaitGo);
        plan.Of(InitOp.Unshare).Should().BeEmpty("the cgroup namespace is joined, not made");
    }

    [Fact]
    public void Build_AnyPlan_StartsTheRootWithSlaveThenBindsItOnItself()
    {
        InitPlan plan = Build(DefaultSpec());

        List<InitStep> root = plan.Steps.SkipWhile(s => s.Op != InitOp.Mount).Take(3).ToList();

        root.Select(s => s.Op).Should().Equal(InitOp.Mount, InitOp.Mount, InitOp.SetRoot);
        root[0].A.Should().Be(MS_SLAVE | MS_REC);
        root[0].Texts().Should().Equal("", "/", "", "");
        root[1].A.Should().Be(MS_BIND | MS_REC);
        root[1].Texts().Should().Equal(RootPath, RootPath, "", "");
        root[2].Texts().Should().Equal(RootPath);
    }

    [Fact]
    public void Build_Default_PivotsRootThenResolvesInsideTheNewRoot()
    {
        InitPlan plan = Build(DefaultSpec());

        int pivot = plan.IndexOf(InitOp.PivotRoot);

        plan.Steps[pivot].Texts().Should().Equal(RootPath);
        plan.Steps[pivot].Source.Should().Be("root.path");
        plan.Steps.Should().NotContain(s => s.Op == InitOp.MkdirInRoot && s.Source == "process.cwd", "a cwd of / needs no mkdir");
        plan.Steps[pivot + 1].Op.Should().Be(InitOp.SetRoot);
        plan.Steps[pivot + 1].Texts().Should().Equal("/");
        plan.Of(InitOp.MoveRoot).Should().BeEmpty();
    }

    [Fact]
    public void Build_MoreEnvThanTheInitTakes_ErrorNamesEnv()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.Env = [.. Enumerable.Range(0, 9000).Select(i => $"V{i}=x")];

        Action build = () => Build(spec);

        build.Should().Throw<ArgumentException>().WithMessage("process.env:*9001 environment entries*");
    }

    [Fact]
    public void Build_Cwd_CreatedInsideTheRootBeforePivot()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.Cwd = "/work/dir";

        InitPlan plan = Build(spec);

        int pivot = plan.IndexOf(InitOp.PivotRoot);
        plan.Steps[pivot - 1].Op.Should().Be(InitOp.MkdirInRoot);
        plan.Steps[pivot - 1].Texts().Should().Equal("/work/dir");
        plan.Steps[pivot - 1].Source.Should().Be("process.cwd");
    }

    [Fact]
    public void Build_NoPivotRoot_MovesRootInstead()
    {
        InitPlan plan = Build(DefaultSpec(), Context() with { NoPivotRoot = true });

        plan.Of(InitOp.PivotRoot).Should().BeEmpty();
        InitStep move = plan.Of(InitOp.MoveRoot).Should().ContainSingle().Subject;
        move.Texts().Should().Equal(RootPath);
        move.Path.Should().Be(RootPath);
        plan.Steps[plan.IndexOf(InitOp.MoveRoot) + 1].Path.Should().Be("/");
    }

    [Theory]
    [InlineData("private", 1 << 18)]
    [InlineData("rprivate", (1 << 18) | 16384)]
    [InlineData("slave", 1 << 19)]
    [InlineData("rslave", (1 << 19) | 16384)]
    [InlineData("shared", 1 << 20)]
    [InlineData("rshared", (1 << 20) | 16384)]
    [InlineData("unbindable", 1 << 17)]
    [InlineData("runbindable", (1 << 17) | 16384)]
    public void Build_RootfsPropagation_SetsItOnTheNewRoot(string propagation, long flags)
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.RootfsPropagation = propagation;

        InitPlan plan = Build(spec);

        // After pivot_root, the new / and the stdio reopen: the propagation of the new root.
        InitStep step = plan.Steps[plan.IndexOf(InitOp.PivotRoot) + 3];
        step.Op.Should().Be(InitOp.Mount);
        step.A.Should().Be(flags);
        step.Texts().Should().Equal("", "/", "", "");
        step.Source.Should().Be("linux.rootfsPropagation");
    }

    [Fact]
    public void Build_NoRootfsPropagation_LeavesTheSlaveMountAlone()
    {
        InitPlan plan = Build(DefaultSpec());

        plan.Steps[plan.IndexOf(InitOp.PivotRoot) + 3].Op.Should().Be(InitOp.SetHostname);
        plan.Of(InitOp.Mount).Should().HaveCount(2);
    }

    [Fact]
    public void Build_NewNetworkNamespace_BringsUpLoopbackAfterGo()
    {
        InitPlan plan = Build(DefaultSpec());

        plan.IndexOf(InitOp.LoopbackUp).Should().BeGreaterThan(plan.IndexOf(InitOp.WaitGo)).And.BeLessThan(plan.IndexOf(InitOp.PivotRoot));
    }

    [Fact]
    public void Build_JoinedNetworkNamespace_LeavesItsLinksAlone()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Namespaces = [.. spec.Linux.Namespaces!.Where(n => n.Type != "network"), new LinuxNamespace { Type = "network", Path = "/run/netns/pod" }];

        InitPlan plan = Build(spec);

        plan.Of(InitOp.LoopbackUp).Should().BeEmpty();
    }

    [Fact]
    public void Build_NoTerminal_ReopensHostDevNullStdioInsideTheContainer()
    {
        InitPlan plan = Build(DefaultSpec());

        // As runc's init: stdio on the host's /dev/null would tie the process to a mount outside the container.
        plan.IndexOf(InitOp.ReopenDevNull).Should().Be(plan.IndexOf(InitOp.PivotRoot) + 2, "right after pivot_root and the new /, where /dev/null is the container's");
    }

    [Fact]
    public void Build_Terminal_TheConsoleReplacesStdioInstead()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.Terminal = true;

        InitPlan plan = Build(spec);

        plan.Of(InitOp.ReopenDevNull).Should().BeEmpty();
        plan.Of(InitOp.Console).Should().ContainSingle();
    }

    [Fact]
    public void Build_DefaultSpec_ReadonlyPathsThenMaskedPathsInSpecOrder()
    {
        RuntimeSpec spec = DefaultSpec();

        InitPlan plan = Build(spec);

        List<InitStep> paths = plan.Steps.Where(s => s.Op is InitOp.ReadonlyPath or InitOp.MaskPath).ToList();
        paths.Select(s => s.Texts().Single()).Should().Equal(spec.Linux!.ReadonlyPaths!.Concat(spec.Linux.MaskedPaths!));
        paths.Take(5).Should().OnlyContain(s => s.Op == InitOp.ReadonlyPath);
        paths.Skip(5).Should().OnlyContain(s => s.Op == InitOp.MaskPath);
        paths[0].Source.Should().Be("linux.readonlyPaths[0]");
        paths[^1].Source.Should().Be("linux.maskedPaths[10]");
        paths[^1].Path.Should().Be("/sys/devices/virtual/tpm");
    }

    [Fact]
    public void Build_HostnameAndDomainname_SetsBoth()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Hostname = "web";
        spec.Domainname = "example.org";

        InitPlan plan = Build(spec);

        InitStep host = plan.Of(InitOp.SetHostname).Should().ContainSingle().Subject;
        host.Texts().Should().Equal("web");
        host.Source.Should().Be("hostname");
        plan.Of(InitOp.SetDomainname).Should().ContainSingle().Which.Texts().Should().Equal("example.org");
        plan.IndexOf(InitOp.SetDomainname).Should().Be(plan.IndexOf(InitOp.SetHostname) + 1);
    }

    [Fact]
    public void Build_NoHostname_SkipsSetHostname()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Hostname = null;

        InitPlan plan = Build(spec);

        plan.Of(InitOp.SetHostname).Should().BeEmpty();
        plan.Of(InitOp.SetDomainname).Should().BeEmpty();
    }

    [Fact]
    public void Build_Sysctl_WritesUnderProcSys()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Sysctl = new() { ["a.b.c"] = "1", ["net.ipv4.ip_unprivileged_port_start"] = "80" };

        InitPlan plan = Build(spec);

        List<InitStep> writes = plan.Of(InitOp.WriteFile);
        writes.Should().HaveCount(2);
        writes[0].Texts().Should().Equal("/proc/sys/a/b/c", "1");
        writes[0].Path.Should().Be("/proc/sys/a/b/c");
        writes[0].Source.Should().Be("linux.sysctl[\"a.b.c\"]");
        writes[1].Texts().Should().Equal("/proc/sys/net/ipv4/ip_unprivileged_port_start", "80");
        plan.IndexOf(InitOp.WriteFile).Should().BeGreaterThan(plan.IndexOf(InitOp.SetHostname));
    }

    [Fact]
    public void Build_Sysctl_WrittenBeforeProcSysIsMadeReadOnly()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Sysctl = new() { ["kernel.msgmax"] = "8192" };

        InitPlan plan = Build(spec);

        plan.IndexOf(InitOp.WriteFile).Should().BeLessThan(plan.IndexOf(s => s.Op == InitOp.ReadonlyPath && s.Path == "/proc/sys"));
    }

    [Fact]
    public void Build_ReadonlyRoot_RemountsRootReadOnlyAfterMaskedPaths()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Root!.Readonly = true;
        spec.Linux!.Sysctl = new() { ["kernel.msgmax"] = "8192" };

        InitPlan plan = Build(spec);

        int remount = plan.IndexOf(s => s.Source == "root.readonly");
        InitStep step = plan.Steps[remount];
        step.Op.Should().Be(InitOp.RemountInRoot);
        step.A.Should().Be(MS_RDONLY);
        step.Texts().Should().Equal("/");
        remount.Should().BeGreaterThan(plan.IndexOf(InitOp.WriteFile));
        plan.Steps[remount - 1].Op.Should().Be(InitOp.MaskPath);
        plan.Steps[remount + 1].Op.Should().Be(InitOp.SetRlimit);
    }

    [Fact]
    public void Build_WritableRoot_DoesNotRemountRoot()
    {
        InitPlan plan = Build(DefaultSpec());

        plan.Steps.Should().NotContain(s => s.Source == "root.readonly");
        plan.Of(InitOp.RemountInRoot).Should().NotContain(s => s.Path == "/");
    }

    [Fact]
    public void Build_Rlimits_SetsResourceSoftAndHard()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.Rlimits =
        [
            new PosixRlimit { Type = "RLIMIT_NOFILE", Soft = 1024, Hard = 4096 },
            new PosixRlimit { Type = "RLIMIT_CORE", Soft = ulong.MaxValue, Hard = ulong.MaxValue },
        ];

        InitPlan plan = Build(spec);

        List<InitStep> limits = plan.Of(InitOp.SetRlimit);
        limits.Should().HaveCount(2);
        limits[0].Should().Match<InitStep>(s => s.A == 7 && s.B == 1024 && s.C == 4096 && s.Source == "process.rlimits[0]");
        limits[0].Text.Should().Be("setrlimit RLIMIT_NOFILE soft 1024 hard 4096");
        limits[1].Should().Match<InitStep>(s => s.A == 4 && s.B == -1 && s.C == -1, "RLIM_INFINITY is all ones");
        limits[1].Text.Should().Be("setrlimit RLIMIT_CORE soft unlimited hard unlimited");
    }

    [Fact]
    public void Build_OomScoreAdj_WritesProcSelf()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.OomScoreAdj = -500;

        InitPlan plan = Build(spec);

        InitStep step = plan.Of(InitOp.WriteFile).Should().ContainSingle().Subject;
        step.Texts().Should().Equal("/proc/self/oom_score_adj", "-500");
        step.Source.Should().Be("process.oomScoreAdj");
        plan.IndexOf(InitOp.WriteFile).Should().BeGreaterThan(plan.LastIndexOf(InitOp.SetRlimit));
    }

    [Fact]
    public void Build_NoNewPrivilegesFalse_SkipsThePrctl()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.NoNewPrivileges = false;

        InitPlan plan = Build(spec);

        plan.Of(InitOp.NoNewPrivs).Should().BeEmpty();
        Build(DefaultSpec()).Of(InitOp.NoNewPrivs).Should().ContainSingle().Which.Source.Should().Be("process.noNewPrivileges");
    }

    [Fact]
    public void Build_Cwd_ChangedAsRootBeforeTheUserChange_RetriedAsTheUserOnlyIfRefused()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.User = new User { Uid = 1000, Gid = 1000 };
        spec.Process.Cwd = "/root";

        InitPlan plan = Build(spec);

        List<InitStep> chdirs = plan.Of(InitOp.Chdir);
        chdirs.Select(s => s.A).Should().Equal(1, 2); // 1: EACCES/EPERM deferred; 2: only if deferred
        chdirs.Should().AllSatisfy(s => s.Source.Should().Be("process.cwd"));
        plan.IndexOf(s => s.Op == InitOp.Chdir && s.A == 1).Should().BeLessThan(plan.IndexOf(InitOp.SetUid));
        plan.IndexOf(s => s.Op == InitOp.Chdir && s.A == 2).Should().BeGreaterThan(plan.IndexOf(InitOp.SetUid));
    }

    [Fact]
    public void Build_User_SetsGroupsGidUidUmaskAndCwd()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.User = new User { Uid = 1000, Gid = 100, AdditionalGids = [10, 70000], Umask = Convert.ToUInt32("077", 8) };
        spec.Process.Cwd = "/home/app";

        InitPlan plan = Build(spec);

        List<InitStep> credentials = plan.Steps.SkipWhile(s => s.Op != InitOp.SetGroups).Take(5).ToList();
        credentials.Select(s => s.Op).Should().Equal(InitOp.SetGroups, InitOp.SetGid, InitOp.SetUid, InitOp.Umask, InitOp.Chdir);
        credentials[0].Strings.Should().ContainSingle().Which.Should().Equal(10, 0, 0, 0, 0x70, 0x11, 0x01, 0x00);
        credentials[0].Text.Should().Be("setgroups [10, 70000]");
        credentials[1].A.Should().Be(100);
        credentials[2].A.Should().Be(1000);
        credentials[3].A.Should().Be(63);
        credentials[3].Source.Should().Be("process.user.umask");
        credentials[3].Text.Should().Be("umask 0077");
        credentials[4].Texts().Should().Equal("/home/app");
        plan.From("process.cwd").Should().Contain(s => s.Op == InitOp.MkdirInRoot && s.Path == "/home/app");
    }

    [Fact]
    public void Build_NoUmask_Uses022()
    {
        InitPlan plan = Build(DefaultSpec());

        InitStep umask = plan.Of(InitOp.Umask).Should().ContainSingle().Subject;
        umask.A.Should().Be(18);
        umask.Text.Should().Be("umask 0022");
        umask.Source.Should().BeNull();
        plan.Of(InitOp.SetGroups).Single().Strings.Should().ContainSingle().Which.Should().BeEmpty();
    }

    [Fact]
    public void Build_PathInEnv_LooksUpArgs0WithIt()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.Args = ["nginx", "-g", "daemon off;"];
        spec.Process.Env = ["PATH=/usr/bin", "HOME=/root", "PATH=/usr/sbin:/usr/bin"];

        InitPlan plan = Build(spec);

        InitStep lookup = plan.Of(InitOp.LookupExec).Should().ContainSingle().Subject;
        lookup.Texts().Should().Equal("nginx", "/usr/sbin:/usr/bin");
        lookup.Source.Should().Be("process.args[0]");
        lookup.Text.Should().Be("find nginx in PATH=/usr/sbin:/usr/bin");
    }

    [Fact]
    public void Build_NoPathInEnv_SendsEmptyPath()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.Args = ["/bin/sh"];
        spec.Process.Env = null;

        InitPlan plan = Build(spec);

        InitStep lookup = plan.Of(InitOp.LookupExec).Single();
        lookup.Texts().Should().Equal("/bin/sh", "");
        lookup.Text.Should().Be("find /bin/sh in the root");
        InitStep exec = plan.Steps[^1];
        exec.B.Should().Be(1); // HOME=/ only (runc and crun add it when missing)
        exec.Texts()[1].Should().Be("HOME=/");
    }

    [Fact]
    public void Build_Process_EndsWithReadyWaitFifoAndExec()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.Args = ["sh", "-c", "echo hi"];
        spec.Process.Env = ["PATH=/bin", "TERM=xterm"];

        InitPlan plan = Build(spec, Context() with { ExtraFiles = 5 });

        plan.Steps.TakeLast(4).Select(s => s.Op).Should().Equal(InitOp.LookupExec, InitOp.Ready, InitOp.WaitFifo, InitOp.Exec);
        plan.Steps[^2].A.Should().Be(9);
        InitStep exec = plan.Steps[^1];
        exec.A.Should().Be(3);
        exec.B.Should().Be(3); // with HOME=/ added (as runc and crun)
        exec.Texts().Should().Equal("sh\0-c\0echo hi", "PATH=/bin\0TERM=xterm\0HOME=/");
        exec.Text.Should().Be("exec sh -c echo hi");
        exec.Source.Should().Be("process.args");
    }

    [Fact]
    public void Build_ListenFds_ExecSetsListenPid()
    {
        InitPlan plan = Build(DefaultSpec(), Context() with { ExtraFiles = 2, ListenFds = true });

        plan.Steps[^1].C.Should().Be(1, "the init adds LISTEN_PID=<its pid> to the env");
    }

    [Fact]
    public void Build_Terminal_ConsoleRightAfterPivot()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.Terminal = true;
        spec.Process.ConsoleSize = new Box { Height = 30, Width = 100 };

        InitPlan plan = Build(spec);

        int console = plan.IndexOf(InitOp.Console);
        plan.Steps[console - 1].Op.Should().Be(InitOp.SetRoot, "the pty comes from the container's own /dev/pts");
        plan.Steps[console].A.Should().Be(30);
        plan.Steps[console].B.Should().Be(100);
    }

    [Fact]
    public void Build_Hooks_SyncBeforeCreateContainerBeforePivotAndStartContainerAfterFifo()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Hooks = new Hooks
        {
            CreateRuntime = [new Hook { Path = "/usr/bin/a" }],
            CreateContainer = [new Hook { Path = "/usr/bin/b", Args = ["b", "-x"], Env = ["K=V"], Timeout = 7 }],
            StartContainer = [new Hook { Path = "/bin/c" }],
        };

        InitPlan plan = Build(spec);

        int sync = plan.IndexOf(InitOp.SyncHooks);
        int pivot = plan.IndexOf(InitOp.PivotRoot);
        InitStep create = plan.Steps[sync + 1];
        create.Op.Should().Be(InitOp.RunHook);
        create.Texts().Should().Equal("/usr/bin/b", "b\0-x", "K=V");
        create.A.Should().Be(2);
        create.B.Should().Be(1);
        create.C.Should().Be(7, "timeout 7 s, state 0 (createContainer)");
        create.Source.Should().Be("hooks.createContainer[0]");
        sync.Should().BeLessThan(pivot);
        InitStep start = plan.Steps[plan.IndexOf(InitOp.WaitFifo) + 1];
        start.Op.Should().Be(InitOp.RunHook);
        (start.C >> 32).Should().Be(1, "the startContainer state");
    }

    [Fact]
    public void BuildExec_JoinsNamespacesUserFirstMountLastThenProcess()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "user" });
        var process = new Process { Args = ["ps"], Cwd = "/tmp", User = new User { Uid = 7, Gid = 8 }, Env = ["PATH=/bin"] };

        InitPlan plan = PlanBuilder.BuildExec(spec, process, 4242, Context());

        List<InitStep> joins = plan.Steps.TakeWhile(s => s.Op == InitOp.SetNs).ToList();
        joins.First().Texts().Should().Equal("/proc/4242/ns/user");
        joins.Last().Texts().Should().Equal("/proc/4242/ns/mnt");
        joins.Should().HaveCount(spec.Linux.Namespaces.Count);
        plan.Steps[joins.Count].Op.Should().Be(InitOp.Clone);
        plan.Steps[joins.Count].A.Should().Be(0, "no new namespaces for an exec");
        plan.Steps.Should().NotContain(s => s.Op == InitOp.PivotRoot || s.Op == InitOp.MountInRoot || s.Op == InitOp.WaitFifo);
        plan.Steps.Single(s => s.Op == InitOp.SetUid).A.Should().Be(7);
        plan.Steps[^1].Op.Should().Be(InitOp.Exec);
        plan.Steps[^2].Op.Should().Be(InitOp.Ready);
    }

    [Fact]
    public void Build_WithCgroups_BornInTheUnifiedOneThenJoinsEachV1HierarchyBeforeGo()
    {
        var join = new CgroupJoin("/sys/fs/cgroup/unified/web", ["/sys/fs/cgroup/memory/web", "/sys/fs/cgroup/pids/web"]);
        RuntimeSpec spec = DefaultSpec();

        InitPlan plan = Build(spec, Context() with { ExtraFiles = 2, CgroupJoin = join });

        // fds after stdio (0-2), the two extra files (3, 4), the socket (5) and the fifo (6).
        plan.Steps.Take(4).Select(s => s.Op).Should().Equal(InitOp.Clone, InitOp.JoinCgroup, InitOp.JoinCgroup, InitOp.WaitGo);
        plan.Steps[0].B.Should().Be(7, "the unified directory, the first of the join's files");
        plan.Steps[0].A.Should().Be(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS);
        plan.Steps[1].A.Should().Be(8);
        plan.Steps[2].A.Should().Be(9);
        plan.Steps[2].Path.Should().Be("/sys/fs/cgroup/pids/web");
        plan.Describe(2).Should().Be("join cgroup /sys/fs/cgroup/pids/web (\"0\" to its tasks) [linux.cgroupsPath]");
        join.Files.Should().Equal("/sys/fs/cgroup/unified/web", "/sys/fs/cgroup/memory/web/tasks", "/sys/fs/cgroup/pids/web/tasks");
        plan.IndexOf(s => s.Op == InitOp.Unshare && s.A == CLONE_NEWCGROUP).Should().BeGreaterThan(3, "the cgroup namespace is rooted at the joined cgroups");
    }

    [Fact]
    public void Build_WithoutCgroups_PlainClone()
    {
        InitPlan plan = Build(DefaultSpec());

        plan.Steps[0].B.Should().Be(0, "no cgroup2 fd: the init clones without CLONE_INTO_CGROUP");
        plan.Of(InitOp.JoinCgroup).Should().BeEmpty();
    }

    [Fact]
    public void BuildExec_WithV1CgroupsOnly_JoinsThemAfterTheClone()
    {
        var join = new CgroupJoin(null, ["/sys/fs/cgroup/cpu,cpuacct/web"]);

        InitPlan plan = PlanBuilder.BuildExec(DefaultSpec(), new Process { Args = ["ps"], Cwd = "/", User = new User { Uid = 0, Gid = 0 } }, 4242, Context() with { CgroupJoin = join });

        int clone = plan.IndexOf(InitOp.Clone);
        plan.Steps[clone].B.Should().Be(0);
        plan.Steps[clone + 1].Op.Should().Be(InitOp.JoinCgroup);
        plan.Steps[clone + 1].A.Should().Be(5, "the first of the join's files: no fifo for an exec, its number stays free");
        plan.Steps[clone + 2].Op.Should().Be(InitOp.WaitGo);
    }

    [Fact]
    public void Build_DefaultContext_WaitsOnFd4()
    {
        InitPlan plan = Build(DefaultSpec());

        plan.Steps[^2].Op.Should().Be(InitOp.WaitFifo);
        plan.Steps[^2].A.Should().Be(4);
    }

    [Fact]
    public void Build_JoinedMountNamespace_SetsUpTheRootfsThere()
    {
        // runc and crun set the rootfs up inside a mount namespace joined by path.
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Namespaces!.Single(n => n.Type == "mount").Path = "/run/netns-like/mnt";

        InitPlan plan = Build(spec);

        int join = plan.IndexOf(s => s.Op == InitOp.SetNs && s.A == CLONE_NEWNS);
        join.Should().BeLessThan(plan.IndexOf(InitOp.Clone));
        (plan.Steps[plan.IndexOf(InitOp.Clone)].A & CLONE_NEWNS).Should().Be(0);
        plan.IndexOf(InitOp.PivotRoot).Should().BeGreaterThan(plan.IndexOf(InitOp.Clone));
    }

    [Fact]
    public void Build_NoHome_HomeFromTheRootsPasswd()
    {
        string root = Directory.CreateTempSubdirectory("lc-home-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "etc"));
            File.WriteAllText(Path.Combine(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nweb:x:1000:1000::/srv/web:/bin/sh\n");
            RuntimeSpec spec = DefaultSpec();
            spec.Process!.User = new User { Uid = 1000, Gid = 1000 };

            InitPlan plan = Build(spec, Context() with { RootfsPath = root });
            RuntimeSpec withHome = DefaultSpec();
            withHome.Process!.Env!.Add("HOME=/mine");
            InitPlan kept = Build(withHome, Context() with { RootfsPath = root });

            plan.Steps[^1].Texts()[1].Split('\0').Should().Contain("HOME=/srv/web");
            kept.Steps[^1].Texts()[1].Split('\0').Should().Contain("HOME=/mine").And.NotContain("HOME=/root");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Build_NoMountNamespace_ThrowsNamingNamespaces()
    {
        // Kept on purpose: runc and crun would mount the rootfs in the runtime's own mount namespace.
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Namespaces!.RemoveAll(n => n.Type == "mount");

        Action build = () => Build(spec);

        build.Should().Throw<ArgumentException>().WithMessage("linux.namespaces: *mount namespace*");
    }

    [Fact]
    public void Build_UnknownNamespaceType_ThrowsNamingIt()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Namespaces!.Insert(0, new LinuxNamespace { Type = "net" });

        Action build = () => Build(spec);

        build.Should().Throw<ArgumentException>().WithMessage("linux.namespaces[0].type: *\"net\"*");
    }

    [Fact]
    public void Build_NewTimeNamespace_UnsharedWithOffsetsBeforeTheClone()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "time" });
        spec.Linux.TimeOffsets = new() { ["boottime"] = new LinuxTimeOffset { Secs = 5, Nanosecs = 7 } };

        InitPlan plan = Build(spec);

        int clone = plan.IndexOf(InitOp.Clone);
        plan.Steps[clone - 2].Op.Should().Be(InitOp.Unshare);
        plan.Steps[clone - 2].A.Should().Be(0x80, "CLONE_NEWTIME");
        plan.Steps[clone - 1].Texts().Should().Equal("/proc/self/timens_offsets", "boottime 5 7\n");
        (plan.Steps[clone].A & 0x80).Should().Be(0, "clone(2) cannot make a time namespace");
    }

    [Fact]
    public void Build_UnknownRlimit_ThrowsNamingIt()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.Rlimits!.Add(new PosixRlimit { Type = "RLIMIT_BOGUS", Soft = 1, Hard = 1 });

        Action build = () => Build(spec);

        build.Should().Throw<ArgumentException>().WithMessage("process.rlimits[1].type: *\"RLIMIT_BOGUS\"*");
    }

    [Fact]
    public void Build_UnknownRootfsPropagation_ThrowsNamingIt()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.RootfsPropagation = "sideways";

        Action build = () => Build(spec);

        build.Should().Throw<ArgumentException>().WithMessage("linux.rootfsPropagation: *\"sideways\"*");
    }

    [Theory]
    [InlineData(new[] { "sh", "-c\0x" }, null, "process.args[1]")]
    [InlineData(new[] { "s\0h" }, null, "process.args[0]")]
    [InlineData(new[] { "sh" }, "A=\0", "process.env[0]")]
    public void Build_NulInArgsOrEnv_ThrowsNamingTheField(string[] args, string? env, string field)
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.Args = [.. args];
        spec.Process.Env = env is null ? null : [env];

        Action build = () => Build(spec);

        build.Should().Throw<ArgumentException>().WithMessage($"{field}: must not contain a NUL character");
    }

    [Fact]
    public void Build_NulInHostname_ThrowsNamingIt()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Hostname = "web\0";

        Action build = () => Build(spec);

        build.Should().Throw<ArgumentException>().WithMessage("hostname: *NUL*");
    }

    [Fact]
    public void Build_EmptyArgs_ThrowsNamingThem()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.Args = [];

        Action build = () => Build(spec);

        build.Should().Throw<ArgumentException>().WithMessage("process.args: *empty*");
    }

    [Fact]
    public void Build_NoProcess_ThrowsNamingIt()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process = null;

        Action build = () => Build(spec);

        build.Should().Throw<ArgumentException>().WithMessage("process: *");
    }

    [Fact]
    public void ToString_DefaultSpec_OneNumberedLinePerStepWithItsSource()
    {
        InitPlan plan = Build(DefaultSpec());

        string[] lines = plan.ToString().Split('\n');

        lines.Should().HaveCount(plan.Count + 1);
        lines[^1].Should().BeEmpty("the text ends with a newline");
        lines[0].Should().Be(" 0  clone the container process into new mount, uts, ipc, pid, network namespaces");
        lines[1].Should().Be(" 1  wait for the library (uid/gid maps)");
        lines[3].Should().Be(" 3  bring up lo in the new network namespace (as runc and crun)    [linux.namespaces]");
        lines[5].Should().Be(" 5  bind-mount the root /some/rootfs on itself    [root.path]");
        lines.Should().Contain(l => l.EndsWith("  sethostname libcontainer    [hostname]", StringComparison.Ordinal));
        lines.Should().Contain(l => l.EndsWith("  mknod /dev/null c 1 3 mode 666 owner 0:0", StringComparison.Ordinal));
        lines[plan.Count - 1].Should().Be($"{plan.Count - 1}  exec sh    [process.args]");
    }
}
