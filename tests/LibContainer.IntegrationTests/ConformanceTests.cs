using System.Diagnostics;
using LibContainer.Init;
using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Spec;

namespace LibContainer.IntegrationTests;

/// <summary>
/// What runc and crun run and we used to refuse (issue 14), and the refusals we keep on purpose. Each
/// test is a reproduction on the real kernel.
/// </summary>
[Collection(HostWideChecks.Name)]
public sealed class ConformanceTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    private readonly List<System.Diagnostics.Process> _holders = [];

    /// <summary>A profile as written before faccessat2 existed: that call answers EPERM (or ENOSYS).</summary>
    private static LinuxSeccomp WithoutFaccessat2(string action = "SCMP_ACT_ERRNO", params string[] more) => new()
    {
        DefaultAction = "SCMP_ACT_ALLOW",
        Syscalls = [new LinuxSyscall { Names = ["faccessat2", .. more], Action = action, ErrnoRet = action == "SCMP_ACT_ERRNO" ? 1 : null }],
    };

    [Theory]
    [InlineData(true, "sh")]
    [InlineData(false, "sh")]
    [InlineData(true, "/bin/sh")]
    public async Task Seccomp_WithoutFaccessat2_ProgramStillFound(bool noNewPrivileges, string program)
    {
        // With no_new_privs off the filter is loaded before the lookup (as runc does), so the lookup meets it.
        RuntimeSpec spec = Spec(program, "-c", "echo found");
        spec.Process!.NoNewPrivileges = noNewPrivileges;
        spec.Linux!.Seccomp = WithoutFaccessat2();

        (ExitStatus status, string stdout, string stderr) = await RunToEndAsync(spec);

        status.ExitCode.Should().Be(0, stderr);
        stdout.Should().Be("found\n");
    }

    [Fact]
    public async Task Seccomp_WithoutAnyAccessCall_ProgramStillFound()
    {
        RuntimeSpec spec = Spec("sh", "-c", "echo found");
        spec.Process!.NoNewPrivileges = false;
        spec.Linux!.Seccomp = WithoutFaccessat2("SCMP_ACT_ERRNO", "faccessat", "access");

        (ExitStatus status, string stdout, string stderr) = await RunToEndAsync(spec);

        status.ExitCode.Should().Be(0, stderr);
        stdout.Should().Be("found\n");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NoexecMount_ProgramRefused_AlsoWithoutAccessCalls(bool denyAccessCalls)
    {
        // The mode bits say executable; only the mount says no. Both lookups must see the mount.
        string dir = Path.Combine(Fixture.WorkDir, $"noexec-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(Fixture.Rootfs!, "bin", "busybox"), Path.Combine(dir, "busybox"));
        RuntimeSpec spec = Spec("/opt/busybox", "true");
        spec.Mounts!.Add(new Mount { Destination = "/opt", Type = "bind", Source = dir, Options = ["bind", "noexec", "ro"] });
        spec.Process!.NoNewPrivileges = false;
        if (denyAccessCalls)
        {
            spec.Linux!.Seccomp = WithoutFaccessat2("SCMP_ACT_ERRNO", "faccessat", "access");
        }

        Func<Task> create = () => CreateAsync(spec);

        (await create.Should().ThrowAsync<ContainerStartException>()).Which.Message.Should()
            .Contain("process.args[0]").And.Contain("errno 13");
    }

    [Fact]
    public async Task Capabilities_UnknownAndNotInheritableAmbient_RunWithoutThem()
    {
        RuntimeSpec spec = Spec("sh", "-c", "grep -E '^Cap(Eff|Amb)' /proc/self/status");
        spec.Process!.Capabilities!.Bounding!.Add("CAP_BANANA");
        spec.Process.Capabilities.Effective!.Add("CAP_BANANA");
        spec.Process.Capabilities.Ambient = ["CAP_KILL", "CAP_NET_BIND_SERVICE"];
        spec.Process.Capabilities.Inheritable = ["CAP_KILL"];

        InitPlan plan = Factory.Explain(spec);
        (ExitStatus status, string stdout, string stderr) = await RunToEndAsync(spec);

        status.ExitCode.Should().Be(0, stderr);
        stdout.Should().Be("CapEff:\t0000000020000420\nCapAmb:\t0000000000000020\n");
        plan.Warnings.Should().Contain(w => w.Contains("CAP_BANANA", StringComparison.Ordinal))
            .And.Contain(w => w.StartsWith("process.capabilities.ambient", StringComparison.Ordinal) && w.Contains("NET_BIND_SERVICE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task JoinedMountNamespace_RootfsSetUpThere()
    {
        // runc and crun set the rootfs up inside a mount namespace given by path.
        int holder = Hold("unshare", "--mount", "--propagation", "private", "sleep", "100");
        RuntimeSpec spec = Spec("sh", "-c", "cat /proc/self/mountinfo | wc -l; ls /bin/busybox");
        spec.Linux!.Namespaces!.Single(n => n.Type == "mount").Path = $"/proc/{holder}/ns/mnt";

        (ExitStatus status, string stdout, string stderr) = await RunToEndAsync(spec);

        status.ExitCode.Should().Be(0, stderr);
        stdout.Should().EndWith("/bin/busybox\n");
        File.ReadAllText($"/proc/self/mountinfo").Should().NotContain(Fixture.Rootfs + " ", "nothing was mounted in the test's namespace");
    }

    [Fact]
    public async Task JoinedUtsNamespace_HostnameAndDomainnameSetThere()
    {
        int holder = Hold("unshare", "--uts", "sleep", "100");
        RuntimeSpec spec = Spec("sh", "-c", "hostname; cat /proc/sys/kernel/domainname");
        spec.Hostname = "joined-host";
        spec.Domainname = "joined.example";
        spec.Linux!.Namespaces!.Single(n => n.Type == "uts").Path = $"/proc/{holder}/ns/uts";

        (ExitStatus status, string stdout, string stderr) = await RunToEndAsync(spec);

        status.ExitCode.Should().Be(0, stderr);
        stdout.Should().Be("joined-host\njoined.example\n");
        Run("nsenter", "--uts", "-t", holder.ToString(System.Globalization.CultureInfo.InvariantCulture), "hostname").Should().Be("joined-host\n");
        Environment.MachineName.Should().NotBe("joined-host");
    }

    [Fact]
    public async Task NoMountNamespace_RefusedOnPurpose()
    {
        // Kept on purpose: runc and crun then mount the rootfs into the caller's (the host's) mount namespace.
        RuntimeSpec spec = Spec("true");
        spec.Linux!.Namespaces!.RemoveAll(n => n.Type == "mount");
        spec.Linux.MaskedPaths = null;
        spec.Linux.ReadonlyPaths = null;
        string id = NewId();

        Func<Task> create = () => CreateAsync(spec, id: id);

        (await create.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().StartWith("linux.namespaces: a mount namespace");
        Directory.Exists(Path.Combine(StateRoot, id)).Should().BeFalse();
    }

    [Fact]
    public async Task KernelTcp_WrittenWhereTheKernelHasIt()
    {
        string? memory = MemoryHierarchy();
        if (memory is null || !File.Exists(Path.Combine(memory, "memory.kmem.tcp.limit_in_bytes")))
        {
            Assert.Skip("this host has no v1 memory.kmem.tcp.limit_in_bytes");
        }
        string id = NewId();
        RuntimeSpec spec = Spec("sleep", "100");
        spec.Linux!.CgroupsPath = $"/lc-conformance-{id}";
        spec.Linux.Resources = new LinuxResources { Memory = new LinuxMemory { KernelTcp = 16 * 1024 * 1024 } };

        await RunAsync(spec, id: id);

        File.ReadAllText(Path.Combine(memory, $"lc-conformance-{id}", "memory.kmem.tcp.limit_in_bytes")).Trim().Should().Be("16777216");
    }

    [Theory]
    [InlineData("classID")]
    [InlineData("priorities")]
    public async Task NetworkResources_WithoutTheirHierarchy_CreateFailsLeavingNothing(string field)
    {
        string controller = field == "classID" ? "net_cls" : "net_prio";
        if (File.ReadAllText("/proc/self/mountinfo").Contains($",{controller}", StringComparison.Ordinal))
        {
            Assert.Skip($"this host mounts {controller}; the refusal needs a host without it");
        }
        string id = NewId();
        RuntimeSpec spec = Spec("true");
        spec.Linux!.Resources = new LinuxResources
        {
            Network = field == "classID"
                ? new LinuxNetwork { ClassId = 0x100001 }
                : new LinuxNetwork { Priorities = [new LinuxInterfacePriority { Name = "lo", Priority = 1 }] },
        };

        Func<Task> create = () => CreateAsync(spec, id: id);

        (await create.Should().ThrowAsync<SpecValidationException>()).Which.Errors.Should()
            .ContainSingle(e => e.Path == $"linux.resources.network.{field}" && e.Message.Contains(controller, StringComparison.Ordinal));
        Directory.Exists(Path.Combine(StateRoot, id)).Should().BeFalse();
        Directory.Exists(Path.Combine(MemoryHierarchy() ?? "/nonexistent", id)).Should().BeFalse("no cgroup is made");
    }

    private static string? MemoryHierarchy() =>
        File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')).Where(f => f.Length > 4 && f[4] == "/sys/fs/cgroup/memory").Select(f => f[4]).FirstOrDefault();

    /// <summary>Starts a process that holds a namespace; killed at the end.</summary>
    private int Hold(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardInput = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        System.Diagnostics.Process process = System.Diagnostics.Process.Start(start)!;
        _holders.Add(process);
        // unshare execs sleep once the namespace exists: wait until the process is sleep.
        for (int i = 0; i < 500 && File.ReadAllText($"/proc/{process.Id}/comm").Trim() != "sleep"; i++)
        {
            Thread.Sleep(10);
        }
        return process.Id;
    }

    private static string Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using System.Diagnostics.Process process = System.Diagnostics.Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (System.Diagnostics.Process holder in _holders)
        {
            holder.Kill();
            await holder.WaitForExitAsync(CancellationToken.None);
            holder.Dispose();
        }
    }
}
