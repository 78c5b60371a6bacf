using Lcd.Tests.Infrastructure;

namespace Lcd.Tests;

/// <summary>docker update against lcd: the stored HostConfig (inspect) and the container's own cgroup files, running and stopped; dockerd's refusals change nothing.</summary>
public sealed class DockerUpdateTests : DaemonTest
{
    private const string Limits = "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}";

    [Fact]
    public async Task Update_RunningContainer_InspectAndCgroupFilesHoldTheNewLimits()
    {
        await Cli.Ok(Docker("run", "-d", "--name", "upd", "busybox", "sleep", "300"));
        int pid = await InitPid("upd");
        string memoryBefore = CgroupFile(pid, "memory", "memory.limit_in_bytes");

        // dockerd's rule: a memory limit above the stored swap limit (none: 0) needs --memory-swap too.
        CliResult memoryAlone = await Docker("update", "--memory", "64m", "upd");
        string memoryAfterRefusal = CgroupFile(pid, "memory", "memory.limit_in_bytes");
        CliResult update = await Docker("update", "--memory", "64m", "--memory-swap", "128m", "--cpus", "0.5", "--pids-limit", "50", "--cpu-shares", "512", "upd");
        CliResult inspect = await Docker("inspect", "-f", Limits + " {{.HostConfig.CpuShares}}", "upd");
        string memory = CgroupFile(pid, "memory", "memory.limit_in_bytes");
        string memsw = CgroupFile(pid, "memory", "memory.memsw.limit_in_bytes");
        string quota = CgroupFile(pid, "cpu", "cpu.cfs_quota_us");
        string period = CgroupFile(pid, "cpu", "cpu.cfs_period_us");
        string shares = CgroupFile(pid, "cpu", "cpu.shares");
        string pids = CgroupFile(pid, "pids", "pids.max");
        CliResult unlimited = await Docker("update", "--pids-limit", "-1", "upd");
        string pidsUnlimited = CgroupFile(pid, "pids", "pids.max");
        await Cli.Ok(Docker("rm", "-f", "upd"));

        memoryAlone.ExitCode.Should().NotBe(0);
        memoryAlone.Stderr.Should().Contain("Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
        memoryAfterRefusal.Should().Be(memoryBefore, "a refused update writes nothing");
        update.ExitCode.Should().Be(0, update.Stderr);
        update.Stdout.Should().Be("upd\n");
        inspect.Stdout.Trim().Should().Be("67108864 134217728 500000000 50 512");
        memory.Should().Be("67108864");
        memsw.Should().Be("134217728");
        quota.Should().Be("50000");
        period.Should().Be("100000");
        shares.Should().Be("512");
        pids.Should().Be("50");
        unlimited.ExitCode.Should().Be(0, unlimited.Stderr);
        pidsUnlimited.Should().Be("max", "-1 is unlimited, as dockerd");
    }

    [Fact]
    public async Task Update_StoppedContainer_StoredAndAppliedAtStart()
    {
        await Cli.Ok(Docker("create", "--name", "later", "--memory", "32m", "busybox", "sleep", "300"));
        string before = (await Docker("inspect", "-f", Limits, "later")).Stdout.Trim();

        // 48m is under the stored swap limit (dockerd's default: twice --memory), so --memory alone is fine.
        CliResult update = await Docker("update", "--memory", "48m", "--cpus", "0.25", "--pids-limit", "20", "--restart", "on-failure:3", "later");
        string stored = (await Docker("inspect", "-f", Limits, "later")).Stdout.Trim();
        string policy = (await Docker("inspect", "-f", "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}", "later")).Stdout.Trim();
        await Cli.Ok(Docker("start", "later"));
        int pid = await InitPid("later");
        string memory = CgroupFile(pid, "memory", "memory.limit_in_bytes");
        string memsw = CgroupFile(pid, "memory", "memory.memsw.limit_in_bytes");
        string quota = CgroupFile(pid, "cpu", "cpu.cfs_quota_us");
        string pids = CgroupFile(pid, "pids", "pids.max");
        await Cli.Ok(Docker("rm", "-f", "later"));

        before.Should().Be("33554432 67108864 0 0");
        update.ExitCode.Should().Be(0, update.Stderr);
        stored.Should().Be("50331648 67108864 250000000 20");
        policy.Should().Be("on-failure 3");
        memory.Should().Be("50331648");
        memsw.Should().Be("67108864");
        quota.Should().Be("25000");
        pids.Should().Be("20");
    }

    [Fact]
    public async Task Update_BadInput_DockerdsErrorAndNothingChanged()
    {
        await Cli.Ok(Docker("run", "-d", "--name", "bad", "--cpus", "0.5", "busybox", "sleep", "300"));
        int pid = await InitPid("bad");
        string inspectBefore = (await Docker("inspect", "-f", Limits, "bad")).Stdout.Trim();
        string[] filesBefore = [CgroupFile(pid, "memory", "memory.limit_in_bytes"), CgroupFile(pid, "cpu", "cpu.cfs_quota_us"), CgroupFile(pid, "pids", "pids.max")];

        CliResult tiny = await Docker("update", "--memory", "1k", "--pids-limit", "7", "bad");
        CliResult period = await Docker("update", "--cpu-period", "100", "bad");
        CliResult quotaAfterCpus = await Docker("update", "--cpu-quota", "20000", "bad");
        CliResult tooManyCpus = await Docker("update", "--cpus", "1000", "bad");
        CliResult cpuset = await Docker("update", "--cpuset-cpus", "0-", "bad");
        CliResult unknown = await Docker("update", "--pids-limit", "7", "nosuch");
        await Cli.Ok(Docker("run", "-d", "--rm", "--name", "auto", "busybox", "sleep", "300"));
        CliResult autoRemove = await Docker("update", "--restart", "always", "auto");
        string autoPolicy = (await Docker("inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", "auto")).Stdout.Trim();
        await Cli.Ok(Docker("rm", "-f", "auto"));
        string inspectAfter = (await Docker("inspect", "-f", Limits, "bad")).Stdout.Trim();
        string[] filesAfter = [CgroupFile(pid, "memory", "memory.limit_in_bytes"), CgroupFile(pid, "cpu", "cpu.cfs_quota_us"), CgroupFile(pid, "pids", "pids.max")];
        CliResult ps = await Docker("ps", "-q", "--filter", "name=bad");
        await Cli.Ok(Docker("rm", "-f", "bad"));

        tiny.ExitCode.Should().NotBe(0);
        tiny.Stderr.Should().Contain("Minimum memory limit allowed is 6MB");
        period.Stderr.Should().Contain("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
        quotaAfterCpus.Stderr.Should().Contain("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
        tooManyCpus.Stderr.Should().Contain("Range of CPUs is from 0.01 to");
        cpuset.Stderr.Should().Contain("Invalid value 0- for cpuset cpus");
        unknown.ExitCode.Should().NotBe(0);
        unknown.Stderr.Should().Contain("No such container: nosuch");
        autoRemove.Stderr.Should().Contain("Restart policy cannot be updated because AutoRemove is enabled for the container");
        autoPolicy.Should().BeOneOf("", "no");
        inspectAfter.Should().Be(inspectBefore).And.Be("0 0 500000000 0");
        filesAfter.Should().Equal(filesBefore, "a refused update writes no cgroup file");
        filesBefore[1].Should().Be("50000");
        ps.Stdout.Trim().Should().NotBeEmpty("the container and the daemon go on");
    }

    private async Task<int> InitPid(string name) =>
        int.Parse((await Cli.Ok(Docker("inspect", "-f", "{{.State.Pid}}", name))).Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A v1 controller's file of the cgroup the container's init is in (/proc/PID/cgroup: "N:controllers:/path").</summary>
    private static string CgroupFile(int pid, string controller, string file)
    {
        foreach (string line in File.ReadAllLines($"/proc/{pid}/cgroup"))
        {
            string[] parts = line.Split(':', 3);
            if (parts[1].Split(',').Contains(controller))
            {
                return File.ReadAllText(Path.Combine("/sys/fs/cgroup", parts[1], parts[2].TrimStart('/'), file)).Trim();
            }
        }
        throw new InvalidOperationException($"pid {pid} is in no v1 {controller} cgroup");
    }
}
