using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Spec;

namespace LibContainer.IntegrationTests;

public sealed class IsolationTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    [Fact]
    public async Task Run_PidNamespace_ProgramIsPid1()
    {
        var (_, stdout, _) = await RunToEndAsync(Spec("sh", "-c", "echo $$"));

        stdout.Trim().Should().Be("1");
    }

    [Fact]
    public async Task Run_Namespaces_DifferFromHost()
    {
        IContainer container = await RunAsync(Spec("sleep", "1000"));
        int pid = container.InitProcess.Pid;

        foreach (string ns in new[] { "pid", "mnt", "uts", "ipc", "net", "cgroup" })
        {
            new FileInfo($"/proc/{pid}/ns/{ns}").LinkTarget.Should().NotBe(new FileInfo($"/proc/self/ns/{ns}").LinkTarget, $"{ns} must be a new namespace");
        }
    }

    [Fact]
    public async Task Run_Hostname_IsolatedFromHost()
    {
        string hostBefore = File.ReadAllText("/proc/sys/kernel/hostname");
        RuntimeSpec spec = Spec("hostname");
        spec.Hostname = "inside-test";

        var (_, stdout, _) = await RunToEndAsync(spec);

        stdout.Trim().Should().Be("inside-test");
        File.ReadAllText("/proc/sys/kernel/hostname").Should().Be(hostBefore);
    }

    [Fact]
    public async Task Run_Proc_ShowsOnlyContainerProcesses()
    {
        var (_, stdout, _) = await RunToEndAsync(Spec("sh", "-c", "for p in /proc/[0-9]*; do echo ${p#/proc/}; done"));

        int[] pids = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
        pids.Should().Contain(1).And.OnlyContain(p => p <= 3, "only the shell and its children exist in the container's pid namespace");
    }

    [Fact]
    public async Task Run_BindMount_VisibleInsideAbsentOnHost()
    {
        string source = Directory.CreateTempSubdirectory("lc-bind-").FullName;
        string privateRoot = Fixture.CreatePrivateRootfs();
        try
        {
            File.WriteAllText(Path.Combine(source, "file"), "from the host\n");
            RuntimeSpec spec = Spec("cat", "/mnt/data/file");
            spec.Root!.Path = privateRoot;
            spec.Mounts!.Add(new Mount { Destination = "/mnt/data", Type = "bind", Source = source, Options = ["rbind", "ro"] });

            var (status, stdout, _) = await RunToEndAsync(spec);

            status.ExitCode.Should().Be(0);
            stdout.Should().Be("from the host\n");
            Directory.Exists(Path.Combine(privateRoot, "mnt", "data")).Should().BeTrue("the mount point is made in the rootfs");
            File.Exists(Path.Combine(privateRoot, "mnt", "data", "file")).Should().BeFalse("the bind mount lives only in the container's mount namespace");
            File.ReadAllText("/proc/self/mountinfo").Should().NotContain(Path.Combine(privateRoot, "mnt", "data"));
        }
        finally
        {
            Directory.Delete(source, recursive: true);
        }
    }

    [Fact]
    public async Task Run_RecursiveReadonlyBind_RefusesWrites()
    {
        string source = Directory.CreateTempSubdirectory("lc-rro-").FullName;
        try
        {
            RuntimeSpec spec = Spec("sh", "-c", "cat /data/file; echo x > /data/new");
            spec.Mounts!.Add(new Mount { Destination = "/data", Type = "bind", Source = source, Options = ["rbind", "rro"] });
            File.WriteAllText(Path.Combine(source, "file"), "readable\n");

            var (status, stdout, stderr) = await RunToEndAsync(spec);

            stdout.Should().Be("readable\n");
            stderr.Should().Contain("Read-only file system");
            status.ExitCode.Should().NotBe(0);
            File.Exists(Path.Combine(source, "new")).Should().BeFalse();
        }
        finally
        {
            Directory.Delete(source, recursive: true);
        }
    }

    [Fact]
    public async Task Run_ReadonlyRoot_RefusesWrites()
    {
        var (status, _, stderr) = await RunToEndAsync(Spec("touch", "/newfile"));

        status.ExitCode.Should().NotBe(0);
        stderr.Should().Contain("Read-only file system");
        File.Exists(Path.Combine(Fixture.Rootfs!, "newfile")).Should().BeFalse();
    }

    [Fact]
    public async Task Run_WritableRoot_AcceptsWrites()
    {
        string privateRoot = Fixture.CreatePrivateRootfs();
        RuntimeSpec spec = Spec("touch", "/newfile");
        spec.Root = new Root { Path = privateRoot, Readonly = false };

        var (status, _, _) = await RunToEndAsync(spec);

        status.ExitCode.Should().Be(0);
        File.Exists(Path.Combine(privateRoot, "newfile")).Should().BeTrue();
    }

    [Fact]
    public async Task Run_MaskedPaths_AreUnreadable()
    {
        string privateRoot = Fixture.CreatePrivateRootfs();
        Directory.CreateDirectory(Path.Combine(privateRoot, "secret"));
        File.WriteAllText(Path.Combine(privateRoot, "secret", "key"), "hidden");
        File.WriteAllText(Path.Combine(privateRoot, "etc", "token"), "hidden too");
        RuntimeSpec spec = Spec("sh", "-c", "ls -A /secret | wc -l; cat /etc/token | wc -c; echo x > /secret/new");
        spec.Root!.Path = privateRoot;
        spec.Linux!.MaskedPaths!.AddRange(["/secret", "/etc/token", "/does/not/exist"]);

        var (status, stdout, stderr) = await RunToEndAsync(spec);

        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).Should().Equal("0", "0");
        stderr.Should().Contain("Read-only file system");
        status.ExitCode.Should().NotBe(0);
    }

    [Fact]
    public async Task Run_ReadonlyPaths_RefuseWrites()
    {
        string privateRoot = Fixture.CreatePrivateRootfs();
        RuntimeSpec spec = Spec("sh", "-c", "echo x > /tmp/file");
        spec.Root = new Root { Path = privateRoot, Readonly = false };
        spec.Linux!.ReadonlyPaths!.Add("/tmp");

        var (status, _, stderr) = await RunToEndAsync(spec);

        status.ExitCode.Should().NotBe(0);
        stderr.Should().Contain("Read-only file system");
    }

    [Fact]
    public async Task Run_EnvCwdUser_Applied()
    {
        RuntimeSpec spec = Spec("sh", "-c", "echo $GREETING; pwd; id -u; id -g; id -G; umask");
        spec.Process!.Env!.Add("GREETING=hello there");
        spec.Process.Cwd = "/tmp";
        spec.Process.User = new User { Uid = 1000, Gid = 1001, AdditionalGids = [10, 20], Umask = Convert.ToUInt32("027", 8) };

        var (status, stdout, stderr) = await RunToEndAsync(spec);

        status.ExitCode.Should().Be(0, stderr);
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal("hello there", "/tmp", "1000", "1001", "1001 10 20", "0027");
    }

    [Fact]
    public async Task Run_MissingCwd_IsCreated()
    {
        string privateRoot = Fixture.CreatePrivateRootfs();
        RuntimeSpec spec = Spec("pwd");
        spec.Root!.Path = privateRoot;
        spec.Process!.Cwd = "/work/dir";

        var (_, stdout, _) = await RunToEndAsync(spec);

        stdout.Trim().Should().Be("/work/dir");
    }

    [Fact]
    public async Task Run_Devices_DefaultsAndLinksPresent()
    {
        var (status, stdout, stderr) = await RunToEndAsync(Spec("sh", "-c",
            "for d in null zero full random urandom tty; do stat -c '%n %F %t:%T %a' /dev/$d; done; for l in fd stdin ptmx; do readlink /dev/$l; done; echo hi > /dev/null && head -c 4 /dev/zero | wc -c"));

        status.ExitCode.Should().Be(0, stderr);
        stdout.Should().Contain("/dev/null character special file 1:3 666")
            .And.Contain("/dev/urandom character special file 1:9 666")
            .And.Contain("/dev/tty character special file 5:0 666")
            .And.Contain("/proc/self/fd\n/proc/self/fd/0\npts/ptmx\n")
            .And.EndWith("4\n");
    }

    [Fact]
    public async Task Run_Sysctl_AppliedInsideOnly()
    {
        string hostValue = File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim();
        string wanted = hostValue == "1" ? "0" : "1";
        RuntimeSpec spec = Spec("cat", "/proc/sys/net/ipv4/ip_forward");
        spec.Linux!.Sysctl = new() { ["net.ipv4.ip_forward"] = wanted };

        var (_, stdout, _) = await RunToEndAsync(spec);

        stdout.Trim().Should().Be(wanted);
        File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim().Should().Be(hostValue);
    }

    [Fact]
    public async Task Run_Rlimit_Applied()
    {
        RuntimeSpec spec = Spec("sh", "-c", "ulimit -n; ulimit -Hn");
        spec.Process!.Rlimits = [new PosixRlimit { Type = "RLIMIT_NOFILE", Soft = 321, Hard = 654 }];

        var (_, stdout, _) = await RunToEndAsync(spec);

        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal("321", "654");
    }

    [Fact]
    public async Task Run_SymlinkEscapingRootfs_MountStaysInside()
    {
        string hostDir = Directory.CreateTempSubdirectory("lc-escape-target-").FullName;
        string privateRoot = Fixture.CreatePrivateRootfs();
        try
        {
            // An image planting "escape -> /<host dir>" hopes the mount lands on the host.
            File.CreateSymbolicLink(Path.Combine(privateRoot, "escape"), hostDir);
            RuntimeSpec spec = Spec("sh", "-c", "echo inside > /escape/sub/proof && cat /escape/sub/proof");
            spec.Root = new Root { Path = privateRoot, Readonly = false };
            spec.Mounts!.Add(new Mount { Destination = "/escape/sub", Type = "tmpfs", Source = "tmpfs" });

            var (status, stdout, stderr) = await RunToEndAsync(spec);

            status.ExitCode.Should().Be(0, stderr);
            stdout.Should().Be("inside\n");
            Directory.EnumerateFileSystemEntries(hostDir).Should().BeEmpty("nothing may be created or mounted on the host through the symlink");
            Directory.Exists(Path.Combine(privateRoot, hostDir.TrimStart('/'), "sub")).Should().BeTrue("the target resolves inside the rootfs");
        }
        finally
        {
            Directory.Delete(hostDir, recursive: true);
        }
    }

    [Fact]
    public async Task Run_NoPivotRoot_Works()
    {
        RuntimeSpec spec = Spec("sh", "-c", "echo $$; ls /");

        IContainer container = await CreateAsync(spec, Piped with { NoPivotRoot = true });
        await container.StartAsync(Token);
        string stdout = await ReadAllAsync(container.InitProcess.StandardOutput!);

        stdout.Should().StartWith("1\n").And.Contain("bin");
    }

    [Fact]
    public async Task Run_Process_LeadsASessionOfItsOwn()
    {
        // As runc's init: setsid in the child, so no terminal signal of the caller's session reaches it.
        var (status, stdout, _) = await RunToEndAsync(Spec("sh", "-c", "cut -d' ' -f6 /proc/1/stat"));

        status.ExitCode.Should().Be(0);
        stdout.Should().Be("1\n", "the container's pid 1 is its session's leader");
    }

    [Fact]
    public async Task Run_StdinOnHostDevNull_ReopenedOnTheContainersDevNull()
    {
        // The mount of fd 0's file must be one of the container's (its /dev), as runc's init arranges.
        RuntimeSpec spec = Spec("sh", "-c", "m=$(sed -n 's/^mnt_id:[[:space:]]*//p' /proc/self/fdinfo/0); grep \"^$m \" /proc/self/mountinfo | cut -d' ' -f5");
        IContainer container = await RunAsync(spec, new ContainerOptions { Stdin = StdioMode.Null, Stdout = StdioMode.Pipe });

        string stdout = await ReadAllAsync(container.InitProcess.StandardOutput!);

        stdout.Should().Be("/dev\n");
    }

    [Fact]
    public async Task Run_NewNetworkNamespace_LoopbackIsUp()
    {
        // As runc and crun: 127.0.0.1 works in a container with its own network namespace.
        var (status, stdout, _) = await RunToEndAsync(Spec("cat", "/sys/class/net/lo/flags"));

        status.ExitCode.Should().Be(0);
        stdout.Should().Be("0x9\n", "IFF_UP | IFF_LOOPBACK");
    }
}
