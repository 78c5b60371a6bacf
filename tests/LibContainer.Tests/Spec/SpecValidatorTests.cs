using FluentAssertions;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Spec;

public sealed class SpecValidatorTests : IDisposable
{
    private readonly string _bundle;

    public SpecValidatorTests()
    {
        _bundle = Directory.CreateTempSubdirectory("lc-bundle-").FullName;
        Directory.CreateDirectory(Path.Combine(_bundle, "rootfs"));
    }

    public void Dispose() => Directory.Delete(_bundle, recursive: true);

    /// <summary>Validates the default spec after <paramref name="change"/>, in a bundle whose rootfs exists.</summary>
    private IReadOnlyList<SpecError> Validate(Action<RuntimeSpec> change)
    {
        RuntimeSpec spec = RuntimeSpec.CreateDefault();
        change(spec);
        return SpecValidator.Validate(spec, _bundle);
    }

    /// <summary>Asserts that <paramref name="change"/> makes the default spec fail with exactly one error.</summary>
    private void ShouldFail(Action<RuntimeSpec> change, string error) =>
        Validate(change).Select(e => e.ToString()).Should().Equal(error);

    private void ShouldPass(Action<RuntimeSpec> change) =>
        Validate(change).Should().BeEmpty();

    private static void AddNamespace(RuntimeSpec spec, string type, string? path = null) =>
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = type, Path = path });

    private static void RemoveNamespace(RuntimeSpec spec, string type) =>
        spec.Linux!.Namespaces!.RemoveAll(n => n.Type == type);

    private static void SetSysctl(RuntimeSpec spec, string key) =>
        spec.Linux!.Sysctl = new() { [key] = "1" };

    // Valid specs

    [Fact]
    public void Validate_DefaultSpecInBundle_ReturnsNoErrors()
    {
        SpecValidator.Validate(RuntimeSpec.CreateDefault(), _bundle).Should().BeEmpty();
    }

    [Fact]
    public void Validate_RootlessSpecInBundle_ReturnsNoErrors()
    {
        SpecValidator.Validate(RuntimeSpec.CreateRootless(1000, 1000), _bundle).Should().BeEmpty();
    }

    [Fact]
    public void Validate_FullSampleWithoutBundle_ReturnsNoErrors()
    {
        SpecValidator.Validate(RuntimeSpec.Parse(SpecSamples.Full), bundlePath: null).Should().BeEmpty();
    }

    [Fact]
    public void ThrowIfInvalid_ValidSpec_DoesNotThrow()
    {
        Action validate = () => SpecValidator.ThrowIfInvalid(RuntimeSpec.CreateDefault(), _bundle);

        validate.Should().NotThrow();
    }

    // Several errors

    [Fact]
    public void Validate_SeveralProblems_ReportsAllInSpecOrder()
    {
        IReadOnlyList<SpecError> errors = Validate(spec =>
        {
            spec.OciVersion = "2.0.0";
            spec.Mounts![3].Destination = "/a/../tmp";
            spec.Process!.Args = [];
            spec.Process.Cwd = "home";
            spec.Linux!.Namespaces![1].Type = "net";
        });

        errors.Select(e => e.Path).Should().Equal(
            "ociVersion", "mounts[3].destination", "process.args", "process.cwd", "linux.namespaces[1].type");
    }

    [Fact]
    public void ThrowIfInvalid_SeveralProblems_ThrowsWithAllErrorsOnePerLine()
    {
        RuntimeSpec spec = RuntimeSpec.CreateDefault();
        spec.Process!.Args = null;
        spec.Mounts![3].Destination = "/a/../tmp";

        Action validate = () => SpecValidator.ThrowIfInvalid(spec, _bundle);

        SpecValidationException ex = validate.Should().Throw<SpecValidationException>().Which;
        ex.Should().BeAssignableTo<ArgumentException>();
        ex.Errors.Should().HaveCount(2);
        ex.Message.Should().Be("mounts[3].destination: must not contain \"..\" components, got \"/a/../tmp\"\nprocess.args: must not be empty");
    }

    [Fact]
    public void SpecError_ToString_IsPathColonMessage()
    {
        new SpecError("process.args", "must not be empty").ToString().Should().Be("process.args: must not be empty");
    }

    // ociVersion

    [Theory]
    [InlineData("1.0.0")]
    [InlineData("1.0.2-dev")]
    [InlineData("1.1.0-rc.1")]
    [InlineData("1.2.0")]
    [InlineData("1.2.1")]
    [InlineData("1.2.0+build.5")]
    public void Validate_SupportedOciVersion_ReturnsNoErrors(string version)
    {
        ShouldPass(spec => spec.OciVersion = version);
    }

    [Theory]
    [InlineData("", "ociVersion: must not be empty")]
    [InlineData("1.2", "ociVersion: must be a SemVer version of the form 1.x.y, got \"1.2\"")]
    [InlineData("v1.2.0", "ociVersion: must be a SemVer version of the form 1.x.y, got \"v1.2.0\"")]
    [InlineData("2.0.0", "ociVersion: must be a SemVer version of the form 1.x.y, got \"2.0.0\"")]
    public void Validate_BadOciVersion_ReportsIt(string version, string error)
    {
        ShouldFail(spec => spec.OciVersion = version, error);
    }

    // root

    [Fact]
    public void Validate_NoRoot_ReportsRoot()
    {
        ShouldFail(spec => spec.Root = null, "root: is required on Linux");
    }

    [Fact]
    public void Validate_EmptyRootPath_ReportsRootPath()
    {
        ShouldFail(spec => spec.Root!.Path = "", "root.path: must not be empty");
    }

    [Fact]
    public void Validate_RootfsMissingInBundle_ReportsTheResolvedDirectory()
    {
        ShouldFail(spec => spec.Root!.Path = "other", $"root.path: directory {Path.Combine(_bundle, "other")} does not exist");
    }

    [Fact]
    public void Validate_AbsoluteRootfsMissing_ReportsIt()
    {
        string missing = Path.Combine(_bundle, "missing");
        RuntimeSpec spec = RuntimeSpec.CreateDefault();
        spec.Root!.Path = missing;

        SpecValidator.Validate(spec, bundlePath: null).Select(e => e.ToString())
            .Should().Equal($"root.path: directory {missing} does not exist");
    }

    [Fact]
    public void Validate_RootfsIsAFile_ReportsNotADirectory()
    {
        string file = Path.Combine(_bundle, "file");
        File.WriteAllText(file, "");

        ShouldFail(spec => spec.Root!.Path = "file", $"root.path: {file} is not a directory");
    }

    [Fact]
    public void Validate_RelativeRootWithoutBundle_SkipsTheDirectoryCheck()
    {
        RuntimeSpec spec = RuntimeSpec.CreateDefault();
        spec.Root!.Path = "does-not-exist";

        SpecValidator.Validate(spec, bundlePath: null).Should().BeEmpty();
    }

    // process

    [Fact]
    public void Validate_NullArgs_ReportsArgs()
    {
        ShouldFail(spec => spec.Process!.Args = null, "process.args: must not be empty");
    }

    [Fact]
    public void Validate_EmptyArgs_ReportsArgs()
    {
        ShouldFail(spec => spec.Process!.Args = [], "process.args: must not be empty");
    }

    [Fact]
    public void Validate_EmptyFirstArg_ReportsArgsZero()
    {
        ShouldFail(spec => spec.Process!.Args = ["", "x"], "process.args[0]: must not be empty");
    }

    [Fact]
    public void Validate_ArgWithNul_ReportsIt()
    {
        ShouldFail(spec => spec.Process!.Args = ["sh", "a\0b"], "process.args[1]: must not contain a NUL character, got \"a\\0b\"");
    }

    [Fact]
    public void Validate_RelativeCwd_ReportsIt()
    {
        ShouldFail(spec => spec.Process!.Cwd = "tmp", "process.cwd: must be absolute, got \"tmp\"");
    }

    [Fact]
    public void Validate_EmptyCwd_ReportsIt()
    {
        ShouldFail(spec => spec.Process!.Cwd = "", "process.cwd: must not be empty");
    }

    [Theory]
    [InlineData("FOO", "process.env[2]: must be of the form KEY=VALUE, got \"FOO\"")]
    [InlineData("=value", "process.env[2]: must be of the form KEY=VALUE, got \"=value\"")]
    [InlineData("A=b\0c", "process.env[2]: must not contain a NUL character, got \"A=b\\0c\"")]
    public void Validate_BadEnvEntry_ReportsIt(string entry, string error)
    {
        ShouldFail(spec => spec.Process!.Env!.Add(entry), error);
    }

    [Theory]
    [InlineData("EMPTY=")]
    [InlineData("A=b=c")]
    public void Validate_EnvEntryWithEmptyOrEqualsValue_IsAccepted(string entry)
    {
        ShouldPass(spec => spec.Process!.Env!.Add(entry));
    }

    [Fact]
    public void Validate_UnknownRlimit_ReportsType()
    {
        ShouldFail(spec => spec.Process!.Rlimits!.Add(new PosixRlimit { Type = "RLIMIT_FOO", Soft = 1, Hard = 1 }),
            "process.rlimits[1].type: unknown rlimit \"RLIMIT_FOO\"");
    }

    [Fact]
    public void Validate_DuplicateRlimit_ReportsTheSecond()
    {
        ShouldFail(spec => spec.Process!.Rlimits!.Add(new PosixRlimit { Type = "RLIMIT_NOFILE", Soft = 1, Hard = 1 }),
            "process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\", already set by process.rlimits[0]");
    }

    [Fact]
    public void Validate_SoftRlimitAboveHard_ReportsSoft()
    {
        ShouldFail(spec => spec.Process!.Rlimits![0].Soft = 2048,
            "process.rlimits[0].soft: soft limit 2048 exceeds hard limit 1024");
    }

    [Fact]
    public void Validate_EveryKnownRlimit_IsAccepted()
    {
        string[] names = ["AS", "CORE", "CPU", "DATA", "FSIZE", "LOCKS", "MEMLOCK", "MSGQUEUE", "NICE", "NOFILE", "NPROC", "RSS", "RTPRIO", "RTTIME", "SIGPENDING", "STACK"];

        ShouldPass(spec => spec.Process!.Rlimits = [.. names.Select(n => new PosixRlimit { Type = "RLIMIT_" + n, Soft = 1, Hard = ulong.MaxValue })]);
    }

    [Theory]
    [InlineData(1001)]
    [InlineData(-1001)]
    public void Validate_OomScoreAdjOutOfRange_ReportsIt(int value)
    {
        ShouldFail(spec => spec.Process!.OomScoreAdj = value,
            FormattableString.Invariant($"process.oomScoreAdj: must be between -1000 and 1000, got {value}"));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(-1000)]
    public void Validate_OomScoreAdjAtLimit_IsAccepted(int value)
    {
        ShouldPass(spec => spec.Process!.OomScoreAdj = value);
    }

    [Fact]
    public void Validate_ConsoleSizeWithoutTerminal_IsIgnored()
    {
        // The spec: runtimes MUST ignore consoleSize if terminal is false or unset.
        ShouldPass(spec =>
        {
            spec.Process!.Terminal = false;
            spec.Process.ConsoleSize = new Box { Height = 24, Width = 80 };
        });
    }

    [Theory]
    [InlineData("1.3.0")]
    [InlineData("1.10.2")]
    public void Validate_NewerMinorOciVersion_IsAccepted(string version)
    {
        // Newer 1.x specs add fields, which are ignored as unknown: clients send their own version.
        ShouldPass(spec => spec.OciVersion = version);
    }

    [Fact]
    public void Validate_MalformedCapabilityName_IsNoError()
    {
        // runtime-spec 1.1: "Any value which cannot be mapped to a relevant kernel interface, or cannot be granted
        // otherwise MUST be logged as a warning by the runtime": the plan leaves it out and warns.
        ShouldPass(spec => spec.Process!.Capabilities!.Effective![1] = "kill");
    }

    [Fact]
    public void Validate_UnknownCapability_IsNoError()
    {
        ShouldPass(spec => spec.Process!.Capabilities!.Bounding!.Add("CAP_BANANA"));
    }

    [Theory]
    [InlineData("uid", "process.user.uid")]
    [InlineData("gid", "process.user.gid")]
    [InlineData("additionalGids", "process.user.additionalGids[1]")]
    public void Validate_IdMinusOne_ReportsTheField(string field, string path)
    {
        // (uid_t)-1 is "unchanged" to setresuid: the process would stay root.
        IReadOnlyList<SpecError> errors = Validate(spec =>
        {
            User user = spec.Process!.User;
            switch (field)
            {
                case "uid": user.Uid = uint.MaxValue; break;
                case "gid": user.Gid = uint.MaxValue; break;
                default: user.AdditionalGids = [5, uint.MaxValue]; break;
            }
        });
        errors.Should().ContainSingle().Which.Path.Should().Be(path);
        errors[0].Message.Should().Contain("4294967295");
    }

    [Fact]
    public void Validate_IdJustBelowMinusOne_Passes()
    {
        ShouldPass(spec => spec.Process!.User = new User { Uid = uint.MaxValue - 1, Gid = uint.MaxValue - 1, AdditionalGids = [uint.MaxValue - 1] });
    }

    [Fact]
    public void Validate_OverlappingIdMappings_ReportsTheLaterOne()
    {
        Validate(spec =>
        {
            AddNamespace(spec, "user");
            spec.Linux!.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 1000 }, new LinuxIdMapping { ContainerId = 999, HostId = 200000, Size = 1 }];
            spec.Linux.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 10 }, new LinuxIdMapping { ContainerId = 10, HostId = 100005, Size = 1 }];
        }).Select(e => e.ToString()).Should().Equal(
            "linux.uidMappings[1]: containerID range 999+1 overlaps linux.uidMappings[0]",
            "linux.gidMappings[1]: hostID range 100005+1 overlaps linux.gidMappings[0]");
    }

    [Fact]
    public void Validate_UnknownSchedulerPolicy_ReportsIt()
    {
        ShouldFail(spec => spec.Process!.Scheduler = new Scheduler { Policy = "SCHED_FAST" },
            "process.scheduler.policy: must be one of SCHED_BATCH, SCHED_DEADLINE, SCHED_FIFO, SCHED_IDLE, SCHED_ISO, SCHED_OTHER, SCHED_RR, got \"SCHED_FAST\"");
    }

    [Fact]
    public void Validate_SchedulerNiceOutOfRange_ReportsIt()
    {
        ShouldFail(spec => spec.Process!.Scheduler = new Scheduler { Policy = "SCHED_OTHER", Nice = 20 },
            "process.scheduler.nice: must be between -20 and 19, got 20");
    }

    [Fact]
    public void Validate_SchedulerPriorityForOther_ReportsIt()
    {
        ShouldFail(spec => spec.Process!.Scheduler = new Scheduler { Policy = "SCHED_OTHER", Priority = 5 },
            "process.scheduler.priority: can only be set for SCHED_FIFO or SCHED_RR");
    }

    [Fact]
    public void Validate_SchedulerRuntimeForFifo_ReportsIt()
    {
        ShouldFail(spec => spec.Process!.Scheduler = new Scheduler { Policy = "SCHED_FIFO", Priority = 5, Runtime = 100 },
            "process.scheduler.runtime: can only be set for SCHED_DEADLINE");
    }

    [Fact]
    public void Validate_BadIOPriority_ReportsClassAndPriority()
    {
        Validate(spec => spec.Process!.IOPriority = new LinuxIOPriority { Class = "IOPRIO_CLASS_NONE", Priority = 8 })
            .Select(e => e.ToString()).Should().Equal(
                "process.ioPriority.class: must be one of IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE, got \"IOPRIO_CLASS_NONE\"",
                "process.ioPriority.priority: must be between 0 and 7, got 8");
    }

    [Fact]
    public void Validate_BadExecCpuAffinity_ReportsIt()
    {
        ShouldFail(spec => spec.Process!.ExecCpuAffinity = new ExecCpuAffinity { Initial = "0-3", Final = "all" },
            "process.execCPUAffinity.final: must be a list of CPUs such as \"0-3,7\", got \"all\"");
    }

    [Fact]
    public void Validate_NoProcess_IsAccepted()
    {
        ShouldPass(spec => spec.Process = null);
    }

    // mounts

    [Fact]
    public void Validate_RelativeMountDestination_Passes()
    {
        // runtime-spec 1.1: a relative destination "MUST be interpreted as relative to \"/\"".
        ShouldPass(spec => spec.Mounts![3].Destination = "tmp");
    }

    [Fact]
    public void Validate_EmptyMountDestination_ReportsIt()
    {
        ShouldFail(spec => spec.Mounts![0].Destination = "", "mounts[0].destination: must not be empty");
    }

    [Theory]
    [InlineData("/../etc")]
    [InlineData("/a/../../etc")]
    [InlineData("/a/..")]
    public void Validate_MountDestinationWithDotDot_ReportsIt(string destination)
    {
        ShouldFail(spec => spec.Mounts![0].Destination = destination,
            $"mounts[0].destination: must not contain \"..\" components, got \"{destination}\"");
    }

    [Fact]
    public void Validate_MountDestinationWithDotDotInAName_IsAccepted()
    {
        ShouldPass(spec => spec.Mounts!.Add(new Mount { Destination = "/a..b/..c", Type = "tmpfs", Source = "tmpfs" }));
    }

    [Theory]
    [InlineData("bind", null)]
    [InlineData("none", "bind")]
    [InlineData(null, "rbind")]
    public void Validate_BindMountWithoutSource_ReportsSource(string? type, string? option)
    {
        ShouldFail(spec => spec.Mounts!.Add(new Mount { Destination = "/data", Type = type, Options = option is null ? null : [option, "ro"] }),
            "mounts[7].source: a bind mount needs a source");
    }

    [Fact]
    public void Validate_IdMappedNonBindMount_ReportsMappings()
    {
        ShouldFail(spec => spec.Mounts![1].UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1000, Size = 1 }],
            "mounts[1].uidMappings: id-mapped mounts are only supported for bind mounts");
    }

    [Fact]
    public void Validate_MountMappingOfSizeZero_ReportsSize()
    {
        ShouldFail(spec => spec.Mounts!.Add(new Mount
        {
            Destination = "/data",
            Source = "/srv",
            Options = ["bind"],
            GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1000, Size = 0 }],
        }), "mounts[7].gidMappings[0].size: must be greater than zero");
    }

    // hostname, domainname

    [Fact]
    public void Validate_HostnameWithoutUtsNamespace_ReportsIt()
    {
        ShouldFail(spec => RemoveNamespace(spec, "uts"), "hostname: unable to set hostname without a private UTS namespace");
    }

    [Fact]
    public void Validate_HostnameInJoinedUtsNamespace_Passes()
    {
        // runc and crun set the name in the joined namespace.
        ShouldPass(spec => spec.Linux!.Namespaces![3].Path = "/proc/1/ns/uts");
    }

    [Fact]
    public void Validate_DomainnameWithoutUtsNamespace_ReportsBoth()
    {
        Validate(spec =>
        {
            RemoveNamespace(spec, "uts");
            spec.Domainname = "example.org";
        }).Select(e => e.ToString()).Should().Equal(
            "hostname: unable to set hostname without a private UTS namespace",
            "domainname: unable to set domainname without a private UTS namespace");
    }

    [Fact]
    public void Validate_NoHostnameWithoutUtsNamespace_IsAccepted()
    {
        ShouldPass(spec =>
        {
            spec.Hostname = null;
            RemoveNamespace(spec, "uts");
        });
    }

    [Fact]
    public void Validate_HostnameTooLong_ReportsIt()
    {
        ShouldFail(spec => spec.Hostname = new string('h', 65), "hostname: must be at most 64 bytes, got 65");
    }

    [Fact]
    public void Validate_NoLinuxSectionWithHostname_ReportsHostname()
    {
        ShouldFail(spec => spec.Linux = null, "hostname: unable to set hostname without a private UTS namespace");
    }

    // hooks

    [Fact]
    public void Validate_RelativeHookPath_ReportsIt()
    {
        ShouldFail(spec => spec.Hooks = new Hooks { CreateRuntime = [new Hook { Path = "/bin/true" }, new Hook { Path = "hook.sh" }] },
            "hooks.createRuntime[1].path: must be absolute, got \"hook.sh\"");
    }

    [Fact]
    public void Validate_HookTimeoutZero_ReportsIt()
    {
        ShouldFail(spec => spec.Hooks = new Hooks { Poststop = [new Hook { Path = "/bin/true", Timeout = 0 }] },
            "hooks.poststop[0].timeout: must be greater than zero, got 0");
    }

    // linux.namespaces

    [Fact]
    public void Validate_UnknownNamespaceType_ReportsIt()
    {
        ShouldFail(spec => spec.Linux!.Namespaces![1].Type = "net",
            "linux.namespaces[1].type: unknown namespace type \"net\", expected one of pid, network, mount, ipc, uts, user, cgroup, time");
    }

    [Fact]
    public void Validate_DuplicateNamespace_ReportsTheSecond()
    {
        ShouldFail(spec => AddNamespace(spec, "pid", "/proc/1/ns/pid"),
            "linux.namespaces[6].type: duplicate namespace type \"pid\", already listed at linux.namespaces[0]");
    }

    [Fact]
    public void Validate_RelativeNamespacePath_ReportsIt()
    {
        ShouldFail(spec => spec.Linux!.Namespaces![1].Path = "netns/web",
            "linux.namespaces[1].path: must be absolute, got \"netns/web\"");
    }

    [Fact]
    public void Validate_EveryNamespaceType_IsAccepted()
    {
        ShouldPass(spec =>
        {
            AddNamespace(spec, "time");
            AddNamespace(spec, "user");
            spec.Linux!.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];
            spec.Linux.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];
        });
    }

    // user namespace mappings

    [Fact]
    public void Validate_MappingsWithoutUserNamespace_ReportsThem()
    {
        Validate(spec =>
        {
            spec.Linux!.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1000, Size = 1 }];
            spec.Linux.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1000, Size = 1 }];
        }).Select(e => e.ToString()).Should().Equal(
            "linux.uidMappings: requires a user namespace in linux.namespaces",
            "linux.gidMappings: requires a user namespace in linux.namespaces");
    }

    [Fact]
    public void Validate_MappingsWhenJoiningUserNamespace_AreAccepted()
    {
        // containerd and CRI-O send the mappings along with the path of a pod's user namespace; runc accepts it.
        ShouldPass(spec =>
        {
            AddNamespace(spec, "user", "/proc/42/ns/user");
            spec.Linux!.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1000, Size = 1 }];
            spec.Linux.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1000, Size = 1 }];
        });
    }

    [Fact]
    public void Validate_NewUserNamespaceWithoutMappings_ReportsBoth()
    {
        Validate(spec => AddNamespace(spec, "user")).Select(e => e.ToString()).Should().Equal(
            "linux.uidMappings: is required when creating a new user namespace",
            "linux.gidMappings: is required when creating a new user namespace");
    }

    [Fact]
    public void Validate_MappingOverflowingIdSpace_ReportsIt()
    {
        ShouldFail(spec =>
        {
            AddNamespace(spec, "user");
            spec.Linux!.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = uint.MaxValue, Size = 2 }];
            spec.Linux.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 0, Size = 1 }];
        }, "linux.uidMappings[0]: range of 2 ids from containerID 0 / hostID 4294967295 exceeds the 32-bit id space");
    }

    // linux.timeOffsets

    [Fact]
    public void Validate_TimeOffsetsWithoutTimeNamespace_ReportsIt()
    {
        ShouldFail(spec => spec.Linux!.TimeOffsets = new() { ["monotonic"] = new LinuxTimeOffset { Secs = 10 } },
            "linux.timeOffsets: requires a time namespace in linux.namespaces");
    }

    [Fact]
    public void Validate_TimeOffsetsBadClockAndNanoseconds_ReportsBoth()
    {
        Validate(spec =>
        {
            AddNamespace(spec, "time");
            spec.Linux!.TimeOffsets = new()
            {
                ["realtime"] = new LinuxTimeOffset { Secs = 10 },
                ["boottime"] = new LinuxTimeOffset { Nanosecs = 1_000_000_000 },
            };
        }).Select(e => e.ToString()).Should().Equal(
            "linux.timeOffsets[\"realtime\"]: unknown clock, expected monotonic or boottime",
            "linux.timeOffsets[\"boottime\"].nanosecs: must be less than 1000000000, got 1000000000");
    }

    // linux.sysctl

    [Fact]
    public void Validate_NetSysctlWithoutNetworkNamespace_ReportsIt()
    {
        ShouldFail(spec =>
        {
            RemoveNamespace(spec, "network");
            SetSysctl(spec, "net.ipv4.ip_forward");
        }, "linux.sysctl[\"net.ipv4.ip_forward\"]: sysctl \"net.ipv4.ip_forward\" is not allowed in the host's network namespace");
    }

    [Fact]
    public void Validate_NetSysctlWithNetworkNamespace_IsAccepted()
    {
        ShouldPass(spec => SetSysctl(spec, "net.ipv4.ip_forward"));
    }

    [Fact]
    public void Validate_NetSysctlWithJoinedNetworkNamespace_IsAccepted()
    {
        ShouldPass(spec =>
        {
            spec.Linux!.Namespaces![1].Path = "/var/run/netns/web";
            SetSysctl(spec, "net.core.somaxconn");
        });
    }

    [Fact]
    public void Validate_SlashSeparatedNetSysctlWithoutNetworkNamespace_ReportsTheDottedName()
    {
        ShouldFail(spec =>
        {
            RemoveNamespace(spec, "network");
            SetSysctl(spec, "net/ipv4/conf/eno2.100/rp_filter");
        }, "linux.sysctl[\"net/ipv4/conf/eno2.100/rp_filter\"]: sysctl \"net.ipv4.conf.eno2/100.rp_filter\" is not allowed in the host's network namespace");
    }

    [Theory]
    [InlineData("kernel.shmmax")]
    [InlineData("kernel.msgmnb")]
    [InlineData("kernel.sem")]
    [InlineData("kernel.shm_rmid_forced")]
    [InlineData("fs.mqueue.msg_max")]
    public void Validate_IpcSysctlWithoutIpcNamespace_ReportsIt(string key)
    {
        ShouldFail(spec =>
        {
            RemoveNamespace(spec, "ipc");
            SetSysctl(spec, key);
        }, $"linux.sysctl[\"{key}\"]: sysctl \"{key}\" is not allowed in the host's IPC namespace");
    }

    [Theory]
    [InlineData("kernel.shmmax")]
    [InlineData("fs.mqueue.queues_max")]
    public void Validate_IpcSysctlWithIpcNamespace_IsAccepted(string key)
    {
        ShouldPass(spec => SetSysctl(spec, key));
    }

    [Fact]
    public void Validate_DomainnameSysctlWithUtsNamespace_IsAccepted()
    {
        ShouldPass(spec => SetSysctl(spec, "kernel.domainname"));
    }

    [Fact]
    public void Validate_HostnameSysctl_ReportsTheConflictWithHostname()
    {
        ShouldFail(spec => SetSysctl(spec, "kernel.hostname"),
            "linux.sysctl[\"kernel.hostname\"]: sysctl \"kernel.hostname\" is not allowed as it conflicts with the OCI \"hostname\" field");
    }

    [Theory]
    [InlineData("vm.swappiness")]
    [InlineData("kernel.pid_max")]
    [InlineData("fs.file-max")]
    public void Validate_NotNamespacedSysctl_ReportsIt(string key)
    {
        ShouldFail(spec => SetSysctl(spec, key), $"linux.sysctl[\"{key}\"]: sysctl \"{key}\" is not in a separate kernel namespace");
    }

    [Fact]
    public void Validate_EmptySysctlKey_ReportsIt()
    {
        ShouldFail(spec => SetSysctl(spec, ""), "linux.sysctl[\"\"]: key must not be empty");
    }

    [Theory]
    [InlineData("net.ipv4.ip_forward", "net.ipv4.ip_forward")]
    [InlineData("net/ipv4/ip_forward", "net.ipv4.ip_forward")]
    [InlineData("net/ipv4/conf/eno2.100/rp_filter", "net.ipv4.conf.eno2/100.rp_filter")]
    [InlineData("kernel", "kernel")]
    public void ToDottedSysctl_Key_UsesDotsAsSeparators(string key, string expected)
    {
        SpecValidator.ToDottedSysctl(key).Should().Be(expected);
    }

    // linux.devices

    [Fact]
    public void Validate_UnknownDeviceType_ReportsIt()
    {
        ShouldFail(spec => spec.Linux!.Devices = [new LinuxDevice { Type = "x", Path = "/dev/x", Major = 1, Minor = 1 }],
            "linux.devices[0].type: must be one of c, b, u, p, got \"x\"");
    }

    [Fact]
    public void Validate_RelativeDevicePath_ReportsIt()
    {
        ShouldFail(spec => spec.Linux!.Devices = [new LinuxDevice { Type = "c", Path = "dev/null", Major = 1, Minor = 3 }],
            "linux.devices[0].path: must be absolute, got \"dev/null\"");
    }

    [Fact]
    public void Validate_CharDeviceWithoutNumbers_ReportsMajorAndMinor()
    {
        Validate(spec => spec.Linux!.Devices = [new LinuxDevice { Type = "c", Path = "/dev/fuse" }])
            .Select(e => e.ToString()).Should().Equal(
                "linux.devices[0].major: is required for device type \"c\"",
                "linux.devices[0].minor: is required for device type \"c\"");
    }

    [Fact]
    public void Validate_FifoDeviceWithoutNumbers_IsAccepted()
    {
        ShouldPass(spec => spec.Linux!.Devices = [new LinuxDevice { Type = "p", Path = "/dev/fifo" }]);
    }

    [Fact]
    public void Validate_DeviceFileModeWithTypeBits_ReportsIt()
    {
        ShouldFail(spec => spec.Linux!.Devices = [new LinuxDevice { Type = "c", Path = "/dev/null", Major = 1, Minor = 3, FileMode = 0x21B6 }],
            "linux.devices[0].fileMode: must hold only permission bits (at most 07777), got 8630");
    }

    // linux.resources

    [Fact]
    public void Validate_BadDeviceCgroupRule_ReportsTypeAndAccess()
    {
        Validate(spec => spec.Linux!.Resources!.Devices!.Add(new LinuxDeviceCgroup { Allow = true, Type = "p", Access = "rwx" }))
            .Select(e => e.ToString()).Should().Equal(
                "linux.resources.devices[1].type: must be one of a, b, c, got \"p\"",
                "linux.resources.devices[1].access: must be a combination of r, w and m, got \"rwx\"");
    }

    [Fact]
    public void Validate_SwappinessAbove100_ReportsIt()
    {
        ShouldFail(spec => spec.Linux!.Resources!.Memory = new LinuxMemory { Swappiness = 101 },
            "linux.resources.memory.swappiness: must be between 0 and 100, got 101");
    }

    [Fact]
    public void Validate_SwapBelowMemoryLimit_ReportsIt()
    {
        ShouldFail(spec => spec.Linux!.Resources!.Memory = new LinuxMemory { Limit = 2048, Swap = 1024 },
            "linux.resources.memory.swap: memory+swap limit 1024 must be greater than or equal to the memory limit 2048");
    }

    [Fact]
    public void Validate_UnlimitedSwapWithMemoryLimit_IsAccepted()
    {
        ShouldPass(spec => spec.Linux!.Resources!.Memory = new LinuxMemory { Limit = 2048, Swap = -1 });
    }

    [Fact]
    public void Validate_BlockIOWeightOutOfRange_ReportsIt()
    {
        ShouldFail(spec => spec.Linux!.Resources!.BlockIO = new LinuxBlockIO { Weight = 5 },
            "linux.resources.blockIO.weight: must be between 10 and 1000, got 5");
    }

    [Fact]
    public void Validate_BadHugepageSize_ReportsIt()
    {
        ShouldFail(spec => spec.Linux!.Resources!.HugepageLimits = [new LinuxHugepageLimit { PageSize = "2M", Limit = 1 }],
            "linux.resources.hugepageLimits[0].pageSize: must be a size such as \"2MB\" or \"1GB\", got \"2M\"");
    }

    // linux.rootfsPropagation

    [Theory]
    [InlineData("")]
    [InlineData("private")]
    [InlineData("rprivate")]
    [InlineData("slave")]
    [InlineData("rslave")]
    [InlineData("shared")]
    [InlineData("rshared")]
    [InlineData("unbindable")]
    [InlineData("runbindable")]
    public void Validate_KnownRootfsPropagation_IsAccepted(string propagation)
    {
        ShouldPass(spec => spec.Linux!.RootfsPropagation = propagation);
    }

    [Fact]
    public void Validate_UnknownRootfsPropagation_ReportsIt()
    {
        ShouldFail(spec => spec.Linux!.RootfsPropagation = "rshare",
            "linux.rootfsPropagation: must be one of private, rprivate, slave, rslave, shared, rshared, unbindable, runbindable, got \"rshare\"");
    }

    // linux.seccomp

    [Fact]
    public void Validate_BadSeccompProfile_ReportsEveryProblem()
    {
        Validate(spec => spec.Linux!.Seccomp = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_DENY",
            Architectures = ["SCMP_ARCH_X86_64", "x86"],
            Flags = ["SECCOMP_FILTER_FLAG_FAST"],
            Syscalls =
            [
                new LinuxSyscall { Names = [], Action = "SCMP_ACT_ALLOW" },
                new LinuxSyscall
                {
                    Names = ["personality"],
                    Action = "SCMP_ACT_ERRNO",
                    Args = [new LinuxSeccompArg { Index = 6, Value = 1, Op = "SCMP_CMP_IS" }],
                },
            ],
        }).Select(e => e.ToString()).Should().Equal(
            "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_DENY\"",
            "linux.seccomp.architectures[1]: must be an architecture such as SCMP_ARCH_X86_64, got \"x86\"",
            "linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_FAST\"",
            "linux.seccomp.syscalls[0].names: must not be empty",
            "linux.seccomp.syscalls[1].args[0].index: must be between 0 and 5, got 6",
            "linux.seccomp.syscalls[1].args[0].op: unknown seccomp operator \"SCMP_CMP_IS\"");
    }

    // linux.maskedPaths, linux.readonlyPaths

    [Fact]
    public void Validate_RelativeMaskedPath_ReportsIt()
    {
        ShouldFail(spec => spec.Linux!.MaskedPaths![2] = "proc/kcore", "linux.maskedPaths[2]: must be absolute, got \"proc/kcore\"");
    }

    [Fact]
    public void Validate_RelativeReadonlyPath_ReportsIt()
    {
        ShouldFail(spec => spec.Linux!.ReadonlyPaths![0] = "proc/bus", "linux.readonlyPaths[0]: must be absolute, got \"proc/bus\"");
    }

    [Fact]
    public void Validate_MaskedPathsWithoutMountNamespace_ReportsBothLists()
    {
        Validate(spec => RemoveNamespace(spec, "mount")).Select(e => e.ToString()).Should().Equal(
            "linux.maskedPaths: requires a mount namespace in linux.namespaces",
            "linux.readonlyPaths: requires a mount namespace in linux.namespaces");
    }

    // linux.cgroupsPath, personality, intelRdt

    [Theory]
    [InlineData("/myRuntime/myContainer")]
    [InlineData("myRuntime/myContainer")]
    [InlineData("system.slice:libcontainer:web")]
    public void Validate_AnyCgroupsPath_IsAccepted(string path)
    {
        ShouldPass(spec => spec.Linux!.CgroupsPath = path);
    }

    [Fact]
    public void Validate_UnknownPersonalityDomain_ReportsIt()
    {
        ShouldFail(spec => spec.Linux!.Personality = new LinuxPersonality { Domain = "LINUX64" },
            "linux.personality.domain: must be LINUX or LINUX32, got \"LINUX64\"");
    }

    [Fact]
    public void Validate_IntelRdtClosIdWithSlash_ReportsIt()
    {
        ShouldFail(spec => spec.Linux!.IntelRdt = new LinuxIntelRdt { ClosId = "../x" },
            "linux.intelRdt.closID: must be a plain resctrl group name, got \"../x\"");
    }
}
