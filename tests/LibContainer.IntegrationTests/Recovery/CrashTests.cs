using System.Diagnostics;
using System.Globalization;
using LibContainer.IntegrationTests.Infrastructure;
using LibContainer.Testing;

namespace LibContainer.IntegrationTests.Recovery;

/// <summary>
/// Crash consistency: a host that creates, runs, execs, pauses and destroys (LibContainer.CrashHost)
/// is SIGKILLed at every step that changes the host (a test-only kill point) and at random times;
/// after each, a fresh factory lists the container (or nothing), Load+Destroy removes it, and nothing
/// is left: state directory, cgroup directories, mounts, processes, zombies. This test process is a
/// child subreaper meanwhile, as containerd's shim and a daemon are: the dead host's orphans come to
/// it, so every process of the trial can be accounted for.
/// </summary>
[Collection(HostWideChecks.Name)]
public sealed class CrashTests(RootfsFixture rootfs) : ContainerTest(rootfs)
{
    private static int s_trial;

    private static readonly string[] s_killPoints =
    [
        "create.mkdir", "create.config", "create.spawn", "create.pid", "create.state",
        "create.cgroup-mkdir:1", "create.cgroup-mkdir:4", "create.cgroup-mkdir:9",
        "create.cgroups", "create.go", "create.ready", "create.created",
        "start.open", "start.byte", "start.unlink",
        "exec.pid", "exec.go", "pause.frozen",
        "destroy.killed", "destroy.exited", "destroy.cgroup-rmdir:1", "destroy.cgroup-rmdir:5", "destroy.delete-file:1", "destroy.delete-file:2",
    ];

    public static TheoryData<string> KillPoints => new(s_killPoints);

    [Theory]
    [MemberData(nameof(KillPoints))]
    public async Task KilledAtStep_LeftoversListLoadAndDestroy(string point)
    {
        ProcessResult result = await TrialAsync(point, killAfter: null);

        result.Signal.Should().Be(9, $"the host must reach {point} and die there; its output: {result.Output}");
    }

    [Fact]
    public async Task KilledAtRandomTimes_LeftoversListLoadAndDestroy()
    {
        // benchmarks/crash-campaign.sh sets LIBCONTAINER_CRASH_TRIALS (hundreds), and mixes in kill points.
        (int trials, bool campaign) = CampaignTrials(12);
        var random = new Random(Environment.TickCount);
        for (int i = 0; i < trials; i++)
        {
            string? point = campaign && random.Next(2) == 0 ? s_killPoints[random.Next(s_killPoints.Length)] : null;
            ProcessResult result = await TrialAsync(point, killAfter: point is null ? TimeSpan.FromMilliseconds(150 + random.Next(1200)) : null);
            Report($"library trial {i + 1}/{trials}: {point ?? "time"}: {(result.Signal is 9 ? "killed" : "completed")}, nothing left");
        }
    }

    /// <summary>The trial count: LIBCONTAINER_CRASH_TRIALS for a campaign, else the CI's.</summary>
    internal static (int Trials, bool Campaign) CampaignTrials(int ci) =>
        int.TryParse(Environment.GetEnvironmentVariable("LIBCONTAINER_CRASH_TRIALS"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? (n, true)
            : (ci, false);

    /// <summary>One line per campaign trial into $LIBCONTAINER_CRASH_LOG, which the campaign script counts.</summary>
    internal static void Report(string line)
    {
        if (Environment.GetEnvironmentVariable("LIBCONTAINER_CRASH_LOG") is { Length: > 0 } log)
        {
            File.AppendAllText(log, line + "\n");
        }
    }

    private sealed record ProcessResult(int? Signal, string Output);

    private async Task<ProcessResult> TrialAsync(string? point, TimeSpan? killAfter)
    {
        int trial = Interlocked.Increment(ref s_trial);
        string id = NewId();
        string sleep = (4_000_000 + (Environment.ProcessId % 1000) * 1000 + trial).ToString(CultureInfo.InvariantCulture);
        ChildSubreaper.Set(true);
        try
        {
            ProcessResult result = await RunHostAsync(id, sleep, point, killAfter);
            await RecoverAndCheckAsync(id, sleep, $"{point ?? $"after {killAfter?.TotalMilliseconds} ms"}: {result.Output}");
            return result;
        }
        finally
        {
            ChildSubreaper.Set(false);
        }
    }

    private async Task<ProcessResult> RunHostAsync(string id, string sleep, string? point, TimeSpan? killAfter)
    {
        string host = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "LibContainer.CrashHost",
            new DirectoryInfo(AppContext.BaseDirectory).Name, "LibContainer.CrashHost.dll"));
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(dotnet, [host, StateRoot, Fixture.Rootfs!, id, killAfter is null ? "1" : "3", sleep])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment[CrashPoint.Variable] = point ?? "";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(Token);
        if (killAfter is { } delay)
        {
            await Task.Delay(delay, Token);
            Interop.Sys.Kill(process.Id, (int)Signal.Kill);
        }
        await process.WaitForExitAsync(Token).WaitAsync(TimeSpan.FromSeconds(60), Token);
        string output = (await stdout + await stderr).Trim().Replace('\n', ' ');
        return new ProcessResult(process.ExitCode > 128 ? process.ExitCode - 128 : null, output);
    }

    private async Task RecoverAndCheckAsync(string id, string sleep, string trial)
    {
        var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = StateRoot });
        IReadOnlyList<string> listed = await factory.ListAsync(Token);
        if (Directory.Exists(Path.Combine(StateRoot, id)))
        {
            listed.Should().Contain(id, $"a directory that holds the id lists ({trial})");
            IContainer container = await factory.LoadAsync(id, Token);
            _ = container.Status; // any status, but one: it must not throw
            _ = container.GetState();
            await container.DestroyAsync(Token).WaitAsync(TimeSpan.FromSeconds(30), Token);
            await container.DisposeAsync();
        }
        else
        {
            listed.Should().NotContain(id);
        }
        (await factory.ListAsync(Token)).Should().NotContain(id);
        await NothingLeftAsync(id, sleep, trial);
    }

    /// <summary>
    /// Nothing of the trial on the host: its state directory, its cgroup directories, mounts naming
    /// it, its program, and (once this subreaper reaped the host's orphans that ended, such as the
    /// init's stage 0) no child of ours at all. Processes the host's death orphaned end on their own
    /// (lc-init reads end of file on its socket): waited for, bounded.
    /// </summary>
    private async Task NothingLeftAsync(string id, string sleep, string trial)
    {
        List<string> left = [];
        for (int attempt = 0; attempt < 100; attempt++)
        {
            ReapZombieChildren();
            left.Clear();
            if (Directory.Exists(Path.Combine(StateRoot, id)))
            {
                left.Add($"state directory {id}");
            }
            left.AddRange(HostSnapshot.CgroupDirectories().Where(d => d.EndsWith("/" + id, StringComparison.Ordinal)).Select(d => $"cgroup {d}"));
            left.AddRange(File.ReadAllLines("/proc/self/mountinfo").Where(l => l.Contains(id, StringComparison.Ordinal)).Select(l => $"mount {l}"));
            left.AddRange(ProcessesRunning(sleep).Select(pid => $"process {pid} (sleep {sleep})"));
            left.AddRange(HostSnapshot.ChildPids().Select(pid => $"child {pid} ({Comm(pid)})"));
            if (left.Count == 0)
            {
                return;
            }
            await Task.Delay(30, Token);
        }
        left.Should().BeEmpty($"nothing of the trial may be left ({trial})");
    }

    private static IEnumerable<int> ProcessesRunning(string sleep)
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }
            string? cmdline = null;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
            }
            catch (IOException)
            {
            }
            if (cmdline == $"sleep\0{sleep}\0")
            {
                yield return pid;
            }
        }
    }

    private static string Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Split(' ')[1..3] is var f ? string.Join(' ', f) : "";
        }
        catch (IOException)
        {
            return "gone";
        }
    }

    /// <summary>Reaps our children that have ended: as a subreaper this process inherits the dead host's orphans.</summary>
    private static void ReapZombieChildren()
    {
        foreach (int pid in HostSnapshot.ChildPids())
        {
            if (Comm(pid).EndsWith(" Z", StringComparison.Ordinal))
            {
                ChildSubreaper.Reap(pid);
            }
        }
    }
}
