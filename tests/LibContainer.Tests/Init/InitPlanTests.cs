using System.Buffers.Binary;
using System.Text;
using FluentAssertions;
using LibContainer.Init;
using LibContainer.Spec;
using Xunit;
using static LibContainer.Tests.Init.PlanTesting;

namespace LibContainer.Tests.Init;

public sealed class InitPlanTests
{
    /// <summary>A step as the native init reads it back.</summary>
    private sealed record DecodedStep(uint Op, long A, long B, long C, List<byte[]> Strings);

    private sealed record DecodedPlan(uint Magic, uint Version, uint Count, uint Length, List<DecodedStep> Steps);

    /// <summary>
    /// Decodes the wire format of src/LibContainer.Native/lc.h independently of the encoder: a header of
    /// u32 magic, version, step count, total length; per step u32 op, u32 nstr, i64 a, b, c, then per
    /// string u32 length, the bytes and a NUL. Little endian. Fails on anything the init would refuse.
    /// </summary>
    private static DecodedPlan Decode(byte[] buffer)
    {
        ReadOnlySpan<byte> span = buffer;
        uint U32(int at) => BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(at));
        long I64(int at) => BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(at));

        span.Length.Should().BeGreaterThanOrEqualTo(16);
        var steps = new List<DecodedStep>();
        uint count = U32(8);
        int at = 16;
        for (uint i = 0; i < count; i++)
        {
            uint op = U32(at);
            uint nstr = U32(at + 4);
            nstr.Should().BeLessThanOrEqualTo(4, "lc.h has LC_MAX_STRINGS 4");
            var step = new DecodedStep(op, I64(at + 8), I64(at + 16), I64(at + 24), []);
            at += 32;
            for (uint k = 0; k < nstr; k++)
            {
                int length = checked((int)U32(at));
                at += 4;
                step.Strings.Add(span.Slice(at, length).ToArray());
                at += length;
                span[at].Should().Be(0, $"string {k} of step {i} ends in a NUL");
                at++;
            }
            steps.Add(step);
        }
        at.Should().Be(buffer.Length, "nothing follows the last step");
        return new DecodedPlan(U32(0), U32(4), count, U32(12), steps);
    }

    /// <summary>A spec that makes the builder use every operation but MoveRoot.</summary>
    private static InitPlan BuildFullPlan()
    {
        RuntimeSpec spec = DefaultSpec();
        spec.Root!.Readonly = true;
        spec.Domainname = "example.org";
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "user", Path = "/proc/42/ns/user" });
        spec.Linux.RootfsPropagation = "rslave";
        spec.Linux.Sysctl = new() { ["net.ipv4.ip_forward"] = "1" };
        spec.Linux.Devices = [new LinuxDevice { Type = "c", Path = "/dev/net/tun", Major = 10, Minor = 200, Uid = 7, Gid = 8 }];
        spec.Mounts!.Add(new Mount { Destination = "/data", Type = "bind", Source = "data", Options = ["rbind", "ro", "rnosuid", "rprivate"] });
        spec.Process!.Args = ["/bin/sh", "-c", "echo héllo"];
        spec.Process.Env = ["PATH=/bin", "LANG=C.UTF-8", ""];
        spec.Process.Rlimits!.Add(new PosixRlimit { Type = "RLIMIT_CORE", Soft = ulong.MaxValue, Hard = ulong.MaxValue });
        spec.Process.OomScoreAdj = -17;
        spec.Process.User = new User { Uid = 1000, Gid = 1000, AdditionalGids = [4, 27], Umask = 7 };
        spec.Process.Terminal = true;
        spec.Process.ApparmorProfile = "docker-default";
        spec.Process.IOPriority = new LinuxIOPriority { Class = "IOPRIO_CLASS_BE", Priority = 4 };
        spec.Process.Scheduler = new Scheduler { Policy = "SCHED_BATCH", Nice = 5 };
        spec.Linux.Personality = new LinuxPersonality { Domain = "LINUX" };
        spec.Linux.Seccomp = new LinuxSeccomp { DefaultAction = "SCMP_ACT_ALLOW", Syscalls = [new LinuxSyscall { Names = ["mkdir"], Action = "SCMP_ACT_ERRNO" }] };
        spec.Hooks = new Hooks
        {
            Prestart = [new Hook { Path = "/bin/p" }],
            CreateContainer = [new Hook { Path = "/bin/c", Args = ["c", "1"], Env = ["A=B"], Timeout = 3 }],
            StartContainer = [new Hook { Path = "/bin/s" }],
        };
        PlanContext context = Context() with
        {
            ContainerId = "full",
            KillOnHostExit = true,
            HostHasAppArmor = true,
            HostHasKcore = true,
            CgroupHierarchies = [new("memory", "cgroup", "memory"), new("unified", "cgroup2", "")],
            CgroupJoin = new CgroupJoin("/sys/fs/cgroup/unified/full", ["/sys/fs/cgroup/memory/full"]),
        };
        return Build(spec, context);
    }

    [Fact]
    public void Encode_FullPlan_DecodesBackToEveryStep()
    {
        InitPlan plan = BuildFullPlan();
        // MoveRoot is the no-pivot alternative; MoveMountInRoot needs a new user namespace (SecurityPlanTests);
        // ReopenDevNull is the no-terminal alternative to Console.
        plan.Steps.Select(s => s.Op).Distinct().Should().BeEquivalentTo(Enum.GetValues<InitOp>().Where(op => op is not (InitOp.MoveRoot or InitOp.MoveMountInRoot or InitOp.ReopenDevNull)));

        DecodedPlan decoded = Decode(plan.Encode());

        decoded.Steps.Select(s => (s.Op, s.A, s.B, s.C, s.Strings.Count, string.Join("|", s.Strings.Select(Convert.ToHexString))))
            .Should().Equal(plan.Steps.Select(s => ((uint)s.Op, s.A, s.B, s.C, s.Strings.Count, string.Join("|", s.Strings.Select(Convert.ToHexString)))));
    }

    [Fact]
    public void Encode_FullPlan_HeaderHasMagicVersionCountAndLength()
    {
        InitPlan plan = BuildFullPlan();

        byte[] buffer = plan.Encode();

        DecodedPlan decoded = Decode(buffer);
        decoded.Magic.Should().Be(0x4E49434C);
        Encoding.ASCII.GetString(buffer, 0, 4).Should().Be("LCIN");
        decoded.Version.Should().Be(2);
        decoded.Count.Should().Be((uint)plan.Count);
        decoded.Length.Should().Be((uint)buffer.Length);
    }

    [Fact]
    public void Encode_FullPlan_ExecStringsSplitBackIntoArgvAndEnvp()
    {
        InitPlan plan = BuildFullPlan();

        DecodedStep exec = Decode(plan.Encode()).Steps[^1];

        exec.Op.Should().Be((uint)InitOp.Exec);
        Encoding.UTF8.GetString(exec.Strings[0]).Split('\0').Should().Equal("/bin/sh", "-c", "echo héllo").And.HaveCount((int)exec.A);
        Encoding.UTF8.GetString(exec.Strings[1]).Split('\0').Should().Equal("PATH=/bin", "LANG=C.UTF-8", "", "HOME=/").And.HaveCount((int)exec.B);
    }

    [Fact]
    public void Encode_OneStep_WritesTheExactBytes()
    {
        var plan = new InitPlan([new InitStep(InitOp.Mount, "m") { A = -1, B = 0x0102030405060708, C = 3, Strings = [[], "/x"u8.ToArray()] }]);

        byte[] buffer = plan.Encode();

        buffer.Should().Equal(
        [
            0x4C, 0x43, 0x49, 0x4E, 2, 0, 0, 0, 1, 0, 0, 0, 60, 0, 0, 0,
            5, 0, 0, 0, 2, 0, 0, 0,
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            8, 7, 6, 5, 4, 3, 2, 1,
            3, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0,
            2, 0, 0, 0, (byte)'/', (byte)'x', 0,
        ]);
    }

    [Fact]
    public void Encode_MoreThan1024Steps_Throws()
    {
        var plan = new InitPlan([.. Enumerable.Repeat(new InitStep(InitOp.Ready, "ready"), 1025)]);

        Action encode = () => plan.Encode();

        encode.Should().Throw<ArgumentException>().WithMessage("The plan has 1025 steps; the init takes at most 1024.");
        new InitPlan([.. Enumerable.Repeat(new InitStep(InitOp.Ready, "ready"), 1024)]).Encode().Should().HaveCount(16 + (1024 * 32));
    }

    [Fact]
    public void Encode_ExactlyOneMebibyte_IsAccepted()
    {
        // header 16 + step 32 + string length 4 + the bytes + NUL = 1 MiB
        var plan = new InitPlan([new InitStep(InitOp.Exec, "exec") { A = 1, Strings = [new byte[(1 << 20) - 53]] }]);

        plan.Encode().Should().HaveCount(1 << 20);
    }

    [Fact]
    public void Encode_OverOneMebibyte_ThrowsNamingTheSize()
    {
        var plan = new InitPlan([new InitStep(InitOp.Exec, "exec") { A = 1, Strings = [new byte[(1 << 20) - 52]] }]);

        Action encode = () => plan.Encode();

        encode.Should().Throw<ArgumentException>().WithMessage("The plan is 1048577 bytes; the init takes at most 1048576 *");
    }

    [Fact]
    public void ToString_FewSteps_NumbersWithoutPadding()
    {
        var plan = new InitPlan([new InitStep(InitOp.Ready, "report ready"), new InitStep(InitOp.Exec, "exec sh", "process.args")]);

        plan.ToString().Should().Be("0  report ready\n1  exec sh    [process.args]\n");
    }

    [Fact]
    public void ToString_HundredSteps_PadsNumbersToTheWidest()
    {
        var plan = new InitPlan([.. Enumerable.Range(0, 101).Select(i => new InitStep(InitOp.Ready, $"step {i}"))]);

        string[] lines = plan.ToString().Split('\n');

        lines[0].Should().Be("  0  step 0");
        lines[99].Should().Be(" 99  step 99");
        lines[100].Should().Be("100  step 100");
    }

    [Fact]
    public void Describe_Index_GivesTheStepItsSourceOrWhereTheInitWas()
    {
        var plan = new InitPlan([new InitStep(InitOp.Ready, "report ready"), new InitStep(InitOp.Exec, "exec sh", "process.args")]);

        plan.Describe(0).Should().Be("report ready");
        plan.Describe(1).Should().Be("exec sh [process.args]");
        plan.Describe(2).Should().Be("end of plan");
        plan.Describe(3).Should().Be("reading the plan");
        plan.Describe(-1).Should().Be("reading the plan");
    }
}
