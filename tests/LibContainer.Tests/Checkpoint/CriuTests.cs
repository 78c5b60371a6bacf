using FluentAssertions;
using LibContainer.Cgroups;
using LibContainer.Checkpoint;
using LibContainer.Init;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Checkpoint;

public sealed class CriuTests
{
    [Theory]
    [InlineData("Version: 4.1.1\n", "4.1.1")]
    [InlineData("Version: 3.17.1\nGitID: v3.17.1\n", "3.17.1")]
    [InlineData("Version: 3.15\n", "3.15.0")]
    [InlineData("Version: 4.2-rc1\n", "4.2.0")]
    public void ParseVersion_CriuVersionOutput_ReadsIt(string output, string expected)
    {
        Criu.ParseVersion(output).Should().Be(Version.Parse(expected));
    }

    [Theory]
    [InlineData("")]
    [InlineData("criu: command not understood\n")]
    public void ParseVersion_NoVersionLine_Null(string output)
    {
        Criu.ParseVersion(output).Should().BeNull();
    }

    [Theory]
    [InlineData("3.14.0", "6.1", "need 3.15 or later")]
    [InlineData("3.17.1", "6.18", "kernel 6.18 needs CRIU 4.0 or later")]
    [InlineData("3.17.1", "6.12", null)]
    [InlineData("3.17.1", null, null)]
    [InlineData("4.1.1", "6.18", null)]
    public void TooOld_ByVersionAndKernel(string criu, string? kernel, string? reason)
    {
        string? why = Criu.TooOld(Version.Parse(criu), kernel is null ? null : Version.Parse(kernel));

        if (reason is null)
        {
            why.Should().BeNull();
        }
        else
        {
            why.Should().Contain(reason);
        }
    }

    [Fact]
    public void DumpArguments_Defaults_DumpTheTreeWithItsRootCgroupModeAndLog()
    {
        var options = new CheckpointOptions { ImagePath = "/img" };

        List<string> args = Criu.DumpArguments(options, 42, "/bundle/rootfs", freezeCgroup: null, []);

        args.Should().Equal("dump", "-t", "42", "-D", "/img", "-W", "/img", "-o", "dump.log", "-v4", "--root", "/bundle/rootfs", "--manage-cgroups=soft");
    }

    [Fact]
    public void DumpArguments_EveryOption_BecomesItsCriuFlag()
    {
        var options = new CheckpointOptions
        {
            ImagePath = "/img",
            WorkPath = "/work",
            LeaveRunning = true,
            TcpEstablished = true,
            ExternalUnixSockets = true,
            ShellJob = true,
            FileLocks = true,
            EmptyNetworkNamespace = true,
            ParentPath = "../pre",
            ManageCgroupsMode = CriuCgroupMode.Strict,
        };

        List<string> args = Criu.DumpArguments(options, 7, "/r", "/sys/fs/cgroup/unified/c1", ["/etc/hosts", "/data"],
            [("network", 4026532008UL), ("pid", 4026532100UL)]);

        args.Should().ContainInOrder("-W", "/work");
        args.Should().Contain(["--manage-cgroups=strict", "--leave-running", "--tcp-established", "--ext-unix-sk", "--shell-job", "--file-locks", "--track-mem"]);
        args.Should().ContainInOrder("--freeze-cgroup", "/sys/fs/cgroup/unified/c1");
        args.Should().ContainInOrder("--empty-ns", "net");
        args.Should().ContainInOrder("--prev-images-dir", "../pre");
        args.Should().ContainInOrder("--external", "mnt[/etc/hosts]:/etc/hosts", "--external", "mnt[/data]:/data");
        args.Should().ContainInOrder("--external", "net[4026532008]:extRootNetNS", "--external", "pid[4026532100]:extRootPidNS");
    }

    [Fact]
    public void DumpArguments_PreDump_IsItsOwnVerbWithMemoryTrackingAndNeverLeaveRunning()
    {
        var options = new CheckpointOptions { ImagePath = "/img", PreDump = true, LeaveRunning = true };

        List<string> args = Criu.DumpArguments(options, 7, "/r", null, []);

        args[0].Should().Be("pre-dump");
        args.Should().Contain("--track-mem").And.Contain("pre-dump.log").And.NotContain("--leave-running");
    }

    [Fact]
    public void RestoreArguments_RootTaskAsOurChild_CgroupsBindMountsAndPipes()
    {
        var options = new RestoreOptions { ImagePath = "/img", ManageCgroupsMode = CriuCgroupMode.Ignore };
        (string, string)[] cgroups = [("cpu", "/c2"), ("memory", "/process_api/abc/c2"), ("name=systemd", "/c2"), ("", "/c2")];

        List<string> args = Criu.RestoreArguments(options, "/bundle/rootfs", "/state/c2/restore.pid", cgroups,
            [("/etc/hosts", "/srv/hosts")], [(4, "pipe:[1234]")]);

        args.Should().StartWith(["restore", "-D", "/img", "-W", "/img", "-o", "restore.log", "-v4", "--root", "/bundle/rootfs", "--manage-cgroups=ignore"]);
        args.Should().Contain(["--restore-detached", "--restore-sibling"]);
        args.Should().ContainInOrder("--pidfile", "/state/c2/restore.pid");
        args.Should().ContainInOrder("--cgroup-root", "/c2", "--cgroup-root", "memory:/process_api/abc/c2");
        args.Count(a => a == "--cgroup-root").Should().Be(2, "only the hierarchies whose path differs get their own root");
        args.Should().ContainInOrder("--external", "mnt[/etc/hosts]:/srv/hosts");
        args.Should().ContainInOrder("--inherit-fd", "fd[4]:pipe:[1234]");
    }

    [Fact]
    public void LogTail_ErrorsFirstWithoutTheRlimitNoise_ThenTheLastLines()
    {
        string log = Path.Combine(Path.GetTempPath(), $"criu-{Guid.NewGuid():N}.log");
        File.WriteAllLines(log,
        [
            "(00.000001) Version: 4.1.1",
            "(00.059674) Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted",
            "(00.092357) Error (criu/cr-dump.c:1664): A session leader of 6432(1) is outside of its pid namespace",
            "(00.100000) Unlock network",
            "(00.134812) Error (criu/cr-dump.c:2111): Dumping FAILED.",
        ]);
        try
        {
            string tail = Criu.LogTail(log, "", lastLines: 1);

            tail.Should().NotContain("RLIMIT_NOFILE");
            tail.Should().Contain("A session leader of 6432(1) is outside of its pid namespace");
            tail.Split(Environment.NewLine).Should().HaveCount(2, "the last line is an error line already shown");
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public void LogTail_NoLog_CriusOwnOutput()
    {
        Criu.LogTail("/nonexistent/restore.log", "Error (criu/config.c:1068): invalid argument for -t: -D\n")
            .Should().Contain("invalid argument for -t");
    }

    [Fact]
    public void Descriptors_WrittenAndRead_AsRuncAndCrunKeepThem()
    {
        string dir = Directory.CreateTempSubdirectory("criu-descriptors-").FullName;
        try
        {
            Criu.WriteDescriptors(dir, Environment.ProcessId);

            string json = File.ReadAllText(Path.Combine(dir, Criu.DescriptorsFile));
            json.Should().StartWith("[\"").And.EndWith("\"]");
            Criu.ReadDescriptors(dir).Should().HaveCount(3).And.OnlyContain(d => d.Length > 0);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ReadDescriptors_NoFile_Empty()
    {
        Criu.ReadDescriptors("/nonexistent").Should().BeEmpty();
    }

    [Fact]
    public void BindMounts_BindTypeOrOption_WithSourcesAgainstTheBundle()
    {
        var spec = new RuntimeSpec
        {
            OciVersion = RuntimeSpec.CurrentOciVersion,
            Mounts =
            [
                new Mount { Destination = "/proc", Type = "proc", Source = "proc" },
                new Mount { Destination = "/etc/hosts", Type = "bind", Source = "hosts", Options = ["ro"] },
                new Mount { Destination = "/data", Source = "/srv/data", Options = ["rbind", "rw"] },
                new Mount { Destination = "/tmp", Type = "tmpfs", Source = "tmpfs" },
            ],
        };

        PlanBuilder.BindMounts(spec, "/bundles/web").Should().Equal(("/etc/hosts", "/bundles/web/hosts"), ("/data", "/srv/data"));
    }

    [Fact]
    public void HierarchyPaths_RelativePath_EachHierarchysOwnPathAndName()
    {
        CgroupLayout layout = CgroupLayout.Parse(
        [
            "29 28 0:26 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw",
            "30 28 0:27 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd",
            "33 28 0:30 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct",
            "35 28 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory",
        ],
        ["9:name=systemd:/", "4:memory:/process_api/abc", "2:cpu,cpuacct:/", "0::/"]);

        CgroupManager manager = CgroupManager.ForNewContainer(layout, null, "c2");

        manager.HierarchyPaths().Should().BeEquivalentTo(new[]
        {
            ("name=systemd", "/c2"),
            ("cpu,cpuacct", "/c2"),
            ("memory", "/process_api/abc/c2"),
            ("", "/c2"),
        });
    }
}
