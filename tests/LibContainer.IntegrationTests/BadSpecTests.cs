using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Spec;

namespace LibContainer.IntegrationTests;

/// <summary>
/// Bad input gets an error that names the field or step and the reason, and leaves nothing
/// behind: no state directory, mount, process or zombie. These look at the whole host, so they run alone.
/// </summary>
[Collection(HostWideChecks.Name)]
public sealed class BadSpecTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    [Fact]
    public async Task Create_MissingRootfs_ErrorNamesRootPath()
    {
        RuntimeSpec spec = Spec("true");
        spec.Root!.Path = "/does/not/exist/rootfs";

        var error = await ShouldFailCleanlyAsync<SpecValidationException>(spec);

        error.Message.Should().Contain("root.path").And.Contain("/does/not/exist/rootfs");
    }

    [Fact]
    public async Task Create_MountDestinationEscaping_ErrorNamesMount()
    {
        RuntimeSpec spec = Spec("true");
        spec.Mounts!.Add(new Mount { Destination = "../escape", Type = "tmpfs", Source = "tmpfs" });

        var error = await ShouldFailCleanlyAsync<SpecValidationException>(spec);

        error.Errors.Should().ContainSingle(e => e.Path == $"mounts[{spec.Mounts.Count - 1}].destination");
        error.Message.Should().Contain("\"..\"");
    }

    [Fact]
    public async Task Run_RelativeMountDestination_RelativeToRoot()
    {
        // runtime-spec 1.1: a relative destination "MUST be interpreted as relative to \"/\"" (runc and crun do).
        RuntimeSpec spec = Spec("sh", "-c", "grep -c ' /tmp .* - tmpfs ' /proc/self/mountinfo");
        spec.Mounts!.Add(new Mount { Destination = "tmp", Type = "tmpfs", Source = "tmpfs" });

        (ExitStatus status, string stdout, string stderr) = await RunToEndAsync(spec);

        status.ExitCode.Should().Be(0, stderr);
        stdout.Should().Be("1\n");
    }

    [Fact]
    public async Task Create_MissingExecutable_ErrorNamesArgsAndErrno()
    {
        var error = await ShouldFailCleanlyAsync<ContainerStartException>(Spec("no-such-program", "arg"));

        error.Message.Should().Contain("process.args[0]").And.Contain("no-such-program").And.Contain("errno 2");
        error.Errno.Should().Be(2);
    }

    [Fact]
    public async Task Create_RlimitAboveHardLimit_ErrorNamesRlimit()
    {
        RuntimeSpec spec = Spec("true");
        ulong above = HardNofile() + 1000;
        spec.Process!.Rlimits = [new PosixRlimit { Type = "RLIMIT_NOFILE", Soft = above, Hard = above }];

        var error = await ShouldFailCleanlyAsync<ContainerStartException>(spec);

        error.Message.Should().Contain("RLIMIT_NOFILE").And.Contain("process.rlimits[0]").And.Contain("errno 1");
    }

    [Fact]
    public async Task Create_BindSourceMissing_ErrorNamesMountAndPath()
    {
        RuntimeSpec spec = Spec("true");
        spec.Mounts!.Add(new Mount { Destination = "/data", Type = "bind", Source = "/does/not/exist/src", Options = ["rbind"] });

        var error = await ShouldFailCleanlyAsync<ContainerStartException>(spec);

        error.Message.Should().Contain("/does/not/exist/src").And.Contain($"mounts[{spec.Mounts.Count - 1}]").And.Contain("errno 2");
    }

    [Fact]
    public async Task Create_JoinMissingNamespace_ErrorNamesPath()
    {
        RuntimeSpec spec = Spec("true");
        spec.Linux!.Namespaces!.RemoveAll(n => n.Type == "network");
        spec.Linux.Namespaces.Add(new LinuxNamespace { Type = "network", Path = "/proc/999999999/ns/net" });

        var error = await ShouldFailCleanlyAsync<ContainerStartException>(spec);

        error.Message.Should().Contain("/proc/999999999/ns/net").And.Contain("errno 2");
    }

    [Fact]
    public async Task Create_Cancelled_LeavesNothing()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        HostSnapshot before = HostSnapshot.Take();

        Func<Task> create = () => Factory.CreateAsync(NewId(), Spec("true"), cancellationToken: cancelled.Token);

        await create.Should().ThrowAsync<OperationCanceledException>();
        await AssertNothingLeftAsync(before);
    }

    [Theory]
    [InlineData("memory-negative", "linux.resources.memory.limit")]
    [InlineData("device-type", "linux.resources.devices[0].type")]
    [InlineData("cpuset", "linux.resources.cpu.cpus")]
    [InlineData("hugetlb", "linux.resources.hugepageLimits[0].pageSize")]
    public async Task Create_BadResources_ErrorNamesField(string what, string field)
    {
        RuntimeSpec spec = Spec("true");
        spec.Linux!.Resources = what switch
        {
            "memory-negative" => new LinuxResources { Memory = new LinuxMemory { Limit = -5 } },
            "device-type" => new LinuxResources { Devices = [new LinuxDeviceCgroup { Allow = true, Type = "x", Access = "rwm" }] },
            "cpuset" => new LinuxResources { Cpu = new LinuxCpu { Cpus = $"{Environment.ProcessorCount + 5}" } },
            _ => new LinuxResources { HugepageLimits = [new LinuxHugepageLimit { PageSize = "3MB", Limit = 0 }] },
        };

        var error = await ShouldFailCleanlyAsync<SpecValidationException>(spec);

        error.Errors.Should().Contain(e => e.Path == field);
    }

    [Fact]
    public void Parse_NonNumericResource_ErrorNamesField()
    {
        const string Json = """{"ociVersion": "1.2.0", "linux": {"resources": {"memory": {"limit": "lots"}}}}""";

        Action parse = () => RuntimeSpec.Parse(Json);

        parse.Should().Throw<SpecValidationException>().WithMessage("*linux.resources.memory.limit*");
    }

    [Fact]
    public async Task Create_KernelRefusesResource_CgroupsRemovedAndNothingLeft()
    {
        // Valid to the validator, refused by the kernel when written: more realtime time than the parent has.
        RuntimeSpec spec = Spec("true");
        spec.Linux!.Resources = new LinuxResources { Cpu = new LinuxCpu { RealtimeRuntime = 990_000, RealtimePeriod = 1_000_000 } };

        var error = await ShouldFailCleanlyAsync<ContainerException>(spec);

        error.Message.Should().Contain("cpu.rt_runtime_us");
    }

    [Fact]
    public async Task Create_CgroupsPathTheKernelRefuses_ErrorNamesFieldAndErrno()
    {
        // cgroupfs refuses a name with a newline (it would make /proc/<pid>/cgroup unparsable): EINVAL.
        RuntimeSpec spec = Spec("true");
        spec.Linux!.CgroupsPath = "/lc-it\nbad";

        var error = await ShouldFailCleanlyAsync<ContainerException>(spec);

        error.Message.Should().StartWith("linux.cgroupsPath: mkdir /sys/fs/cgroup/").And.Contain("(errno 22)");
    }

    private static ulong HardNofile()
    {
        string limits = File.ReadAllText("/proc/self/limits");
        string line = limits.Split('\n').First(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        return ulong.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[4], System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<T> ShouldFailCleanlyAsync<T>(RuntimeSpec spec) where T : Exception
    {
        HostSnapshot before = HostSnapshot.Take();
        string id = NewId();

        Func<Task> create = () => Factory.CreateAsync(id, spec, cancellationToken: Token);

        T error = (await create.Should().ThrowAsync<T>()).Which;
        Directory.Exists(Path.Combine(StateRoot, id)).Should().BeFalse("a failed create removes its state directory");
        await AssertNothingLeftAsync(before);
        HostSnapshot.CgroupDirectories().Should().NotContain(d => d.Contains(id, StringComparison.Ordinal), "no cgroup directory of the container may be left");
        return error;
    }

    private static async Task AssertNothingLeftAsync(HostSnapshot before)
    {
        // The init's first stage may still be exiting; its reaping is asynchronous but prompt.
        HostSnapshot after = HostSnapshot.Take();
        for (int i = 0; i < 200 && after.Children.Count > before.Children.Count; i++)
        {
            await Task.Delay(10, Token);
            after = HostSnapshot.Take();
        }
        after.Children.Should().BeEquivalentTo(before.Children, "no process or zombie may be left");
        // Other programs on the host may mount and make cgroups meanwhile: look at ours only.
        after.Mounts.Where(m => m.Contains("libcontainer-it-", StringComparison.Ordinal)).Should().BeEquivalentTo(
            before.Mounts.Where(m => m.Contains("libcontainer-it-", StringComparison.Ordinal)), "no mount may be left");
    }
}
