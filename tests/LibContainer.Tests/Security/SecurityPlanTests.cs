using FluentAssertions;
using LibContainer.Init;
using LibContainer.Security;
using LibContainer.Spec;
using Xunit;
using static LibContainer.Tests.Init.PlanTesting;

namespace LibContainer.Tests.Security;

public sealed class SecurityPlanTests
{
    [Fact]
    public void Mask_RuncDefaults_Bits5And10And29()
    {
        Capabilities.Mask(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]).Should().Be((1UL << 5) | (1UL << 10) | (1UL << 29));
        Capabilities.Number("CAP_CHECKPOINT_RESTORE").Should().Be(40);
        Capabilities.Number("CAP_TEST").Should().BeNull();
    }

    [Fact]
    public void Build_Capabilities_BoundingBeforeSetuidSetsAfter()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.Capabilities!.Ambient = ["CAP_KILL"];
        spec.Process.Capabilities.Inheritable = ["CAP_KILL"];

        InitPlan plan = Build(spec);

        int prepare = plan.IndexOf(InitOp.CapsPrepare);
        int setuid = plan.IndexOf(InitOp.SetUid);
        int apply = plan.IndexOf(InitOp.CapsApply);
        prepare.Should().BeLessThan(setuid);
        apply.Should().BeGreaterThan(setuid);
        plan.Steps[prepare].A.Should().Be(0x20000420);
        plan.Steps[apply].A.Should().Be(0x20000420);
        BitConverter.ToUInt64(plan.Steps[apply].Strings[0]).Should().Be(1UL << 5);
    }

    [Fact]
    public void Build_AmbientNotInheritable_LeftOutWithAWarning()
    {
        // runc spec 1.1 lists ambient capabilities without inheritable ones; the kernel refuses to raise those.
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.Capabilities!.Ambient = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
        spec.Process.Capabilities.Inheritable = ["CAP_KILL"];

        InitPlan plan = Build(spec);

        InitStep apply = plan.Steps.Single(s => s.Op == InitOp.CapsApply);
        BitConverter.ToUInt64(apply.Strings[0]).Should().Be(1UL << 5);
        plan.Warnings.Should().ContainSingle().Which.Should()
            .StartWith("process.capabilities.ambient:").And.Contain("NET_BIND_SERVICE,AUDIT_WRITE").And.Contain("inheritable");
    }

    [Fact]
    public void Build_UnknownAndUngrantableCapabilities_MaskedWithWarnings()
    {
        RuntimeSpec spec = DefaultSpec();
        foreach (List<string> set in new[] { spec.Process!.Capabilities!.Bounding!, spec.Process.Capabilities.Effective!, spec.Process.Capabilities.Permitted! })
        {
            set.Add("CAP_BANANA");
            set.Add("CAP_SYS_RESOURCE");
        }
        ulong hostWithoutSysResource = Capabilities.All & ~(1UL << 24);

        InitPlan plan = Build(spec, Context() with { GrantableCapabilities = hostWithoutSysResource });

        const long Defaults = 0x20000420;
        plan.Steps.Single(s => s.Op == InitOp.CapsPrepare).A.Should().Be(Defaults);
        InitStep apply = plan.Steps.Single(s => s.Op == InitOp.CapsApply);
        apply.A.Should().Be(Defaults);
        apply.B.Should().Be(Defaults);
        plan.Warnings.Should().Contain(w => w.StartsWith("process.capabilities.bounding:", StringComparison.Ordinal) && w.Contains("unknown", StringComparison.Ordinal) && w.Contains("CAP_BANANA", StringComparison.Ordinal));
        plan.Warnings.Should().Contain(w => w.StartsWith("process.capabilities.permitted:", StringComparison.Ordinal) && w.Contains("cannot grant", StringComparison.Ordinal) && w.Contains("CAP_SYS_RESOURCE", StringComparison.Ordinal));
        plan.Warnings.Should().HaveCount(6);
    }

    [Fact]
    public void Build_GrantableCapabilities_NoWarning()
    {
        InitPlan plan = Build(DefaultSpec());

        plan.Warnings.Should().BeEmpty();
    }

    [Fact]
    public void Build_NoCapabilities_EverySetEmpty()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.Capabilities = null;

        InitPlan plan = Build(spec);

        plan.Steps.Single(s => s.Op == InitOp.CapsPrepare).A.Should().Be(0);
        InitStep apply = plan.Steps.Single(s => s.Op == InitOp.CapsApply);
        (apply.A | apply.B | apply.C).Should().Be(0);
    }

    [Fact]
    public void Build_SeccompWithNoNewPrivileges_LoadedLastBeforeExec()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.NoNewPrivileges = true;
        spec.Linux!.Seccomp = new LinuxSeccomp { DefaultAction = "SCMP_ACT_ALLOW", Syscalls = [new LinuxSyscall { Names = ["mkdir"], Action = "SCMP_ACT_ERRNO" }] };

        InitPlan plan = Build(spec);

        plan.Steps[^2].Op.Should().Be(InitOp.Seccomp);
        plan.Steps[^2].Strings[0].Length.Should().BePositive().And.Subject.Should().Match(n => n % 8 == 0, "struct sock_filter is 8 bytes");
    }

    [Fact]
    public void Build_SeccompWithNoNewPrivileges_LoadedAfterTheFifoBeforeTheStartContainerHooks()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.NoNewPrivileges = true;
        spec.Linux!.Seccomp = new LinuxSeccomp { DefaultAction = "SCMP_ACT_ALLOW" };
        spec.Hooks = new Hooks { StartContainer = [new Hook { Path = "/bin/true" }] };

        InitPlan plan = Build(spec);

        // runc loads it before the fifo, crun after it; both before the startContainer hooks, which run in the container.
        plan.IndexOf(InitOp.Seccomp).Should().BeGreaterThan(plan.IndexOf(InitOp.WaitFifo))
            .And.BeLessThan(plan.IndexOf(InitOp.RunHook));
        plan.Steps[^2].Op.Should().Be(InitOp.RunHook);
    }

    [Fact]
    public void Compile_RepeatedIdenticalRule_Accepted()
    {
        // podman's default profile lists "socket, arg 2 != 9, allow" twice; runc and crun take it.
        LinuxSyscall rule() => new() { Names = ["socket"], Action = "SCMP_ACT_ALLOW", Args = [new LinuxSeccompArg { Index = 2, Value = 9, Op = "SCMP_CMP_NE" }] };
        var profile = new LinuxSeccomp { DefaultAction = "SCMP_ACT_ERRNO", Syscalls = [rule(), rule()] };

        (byte[] program, _) = SeccompCompiler.Compile(profile);

        program.Length.Should().BePositive();
    }

    [Fact]
    public void Build_SeccompWithoutNoNewPrivileges_LoadedWhileCapabilitiesRemain()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.NoNewPrivileges = false;
        spec.Linux!.Seccomp = new LinuxSeccomp { DefaultAction = "SCMP_ACT_ALLOW" };

        InitPlan plan = Build(spec);

        plan.IndexOf(InitOp.Seccomp).Should().BeLessThan(plan.IndexOf(InitOp.CapsPrepare));
    }

    [Fact]
    public void Build_UnknownSeccompArchitecture_ErrorNamesIt()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Seccomp = new LinuxSeccomp { DefaultAction = "SCMP_ACT_ALLOW", Architectures = ["SCMP_ARCH_PDP11"] };

        Action build = () => Build(spec);

        build.Should().Throw<ArgumentException>().WithMessage("linux.seccomp.architectures[0]*");
    }

    [Fact]
    public void Build_UserNamespace_BecomesRootThenBindsDevices()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "user" });

        InitPlan plan = Build(spec);

        int go = plan.IndexOf(InitOp.WaitGo);
        plan.Steps[go + 1].Op.Should().Be(InitOp.SetGid);
        plan.Steps[go + 2].Op.Should().Be(InitOp.SetUid);
        plan.Steps.Should().NotContain(s => s.Op == InitOp.MknodInRoot, "a user namespace may not make device nodes");
        plan.Steps.Should().Contain(s => s.Op == InitOp.MountInRoot && s.Path == "/dev/null");
    }

    [Fact]
    public void Build_AppArmorOnHostWithout_ErrorNamesField()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Process!.ApparmorProfile = "docker-default";

        Action build = () => Build(spec, Context() with { HostHasAppArmor = false });

        build.Should().Throw<ArgumentException>().WithMessage("process.apparmorProfile: this host has no AppArmor*");
    }

    [Fact]
    public void SchedAttr_Layout()
    {
        byte[] attr = PlanBuilder.SchedAttr(new Scheduler { Policy = "SCHED_FIFO", Priority = 10, Flags = ["SCHED_FLAG_RESET_ON_FORK"] });

        BitConverter.ToUInt32(attr, 0).Should().Be(56);
        BitConverter.ToUInt32(attr, 4).Should().Be(1);
        BitConverter.ToUInt64(attr, 8).Should().Be(1);
        BitConverter.ToUInt32(attr, 20).Should().Be(10);
    }

    [Fact]
    public void Build_IdMappedBind_LibraryMakesItInitMovesIt()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "user" });
        spec.Linux.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];
        spec.Mounts!.Add(new Mount { Destination = "/data", Type = "bind", Source = "/srv/data", Options = ["rbind", "ridmap", "ro"] });

        InitPlan plan = Build(spec);

        plan.IdMappedMounts.Should().ContainSingle().Which.Should().Be(new IdMappedMount("/srv/data", true, true, $"mounts[{spec.Mounts.Count - 1}]"));
        List<InitStep> steps = plan.From($"mounts[{spec.Mounts.Count - 1}]");
        steps.Select(s => s.Op).Should().Equal(InitOp.MkTargetInRoot, InitOp.MoveMountInRoot, InitOp.RemountInRoot);
        steps[1].A.Should().Be(0);
    }

    [Fact]
    public void Build_IdMappedBindWithoutUserNamespace_ErrorNamesMount()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Mounts!.Add(new Mount { Destination = "/data", Type = "bind", Source = "/srv/data", Options = ["rbind", "idmap"] });

        Action build = () => Build(spec);

        build.Should().Throw<ArgumentException>().WithMessage($"mounts[{spec.Mounts.Count - 1}].options: an id-mapped mount needs*user namespace*");
    }
}
