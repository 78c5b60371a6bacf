using System.Text.Json.Nodes;
using FluentAssertions;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Spec;

public sealed class RuntimeSpecJsonTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lc-spec-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ParseThenToJson_FullConfig_GivesBackTheSameDocument()
    {
        RuntimeSpec spec = RuntimeSpec.Parse(SpecSamples.Full);

        string json = spec.ToJson();

        JsonNode.DeepEquals(JsonNode.Parse(json), JsonNode.Parse(SpecSamples.Full)).Should().BeTrue(json);
        json.Should().Be(SpecSamples.Full);
    }

    [Fact]
    public void Parse_FullConfig_ReadsEverySection()
    {
        RuntimeSpec spec = RuntimeSpec.Parse(SpecSamples.Full);

        spec.OciVersion.Should().Be("1.2.0");
        spec.Root.Should().Be(new Root { Path = "rootfs", Readonly = true });
        spec.Mounts![1].UidMappings![0].Should().Be(new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 65536 });
        spec.Hostname.Should().Be("web");
        spec.Domainname.Should().Be("example.org");
        spec.Annotations.Should().ContainKey("com.example.key2").WhoseValue.Should().Be("value2");

        Process process = spec.Process!;
        process.Terminal.Should().BeTrue();
        process.ConsoleSize.Should().Be(new Box { Height = 25, Width = 80 });
        process.User.Uid.Should().Be(1);
        process.User.Umask.Should().Be(18);
        process.User.AdditionalGids.Should().Equal(5u, 6u);
        process.Args.Should().Equal("/bin/sh", "-c", "echo hello");
        process.Cwd.Should().Be("/home");
        process.Capabilities!.Ambient.Should().Equal("CAP_NET_BIND_SERVICE");
        process.Rlimits![1].Soft.Should().Be(ulong.MaxValue);
        process.OomScoreAdj.Should().Be(-500);
        process.Scheduler!.Deadline.Should().Be(20000000);
        process.IOPriority.Should().Be(new LinuxIOPriority { Class = "IOPRIO_CLASS_BE", Priority = 4 });
        process.ExecCpuAffinity!.Final.Should().Be("0-3,7");

        spec.Hooks!.Prestart![0].Args.Should().Equal("fix-mounts", "arg1");
        spec.Hooks.CreateContainer![0].Timeout.Should().Be(5);
        spec.Hooks.Poststop![0].Path.Should().Be("/usr/sbin/cleanup.sh");

        Linux linux = spec.Linux!;
        linux.Namespaces![1].Should().Be(new LinuxNamespace { Type = "network", Path = "/var/run/netns/web" });
        linux.GidMappings![0].HostId.Should().Be(200000);
        linux.TimeOffsets!["boottime"].Secs.Should().Be(-86400);
        linux.Devices![0].Should().Be(new LinuxDevice { Type = "c", Path = "/dev/fuse", Major = 10, Minor = 229, FileMode = 438, Uid = 0, Gid = 0 });
        linux.Devices[1].Major.Should().BeNull();
        linux.CgroupsPath.Should().Be("/myRuntime/myContainer");
        linux.RootfsPropagation.Should().Be("rslave");
        linux.Sysctl.Should().ContainKey("net.ipv4.ip_forward");
        linux.MountLabel.Should().StartWith("system_u:");
        linux.IntelRdt!.EnableCmt.Should().BeTrue();
        linux.Personality!.Domain.Should().Be("LINUX");

        LinuxResources resources = linux.Resources!;
        resources.Devices![0].Should().Be(new LinuxDeviceCgroup { Allow = false, Access = "rwm" });
        resources.Memory!.Limit.Should().Be(536870912);
        resources.Memory.Swap.Should().Be(-1);
        resources.Memory.DisableOomKiller.Should().BeFalse();
        resources.Cpu!.Quota.Should().Be(1000000);
        resources.Cpu.Shares.Should().Be(1024);
        resources.Cpu.RealtimeRuntime.Should().Be(950000);
        resources.Pids!.Limit.Should().Be(32771);
        resources.BlockIO!.WeightDevice![0].LeafWeight.Should().Be(300);
        resources.BlockIO.ThrottleWriteIOPSDevice![0].Rate.Should().Be(400);
        resources.HugepageLimits![0].PageSize.Should().Be("2MB");
        resources.Network!.ClassId.Should().Be(1048577);
        resources.Network.Priorities![0].Name.Should().Be("eth0");
        resources.Rdma!["mlx5_1"].HcaObjects.Should().Be(10000);
        resources.Unified!["memory.high"].Should().Be("1073741824");

        LinuxSeccomp seccomp = linux.Seccomp!;
        seccomp.DefaultErrnoRet.Should().Be(38);
        seccomp.Syscalls![1].Args![0].Should().Be(new LinuxSeccompArg { Index = 0, Value = 255, ValueTwo = 8, Op = "SCMP_CMP_MASKED_EQ" });
    }

    [Fact]
    public void ToJson_NonCamelCaseNames_UsesTheSpecNames()
    {
        string json = RuntimeSpec.Parse(SpecSamples.Full).ToJson();

        json.Should().Contain("\"containerID\": 0")
            .And.Contain("\"hostID\": 100000")
            .And.Contain("\"disableOOMKiller\": false")
            .And.Contain("\"classID\": 1048577")
            .And.Contain("\"kernelTCP\": -1")
            .And.Contain("\"realtimeRuntime\": 950000")
            .And.Contain("\"throttleReadIOPSDevice\"")
            .And.Contain("\"execCPUAffinity\"")
            .And.Contain("\"closID\"")
            .And.Contain("\"enableCMT\": true")
            .And.Contain("\"blockIO\"")
            .And.Contain("\"ociVersion\"");
    }

    [Fact]
    public void ToJson_NullAndFalseOptionalProperties_AreOmitted()
    {
        RuntimeSpec spec = RuntimeSpec.Parse(SpecSamples.Minimal);

        string json = spec.ToJson();

        JsonObject root = JsonNode.Parse(json)!.AsObject();
        root.Select(p => p.Key).Should().Equal("ociVersion", "root", "process");
        root["root"]!.AsObject().Select(p => p.Key).Should().Equal("path");
        root["process"]!.AsObject().Select(p => p.Key).Should().Equal("user", "args", "cwd");
    }

    [Fact]
    public void ToJson_SpecialCharacters_AreNotEscaped()
    {
        string json = RuntimeSpec.Parse(SpecSamples.Full).ToJson();

        json.Should().Contain("\"GREETING=a+b&c<d>\"");
    }

    [Fact]
    public void Parse_UnknownProperties_AreIgnored()
    {
        const string json = """
            {
              "ociVersion": "1.2.0",
              "futureTopLevel": { "nested": [1, 2, 3] },
              "windows": { "layerFolders": ["C:\\layers"] },
              "root": { "path": "rootfs", "futureFlag": true },
              "process": { "user": { "uid": 0, "gid": 0, "sid": "S-1" }, "args": ["sh"], "cwd": "/", "commandLine": "cmd.exe" },
              "linux": { "netDevices": { "eth0": {} }, "memoryPolicy": { "mode": "MPOL_BIND" }, "namespaces": [{ "type": "pid", "x": 1 }] }
            }
            """;

        RuntimeSpec spec = RuntimeSpec.Parse(json);

        spec.Root!.Path.Should().Be("rootfs");
        spec.Linux!.Namespaces.Should().ContainSingle().Which.Type.Should().Be("pid");
        spec.ToJson().Should().NotContain("future").And.NotContain("windows").And.NotContain("netDevices");
    }

    [Theory]
    [InlineData("""{ "root": { "path": "rootfs" } }""", "ociVersion")]
    [InlineData("""{ "ociVersion": "1.2.0", "root": { } }""", "root.path")]
    [InlineData("""{ "ociVersion": "1.2.0", "process": { "user": { "uid": 0, "gid": 0 }, "args": ["sh"] } }""", "process.cwd")]
    [InlineData("""{ "ociVersion": "1.2.0", "process": { "args": ["sh"], "cwd": "/" } }""", "process.user")]
    [InlineData("""{ "ociVersion": "1.2.0", "process": { "user": { "gid": 0 }, "cwd": "/" } }""", "process.user.uid")]
    [InlineData("""{ "ociVersion": "1.2.0", "mounts": [ { "destination": "/proc" }, { "type": "tmpfs" } ] }""", "mounts[1].destination")]
    [InlineData("""{ "ociVersion": "1.2.0", "linux": { "namespaces": [ { "path": "/proc/1/ns/net" } ] } }""", "linux.namespaces[0].type")]
    [InlineData("""{ "ociVersion": "1.2.0", "linux": { "uidMappings": [ { "containerID": 0, "size": 1 } ] } }""", "linux.uidMappings[0].hostID")]
    public void Parse_MissingRequiredProperty_ThrowsNamingIt(string json, string path)
    {
        Action parse = () => RuntimeSpec.Parse(json);

        parse.Should().Throw<SpecValidationException>()
            .Which.Errors.Should().ContainSingle()
            .Which.Should().Match<SpecError>(e => e.Path == path && e.Message.StartsWith("required property is missing", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_SeveralMissingRequiredProperties_ReportsEach()
    {
        Action parse = () => RuntimeSpec.Parse("""{ "ociVersion": "1.2.0", "process": { "user": { }, "cwd": "/" } }""");

        parse.Should().Throw<SpecValidationException>()
            .Which.Message.Should().Be(
                "process.user.uid: required property is missing (line 1, column 47)\n" +
                "process.user.gid: required property is missing (line 1, column 47)");
    }

    [Fact]
    public void Parse_NullForRequiredString_ThrowsNamingIt()
    {
        Action parse = () => RuntimeSpec.Parse("""{ "ociVersion": null }""");

        parse.Should().Throw<SpecValidationException>()
            .Which.Errors.Should().ContainSingle().Which.Path.Should().Be("ociVersion");
    }

    [Fact]
    public void Parse_WrongValueType_ThrowsWithPathAndExpectedType()
    {
        const string json = """
            {
              "ociVersion": "1.2.0",
              "process": { "user": { "uid": -1, "gid": 0 }, "cwd": "/" }
            }
            """;

        Action parse = () => RuntimeSpec.Parse(json);

        SpecError error = parse.Should().Throw<SpecValidationException>().Which.Errors.Should().ContainSingle().Subject;
        error.Path.Should().Be("process.user.uid");
        error.Message.Should().Be("expected an unsigned 32-bit integer, got -1 (line 3, column 33)");
    }

    [Theory]
    [InlineData("""{ "ociVersion": "1.2.0", "process": 5 }""", "process", "expected an object, got 5 (line 1, column 37)")]
    [InlineData("""{ "ociVersion": "1.2.0", "mounts": { } }""", "mounts", "expected an array, got an object (line 1, column 36)")]
    [InlineData("""{ "ociVersion": "1.2.0", "mounts": [ { "destination": "/a", "options": "ro" } ] }""", "mounts[0].options", "expected an array, got \"ro\" (line 1, column 72)")]
    [InlineData("""{ "ociVersion": "1.2.0", "linux": { "resources": { "memory": { "limit": "1G" } } } }""", "linux.resources.memory.limit", "expected a 64-bit integer, got \"1G\" (line 1, column 73)")]
    [InlineData("""{ "ociVersion": "1.2.0", "root": { "path": "r", "readonly": "yes" } }""", "root.readonly", "expected true or false, got \"yes\" (line 1, column 61)")]
    [InlineData("""{ "ociVersion": "1.2.0", "mounts": [ { "destination": null } ] }""", "mounts[0].destination", "must not be null (line 1, column 55)")]
    public void Parse_ValueOfTheWrongType_NamesPathExpectedTypeAndPosition(string json, string path, string message)
    {
        Action parse = () => RuntimeSpec.Parse(json);

        parse.Should().Throw<SpecValidationException>()
            .Which.Errors.Should().ContainSingle().Which.ToString().Should().Be($"{path}: {message}");
    }

    [Fact]
    public void Parse_MalformedJson_ThrowsWithLine()
    {
        const string json = """
            {
              "ociVersion": "1.2.0",
              "hostname": "web"
              "domainname": "x"
            }
            """;

        Action parse = () => RuntimeSpec.Parse(json);

        SpecError error = parse.Should().Throw<SpecValidationException>().Which.Errors.Should().ContainSingle().Subject;
        error.Path.Should().Be("(root)");
        error.Message.Should().StartWith("malformed JSON: ").And.EndWith("(line 4, column 3)");
    }

    [Fact]
    public void Parse_JsonNull_Throws()
    {
        Action parse = () => RuntimeSpec.Parse("null");

        parse.Should().Throw<SpecValidationException>().WithMessage("(root): must be a JSON object, got null");
    }

    [Fact]
    public void Parse_SysctlKeyWithDots_ReportsBracketedPath()
    {
        const string json = """{ "ociVersion": "1.2.0", "linux": { "sysctl": { "net.ipv4.ip_forward": 1 } } }""";

        Action parse = () => RuntimeSpec.Parse(json);

        parse.Should().Throw<SpecValidationException>()
            .Which.Errors.Should().ContainSingle().Which.Path.Should().Be("linux.sysctl[\"net.ipv4.ip_forward\"]");
    }

    [Fact]
    public void Load_ValidFile_ReadsIt()
    {
        string path = Path.Combine(_directory, "config.json");
        File.WriteAllText(path, SpecSamples.Full);

        RuntimeSpec spec = RuntimeSpec.Load(path);

        spec.Hostname.Should().Be("web");
    }

    [Fact]
    public void Load_MissingFile_ThrowsNamingTheFile()
    {
        string path = Path.Combine(_directory, "config.json");

        Action load = () => RuntimeSpec.Load(path);

        load.Should().Throw<SpecValidationException>()
            .WithMessage($"{path}: file does not exist")
            .Which.InnerException.Should().BeOfType<FileNotFoundException>();
    }

    [Fact]
    public void Load_MissingDirectory_ThrowsNamingTheFile()
    {
        string path = Path.Combine(_directory, "nope", "config.json");

        Action load = () => RuntimeSpec.Load(path);

        load.Should().Throw<SpecValidationException>().WithMessage($"{path}: file does not exist");
    }

    [Fact]
    public void Load_MalformedJson_ThrowsNamingFilePathAndLine()
    {
        string path = Path.Combine(_directory, "config.json");
        File.WriteAllText(path, "{\n  \"ociVersion\": \"1.2.0\",\n  \"process\": { \"cwd\": 5 }\n}\n");

        Action load = () => RuntimeSpec.Load(path);

        SpecValidationException ex = load.Should().Throw<SpecValidationException>().Which;
        ex.Errors.Should().ContainSingle().Which.Path.Should().Be("process.cwd");
        ex.Message.Should().Be($"process.cwd: expected a string, got 5 ({path}, line 3, column 23)");
    }

    [Fact]
    public void Load_MissingRequiredProperty_ThrowsNamingFileAndProperty()
    {
        string path = Path.Combine(_directory, "config.json");
        File.WriteAllText(path, """{ "ociVersion": "1.2.0", "process": { "user": { "uid": 0, "gid": 0 } } }""");

        Action load = () => RuntimeSpec.Load(path);

        load.Should().Throw<SpecValidationException>()
            .Which.Message.Should().StartWith("process.cwd: required property is missing (" + path);
    }

    [Fact]
    public void CreateDefault_ToJson_HasRuncSpecContent()
    {
        JsonObject json = JsonNode.Parse(RuntimeSpec.CreateDefault().ToJson())!.AsObject();

        json["ociVersion"]!.GetValue<string>().Should().Be("1.2.0");
        json["root"]!.ToJsonString().Should().Be("""{"path":"rootfs","readonly":true}""");
        json["hostname"]!.GetValue<string>().Should().Be("libcontainer");

        JsonObject process = json["process"]!.AsObject();
        process["terminal"]!.GetValue<bool>().Should().BeTrue();
        process["user"]!.ToJsonString().Should().Be("""{"uid":0,"gid":0}""");
        process["args"]!.ToJsonString().Should().Be("""["sh"]""");
        process["env"]!.ToJsonString().Should().Be("""["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","TERM=xterm"]""");
        process["cwd"]!.GetValue<string>().Should().Be("/");
        process["noNewPrivileges"]!.GetValue<bool>().Should().BeTrue();
        process["rlimits"]!.ToJsonString().Should().Be("""[{"type":"RLIMIT_NOFILE","soft":1024,"hard":1024}]""");
        const string caps = """["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]""";
        process["capabilities"]!.ToJsonString().Should().Be($$"""{"bounding":{{caps}},"effective":{{caps}},"permitted":{{caps}}}""");

        json["mounts"]!.AsArray().Select(m => m!["destination"]!.GetValue<string>())
            .Should().Equal("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup");
        json["mounts"]![1]!.ToJsonString().Should().Be("""{"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]}""");
        json["mounts"]![2]!["options"]!.ToJsonString().Should().Be("""["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"]""");
        json["mounts"]![6]!["options"]!.ToJsonString().Should().Be("""["nosuid","noexec","nodev","relatime","ro"]""");

        JsonObject linux = json["linux"]!.AsObject();
        linux["resources"]!.ToJsonString().Should().Be("""{"devices":[{"allow":false,"access":"rwm"}]}""");
        linux["namespaces"]!.AsArray().Select(n => n!["type"]!.GetValue<string>())
            .Should().Equal("pid", "network", "ipc", "uts", "mount", "cgroup");
        linux["maskedPaths"]!.AsArray().Should().HaveCount(11);
        linux["maskedPaths"]![10]!.GetValue<string>().Should().Be("/sys/devices/virtual/tpm");
        linux["readonlyPaths"]!.ToJsonString().Should().Be("""["/proc/bus","/proc/fs","/proc/irq","/proc/sys","/proc/sysrq-trigger"]""");
    }

    [Fact]
    public void CreateDefault_TwoCalls_ReturnIndependentObjects()
    {
        RuntimeSpec first = RuntimeSpec.CreateDefault();
        RuntimeSpec second = RuntimeSpec.CreateDefault();

        first.Process!.Capabilities!.Bounding!.Add("CAP_SYS_ADMIN");
        first.Process.Args!.Add("-c");

        second.Process!.Capabilities!.Bounding.Should().HaveCount(3);
        second.Process.Capabilities.Effective.Should().HaveCount(3);
        second.Process.Args.Should().Equal("sh");
    }

    [Fact]
    public void CreateDefault_ParseOfToJson_RoundTrips()
    {
        string json = RuntimeSpec.CreateDefault().ToJson();

        RuntimeSpec.Parse(json).ToJson().Should().Be(json);
    }

    [Fact]
    public void CreateRootless_MapsRootAndDropsHostOnlySettings()
    {
        RuntimeSpec spec = RuntimeSpec.CreateRootless(1000, 1001);

        spec.Linux!.Namespaces!.Select(n => n.Type).Should().Equal("pid", "ipc", "uts", "mount", "cgroup", "user");
        spec.Linux.UidMappings.Should().Equal(new LinuxIdMapping { ContainerId = 0, HostId = 1000, Size = 1 });
        spec.Linux.GidMappings.Should().Equal(new LinuxIdMapping { ContainerId = 0, HostId = 1001, Size = 1 });
        spec.Linux.Resources.Should().BeNull();
        Mount sys = spec.Mounts!.Single(m => m.Destination == "/sys");
        sys.Source.Should().Be("/sys");
        sys.Options.Should().Equal("rbind", "nosuid", "noexec", "nodev", "ro");
        spec.Mounts!.Single(m => m.Destination == "/dev/pts").Options.Should().NotContain(o => o.StartsWith("gid=", StringComparison.Ordinal));
    }

    [Fact]
    public void CreateRootless_NoArguments_MapsTheCallersIds()
    {
        RuntimeSpec spec = RuntimeSpec.CreateRootless();

        spec.Linux!.UidMappings!.Single().HostId.Should().Be(Tmds.Linux.LibC.geteuid());
        spec.Linux.GidMappings!.Single().HostId.Should().Be(Tmds.Linux.LibC.getegid());
    }

    [Fact]
    public void Equals_TwoDefaultSpecs_AreEqualUntilOneChanges()
    {
        RuntimeSpec first = RuntimeSpec.CreateDefault();
        RuntimeSpec second = RuntimeSpec.CreateDefault();

        first.Should().Be(second);
        first.GetHashCode().Should().Be(second.GetHashCode());
        (first == second).Should().BeTrue();

        second.Process!.Args!.Add("-c");

        first.Should().NotBe(second);
        (first != second).Should().BeTrue();
    }
}
