using System.Security.Cryptography;
using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Spec;

namespace LibContainer.IntegrationTests;

public sealed class SecurityTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    [Fact]
    public async Task Capabilities_RuncDefaults_ExactlyThoseAndMountRefused()
    {
        // AUDIT_WRITE (29), KILL (5), NET_BIND_SERVICE (10), as `runc spec` writes them.
        var (status, stdout, stderr) = await RunToEndAsync(Spec("sh", "-c",
            "grep -E 'Cap(Eff|Prm|Bnd|Inh|Amb)' /proc/self/status; mount -t tmpfs none /mnt && echo mounted"));

        stdout.Should().Contain("CapEff:\t0000000020000420").And.Contain("CapPrm:\t0000000020000420")
            .And.Contain("CapBnd:\t0000000020000420").And.Contain("CapInh:\t0000000000000000").And.Contain("CapAmb:\t0000000000000000");
        stdout.Should().NotContain("mounted");
        stderr.Should().Contain("mount");
        status.ExitCode.Should().NotBe(0);
    }

    [Fact]
    public async Task Capabilities_WithoutNetRaw_RawSocketRefused()
    {
        // busybox nc cannot open raw sockets; ping falls back to ICMP datagram sockets, so check the syscall's
        // result through arping, which needs a raw packet socket (CAP_NET_RAW).
        var (_, _, stderr) = await RunToEndAsync(Spec("arping", "-c", "1", "-I", "lo", "127.0.0.1"));

        stderr.Should().Contain("Operation not permitted");
    }

    [Fact]
    public async Task Capabilities_SysAdmin_MountWorks()
    {
        RuntimeSpec spec = Spec("sh", "-c", "mount -t tmpfs none /mnt && echo mounted");
        spec.Root!.Readonly = false;
        spec.Root.Path = Fixture.CreatePrivateRootfs();
        LinuxCapabilities caps = spec.Process!.Capabilities!;
        foreach (List<string> set in new[] { caps.Bounding!, caps.Effective!, caps.Permitted! })
        {
            set.Add("CAP_SYS_ADMIN");
        }

        var (status, stdout, _) = await RunToEndAsync(spec);

        stdout.Should().Contain("mounted");
        status.ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task Capabilities_AmbientForNonRootUser_Kept()
    {
        RuntimeSpec spec = Spec("sh", "-c", "grep CapEff /proc/self/status");
        spec.Process!.User = new User { Uid = 1000, Gid = 1000 };
        LinuxCapabilities caps = spec.Process.Capabilities!;
        caps.Inheritable = ["CAP_NET_BIND_SERVICE"];
        caps.Ambient = ["CAP_NET_BIND_SERVICE"];

        var (_, stdout, _) = await RunToEndAsync(spec);

        stdout.Should().Contain("CapEff:\t0000000000000400", "an ambient capability survives setuid and exec for a non-root user");
    }

    [Fact]
    public async Task Seccomp_ErrnoForMkdir_MkdirFailsLsWorks()
    {
        RuntimeSpec spec = Spec("sh", "-c", "ls / > /dev/null && echo ls-ok; mkdir /tmp/x && echo mkdir-ok");
        spec.Root!.Readonly = false;
        spec.Root.Path = Fixture.CreatePrivateRootfs();
        spec.Linux!.Seccomp = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            Syscalls = [new LinuxSyscall { Names = ["mkdir", "mkdirat", "not_a_syscall"], Action = "SCMP_ACT_ERRNO", ErrnoRet = 1 }],
        };

        var (_, stdout, stderr) = await RunToEndAsync(spec);

        stdout.Should().Contain("ls-ok").And.NotContain("mkdir-ok");
        stderr.Should().Contain("Operation not permitted");
    }

    [Fact]
    public async Task Seccomp_ArgumentCondition_OnlyMatchingCallsRefused()
    {
        // personality(0xffffffff) queries; refuse only personality(PER_LINUX32=8).
        RuntimeSpec spec = Spec("sh", "-c", "grep Seccomp: /proc/self/status");
        spec.Linux!.Seccomp = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            Syscalls = [new LinuxSyscall { Names = ["personality"], Action = "SCMP_ACT_ERRNO", Args = [new LinuxSeccompArg { Index = 0, Value = 8, Op = "SCMP_CMP_EQ" }] }],
        };

        var (status, stdout, _) = await RunToEndAsync(spec);

        stdout.Should().Contain("Seccomp:\t2", "a filter is loaded");
        status.ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task Seccomp_Listener_GetsTheNotifyFdWithTheState()
    {
        string socketPath = Path.Combine(Fixture.WorkDir, $"notify-{Guid.NewGuid():N}.sock");
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);
        RuntimeSpec spec = Spec("true");
        spec.Linux!.Seccomp = new LinuxSeccomp
        {
            DefaultAction = "SCMP_ACT_ALLOW",
            ListenerPath = socketPath,
            ListenerMetadata = "from-the-test",
            Syscalls = [new LinuxSyscall { Names = ["mkdir"], Action = "SCMP_ACT_NOTIFY" }],
        };

        IContainer container = await CreateAsync(spec);
        using System.Net.Sockets.Socket accepted = await listener.AcceptAsync(Token);
        byte[] buffer = new byte[65536];
        int n = LibContainer.Interop.Sys.ReceiveMessage(LibContainer.Interop.SafeFd.Borrow((int)accepted.Handle), buffer, out LibContainer.Interop.SafeFd? fd);
        using (fd)
        {
            string json = System.Text.Encoding.UTF8.GetString(buffer, 0, n);
            json.Should().Contain("\"fds\":[\"seccompFd\"]").And.Contain("from-the-test").And.Contain(container.Id);
            fd.Should().NotBeNull();
            new FileInfo($"/proc/self/fd/{fd!.Fd}").LinkTarget.Should().Contain("seccomp");
        }

        // An exec'd process loads the same profile: its notify fd reaches the listener too.
        spec.Process!.Args = ["sleep", "100"];
        IContainer running = await RunAsync(spec);
        using (System.Net.Sockets.Socket first = await listener.AcceptAsync(Token))
        {
        }
        var process = new Process { Args = ["true"], Cwd = "/", User = new User { Uid = 0, Gid = 0 }, Env = ["PATH=/bin"], NoNewPrivileges = true };
        IProcess exec = await running.ExecAsync(process, cancellationToken: Token);
        using System.Net.Sockets.Socket second = await listener.AcceptAsync(Token);
        int m = LibContainer.Interop.Sys.ReceiveMessage(LibContainer.Interop.SafeFd.Borrow((int)second.Handle), buffer, out LibContainer.Interop.SafeFd? execFd);
        using (execFd)
        {
            System.Text.Encoding.UTF8.GetString(buffer, 0, m).Should().Contain("\"fds\":[\"seccompFd\"]");
            execFd.Should().NotBeNull();
        }
        (await exec.WaitForExitAsync(Token)).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task TimeNamespace_BoottimeOffset_ShowsInUptime()
    {
        RuntimeSpec spec = Spec("cat", "/proc/uptime");
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "time" });
        spec.Linux.TimeOffsets = new() { ["boottime"] = new LinuxTimeOffset { Secs = 10_000_000 } };
        double hostUptime = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);

        var (status, stdout, stderr) = await RunToEndAsync(spec);

        status.ExitCode.Should().Be(0, stderr);
        double inside = double.Parse(stdout.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        inside.Should().BeGreaterThan(hostUptime + 9_999_000);
    }

    [Theory]
    [InlineData(true, "0 0")]
    [InlineData(false, "65534 65534")]
    public async Task IdMappedMount_HostRootFilesOwnedByRootInside(bool idmap, string owner)
    {
        string data = Directory.CreateTempSubdirectory("lc-idmap-").FullName;
        try
        {
            File.SetUnixFileMode(data, (UnixFileMode)Convert.ToInt32("755", 8));
            File.WriteAllText(Path.Combine(data, "file"), "host root's\n");
            // /mnt exists in the rootfs: root of the user namespace may not create /data in a rootfs it does not own.
            RuntimeSpec spec = Spec("sh", "-c", "stat -c '%u %g' /mnt/file; touch /mnt/made-inside 2>/dev/null; true");
            spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "user" });
            spec.Linux.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];
            spec.Linux.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];
            spec.Mounts!.Add(new Mount { Destination = "/mnt", Type = "bind", Source = data, Options = idmap ? ["rbind", "idmap"] : ["rbind"] });

            var (status, stdout, stderr) = await RunToEndAsync(spec);

            status.ExitCode.Should().Be(0, stderr);
            stdout.Trim().Should().Be(owner);
            if (idmap)
            {
                // Root inside writes as root on disk through the id-mapped mount.
                using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%u", Path.Combine(data, "made-inside")]) { RedirectStandardOutput = true })!;
                (await stat.StandardOutput.ReadToEndAsync(Token)).Trim().Should().Be("0");
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Cwd_LeakedFdPath_DoesNotReachTheHost()
    {
        // CVE-2024-21626: a cwd of /proc/self/fd/N named a host directory runc had leaked. lc-init's own
        // fds are close-on-exec but open at its chdir; whatever one names, the cwd it gives must be inside
        // the root (lc-init checks getcwd: a directory outside it is "(unreachable)"). So either the path
        // names nothing usable (refused at process.cwd), or the process's cwd is a directory of the container.
        string marker = $"lc-host-{Guid.NewGuid():N}";
        File.WriteAllText("/" + marker, ""); // in the host's /: never in a listing of the container's cwd
        try
        {
            for (int fd = 3; fd <= 12; fd++)
            {
                await CwdThroughFdAsync(fd, marker);
            }
        }
        finally
        {
            File.Delete("/" + marker);
        }
    }

    private async Task CwdThroughFdAsync(int fd, string marker)
    {
        RuntimeSpec spec = Spec("sh", "-c", "pwd; ls -a .");
        spec.Process!.Cwd = $"/proc/self/fd/{fd}";
        try
        {
            var (status, stdout, _) = await RunToEndAsync(spec);
            stdout.Should().StartWith("/", $"fd {fd}: the cwd has a path from the container's root").And.NotContain("(unreachable)");
            stdout.Should().NotContain(marker, $"fd {fd}: the host's / is never the cwd");
            status.ExitCode.Should().Be(0);
        }
        catch (ContainerStartException ex)
        {
            ex.Message.Should().Contain("process.cwd");
        }
    }

    [Fact]
    public async Task SymlinkEtcToHostEtc_MountOnEtcX_HostEtcUntouched()
    {
        string rootfs = Fixture.CreatePrivateRootfs();
        Directory.Delete(Path.Combine(rootfs, "etc"), recursive: true);
        File.CreateSymbolicLink(Path.Combine(rootfs, "etc"), "/etc");
        string marker = $"lc-escape-{Guid.NewGuid():N}";
        RuntimeSpec spec = Spec("true");
        spec.Root = new Root { Path = rootfs, Readonly = false };
        spec.Mounts!.Add(new Mount { Destination = $"/etc/{marker}", Type = "tmpfs", Source = "tmpfs" });

        // Inside the root, /etc -> /etc points at itself: the kernel's in-root resolution says ELOOP.
        Func<Task> run = () => RunToEndAsync(spec);

        (await run.Should().ThrowAsync<ContainerStartException>()).Which.Message.Should().Contain($"mounts[{spec.Mounts.Count - 1}]").And.Contain("errno 40");
        Directory.Exists($"/etc/{marker}").Should().BeFalse("the host's /etc is never touched");
        File.ReadAllText("/proc/self/mountinfo").Should().NotContain(marker);
    }

    [Fact]
    public async Task UserNamespace_RootInsideIs100000Outside()
    {
        RuntimeSpec spec = Spec("sh", "-c", "id -u; sleep 100");
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "user" });
        spec.Linux.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];
        spec.Linux.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 65536 }];

        IContainer container = await RunAsync(spec);
        string firstLine = await new StreamReader(container.InitProcess.StandardOutput!).ReadLineAsync(Token) ?? "";

        firstLine.Should().Be("0", "root inside");
        string status = File.ReadAllText($"/proc/{container.InitProcess.Pid}/status");
        status.Should().MatchRegex(@"Uid:\s+100000\s+100000\s+100000\s+100000").And.MatchRegex(@"Gid:\s+100000\s+100000\s+100000\s+100000");
        new FileInfo($"/proc/{container.InitProcess.Pid}/ns/user").LinkTarget.Should().NotBe(new FileInfo("/proc/self/ns/user").LinkTarget);
    }

    [Fact]
    public async Task SelfExe_WriteFromInside_NoHostFileChanges()
    {
        // CVE-2019-5736: while the init is still lc-init (during a startContainer hook), a process in the
        // container opens /proc/1/exe for writing. The init runs from a sealed memfd: no host file behind it.
        string init = Path.Combine(AppContext.BaseDirectory, "lc-init");
        byte[] before = SHA256.HashData(File.ReadAllBytes(init));
        string log = Directory.CreateTempSubdirectory("lc-exe-").FullName;
        try
        {
            RuntimeSpec spec = Spec("true");
            spec.Mounts!.Add(new Mount { Destination = "/log", Type = "bind", Source = log, Options = ["rbind", "rw"] });
            spec.Hooks = new Hooks
            {
                StartContainer = [new Hook { Path = "/bin/sh", Args = ["sh", "-c", "readlink /proc/1/exe > /log/exe; (echo pwned > /proc/1/exe) 2> /log/error; echo rc=$? >> /log/exe"] }],
            };

            IContainer container = await RunAsync(spec);
            await container.InitProcess.WaitForExitAsync(Token);

            string seen = File.ReadAllText(Path.Combine(log, "exe"));
            seen.Should().Contain("memfd:lc-init").And.NotContain("rc=0");
            SHA256.HashData(File.ReadAllBytes(init)).Should().Equal(before);
        }
        finally
        {
            Directory.Delete(log, recursive: true);
        }
    }

    [Fact]
    public async Task Create_UnknownSeccompAction_ErrorNamesIt()
    {
        RuntimeSpec spec = Spec("true");
        spec.Linux!.Seccomp = new LinuxSeccomp { DefaultAction = "SCMP_ACT_ALLOW", Syscalls = [new LinuxSyscall { Names = ["mkdir"], Action = "SCMP_ACT_EXPLODE" }] };

        Func<Task> create = () => Factory.CreateAsync(NewId(), spec, cancellationToken: Token);

        (await create.Should().ThrowAsync<SpecValidationException>()).Which.Message.Should().Contain("linux.seccomp.syscalls[0].action");
    }

    [Fact]
    public async Task Create_MappingWithoutUserNamespace_ErrorNamesIt()
    {
        RuntimeSpec spec = Spec("true");
        spec.Linux!.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 1000, Size = 1 }];

        Func<Task> create = () => Factory.CreateAsync(NewId(), spec, cancellationToken: Token);

        (await create.Should().ThrowAsync<SpecValidationException>()).Which.Message.Should().Contain("linux.uidMappings");
    }

    [Fact]
    public async Task Create_OverlappingMappings_ErrorNamesThem()
    {
        RuntimeSpec spec = Spec("true");
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "user" });
        spec.Linux.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 1000 }, new LinuxIdMapping { ContainerId = 500, HostId = 300000, Size = 10 }];
        spec.Linux.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = 100000, Size = 1000 }];

        Func<Task> create = () => Factory.CreateAsync(NewId(), spec, cancellationToken: Token);

        (await create.Should().ThrowAsync<SpecValidationException>()).Which.Message.Should().Contain("linux.uidMappings[1]");
    }

    [Fact]
    public async Task Create_AppArmorProfileOnHostWithout_ClearError()
    {
        Assert.SkipWhen(File.Exists("/sys/module/apparmor/parameters/enabled"), "this host has AppArmor");
        RuntimeSpec spec = Spec("true");
        spec.Process!.ApparmorProfile = "docker-default";

        Func<Task> create = () => Factory.CreateAsync(NewId(), spec, cancellationToken: Token);

        (await create.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("process.apparmorProfile").And.Contain("no AppArmor");
    }
}
