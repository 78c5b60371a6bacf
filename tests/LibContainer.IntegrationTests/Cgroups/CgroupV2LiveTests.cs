using System.Text.Json;
using LibContainer.Cgroups;
using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Spec;

namespace LibContainer.IntegrationTests.Cgroups;

/// <summary>
/// The cgroup2 hierarchy of these machines holds only hugetlb, yet freeze, kill and procs work
/// there; every container gets a directory in it. These tests use it directly, and the v1 ones too.
/// </summary>
public sealed class CgroupV2LiveTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    [Fact]
    public async Task UnifiedDirectory_FreezeProcsAndKill_WorkLive()
    {
        IContainer container = await RunAsync(Spec("sh", "-c", "sleep 100 & while :; do :; done"));
        string unified = UnifiedDirectory(container);
        await WaitUntilAsync(() => ReadProcs(unified).Count == 2);

        ReadProcs(unified).Should().Contain(container.InitProcess.Pid, "cgroup.procs lists the container's processes");

        var freezer = new Freezer.V2(unified);
        await freezer.FreezeAsync(Token);
        freezer.IsFrozen.Should().BeTrue();
        ulong frozenCpu = (await container.GetStatsAsync(Token)).Cpu.TotalUsage;
        await Task.Delay(200, Token);
        (await container.GetStatsAsync(Token)).Cpu.TotalUsage.Should().Be(frozenCpu, "a frozen busy loop uses no cpu");
        await freezer.ThawAsync(Token);
        freezer.IsFrozen.Should().BeFalse();

        File.WriteAllText(Path.Combine(unified, "cgroup.kill"), "1");
        ExitStatus status = await container.InitProcess.WaitForExitAsync(Token);
        status.Signal.Should().Be((int)Signal.Kill);
        await WaitUntilAsync(() => ReadProcs(unified).Count == 0);
    }

    [Fact]
    public async Task InitAndExec_InTheContainersCgroupOfEveryHierarchy()
    {
        // Neither is moved by a cgroup.procs write of the library: the init is born in the unified
        // directory and writes "0" to each v1 tasks file itself (Init/CgroupJoin); so does an exec.
        IContainer container = await RunAsync(Spec("sleep", "100"));
        IProcess exec = await container.ExecAsync(ExecTests.ExecProcess("sleep", "100"), cancellationToken: Token);
        List<string> directories = StateList(container, "cgroupDirectories");
        directories.Should().HaveCountGreaterThan(1);

        foreach (string directory in directories)
        {
            ReadProcs(directory).Should().BeEquivalentTo([container.InitProcess.Pid, exec.Pid], $"{directory} holds both, and nothing else");
        }
    }

    [Fact]
    public async Task Destroy_RemovesEveryCgroupDirectoryItMade()
    {
        IContainer container = await RunAsync(Spec("sleep", "100"));
        List<string> directories = StateList(container, "cgroupDirectories");
        directories.Should().Contain(d => d.StartsWith("/sys/fs/cgroup/memory/", StringComparison.Ordinal))
            .And.Contain(d => d.StartsWith("/sys/fs/cgroup/unified/", StringComparison.Ordinal));
        directories.Should().OnlyContain(d => Directory.Exists(d));

        await container.DestroyAsync(Token);

        directories.Should().OnlyContain(d => !Directory.Exists(d));
    }

    [Fact]
    public async Task CgroupsPath_AbsoluteAndExisting_NotRemovedOnDestroy()
    {
        string parent = $"/lc-it-{Guid.NewGuid():N}";
        string pidsParent = "/sys/fs/cgroup/pids" + parent;
        Directory.CreateDirectory(pidsParent);
        try
        {
            RuntimeSpec spec = Spec("sleep", "100");
            spec.Linux!.CgroupsPath = parent + "/web";
            IContainer container = await RunAsync(spec);
            File.ReadAllText($"/proc/{container.InitProcess.Pid}/cgroup").Should().Contain($"pids:{parent}/web");

            await container.DestroyAsync(Token);

            Directory.Exists(pidsParent + "/web").Should().BeFalse("the container's own directory was made by create");
            Directory.Exists(pidsParent).Should().BeTrue("a cgroup the library did not create is never removed");
        }
        finally
        {
            foreach (string hierarchy in Directory.EnumerateDirectories("/sys/fs/cgroup"))
            {
                if (Directory.Exists(hierarchy + parent))
                {
                    Directory.Delete(hierarchy + parent);
                }
            }
        }
    }

    [Fact]
    public async Task CgroupsPath_ClimbingOutWithDotDot_StaysInsideEachHierarchy()
    {
        // runc's CleanPath: ".." stops at each hierarchy's root. Before, the library joined the path to
        // the mount point as it was and made (as root) directories outside the cgroup file systems.
        string name = $"lc-it-{Guid.NewGuid():N}";
        string outside = Path.Combine(Path.GetTempPath(), name);
        RuntimeSpec spec = Spec("sleep", "100");
        spec.Linux!.CgroupsPath = $"/../../../../../..{outside}/web";
        try
        {
            IContainer container = await RunAsync(spec);

            Directory.Exists(outside).Should().BeFalse("nothing is made outside /sys/fs/cgroup");
            List<string> directories = StateList(container, "cgroupDirectories");
            directories.Should().Contain($"/sys/fs/cgroup/pids{outside}/web").And.OnlyContain(d => d.StartsWith("/sys/fs/cgroup/", StringComparison.Ordinal));
            File.ReadAllText($"/proc/{container.InitProcess.Pid}/cgroup").Should().Contain($"pids:{outside}/web");

            await container.DestroyAsync(Token);

            directories.Should().OnlyContain(d => !Directory.Exists(d));
        }
        finally
        {
            // What a failed run may have left, deepest first; the temp directory's own cgroup only if empty.
            foreach (string hierarchy in Directory.EnumerateDirectories("/sys/fs/cgroup"))
            {
                foreach (string d in new[] { hierarchy + outside + "/web", hierarchy + outside, hierarchy + Path.GetDirectoryName(outside) }.Where(Directory.Exists))
                {
                    try
                    {
                        Directory.Delete(d);
                    }
                    catch (IOException)
                    {
                        // not empty: another test's
                    }
                }
            }
        }
    }

    [Fact]
    public async Task HugepageLimit_WrittenThroughTheVersionThatServesHugetlb()
    {
        RuntimeSpec spec = Spec("sleep", "100");
        spec.Linux!.Resources = new LinuxResources { HugepageLimits = [new LinuxHugepageLimit { PageSize = "2MB", Limit = 4L << 20 }] };

        IContainer container = await RunAsync(spec);

        string file = StateList(container, "cgroupDirectories")
            .Select(d => Path.Combine(d, "hugetlb.2MB.max"))
            .Concat(StateList(container, "cgroupDirectories").Select(d => Path.Combine(d, "hugetlb.2MB.limit_in_bytes")))
            .First(File.Exists);
        File.ReadAllText(file).Trim().Should().Be((4L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture));
        (await container.GetStatsAsync(Token)).Hugetlb.Should().ContainKey("2MB");
    }

    [Fact]
    public async Task DevicesV1_DenyAll_DeviceNotInTheDefaultsRefused()
    {
        // runc's defaults allow mknod of anything, but reading /dev/mem (1:1) is not allowed.
        RuntimeSpec spec = Spec("sh", "-c", "mknod /dev/lc-mem c 1 1 && echo made && head -c 1 /dev/lc-mem");
        spec.Process!.Capabilities!.Bounding!.Add("CAP_MKNOD");
        spec.Process.Capabilities.Effective!.Add("CAP_MKNOD");
        spec.Process.Capabilities.Permitted!.Add("CAP_MKNOD");

        var (status, stdout, stderr) = await RunToEndAsync(spec);

        stdout.Should().Contain("made", "the device cgroup allows mknod");
        status.ExitCode.Should().NotBe(0);
        stderr.Should().Contain("Operation not permitted", "but not reading it");
    }

    [Fact]
    public async Task CpuQuota_ThrottlingAndPerCpuStatsReported()
    {
        RuntimeSpec spec = Spec("sh", "-c", "while :; do :; done");
        spec.Linux!.Resources = new LinuxResources { Cpu = new LinuxCpu { Quota = 10_000, Period = 100_000 } };
        IContainer container = await RunAsync(spec);
        await Task.Delay(500, Token);

        ContainerStats stats = await container.GetStatsAsync(Token);

        stats.Cpu.ThrottledPeriods.Should().BeGreaterThan(0);
        stats.Cpu.PerCpuUsage.Should().HaveCount(Environment.ProcessorCount);
        stats.Cpu.UserUsage.Should().BeGreaterThan(0);
    }

    private string UnifiedDirectory(IContainer container) =>
        StateList(container, "cgroupDirectories").Single(d => d.StartsWith("/sys/fs/cgroup/unified/", StringComparison.Ordinal));

    private List<string> StateList(IContainer container, string name)
    {
        using JsonDocument state = JsonDocument.Parse(File.ReadAllText(Path.Combine(StateRoot, container.Id, "state.json")));
        return state.RootElement.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    private static List<int> ReadProcs(string directory) =>
        File.ReadAllLines(Path.Combine(directory, "cgroup.procs")).Where(l => l.Length > 0).Select(int.Parse).ToList();
}
