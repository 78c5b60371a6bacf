using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Lcrun.Tests.Infrastructure;
using LibContainer.Testing;

namespace Lcrun.Tests;

/// <summary>Crash tests run alone: this process becomes a child subreaper while they run.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCrashTests
{
    public const string Name = "lcrun crash consistency";
}

/// <summary>
/// Crash consistency through lcrun: create, start, exec, pause, resume, delete (and run -d), with
/// the lcrun of the moment SIGKILLed at a step (the library's test-only kill point,
/// LIBCONTAINER_TEST_CRASH_AT) or at a random time; then `lcrun list` shows the container (or
/// nothing), `lcrun delete --force` succeeds and nothing is left. This process is a child subreaper
/// meanwhile and reaps the orphans that end, as containerd's shim does.
/// </summary>
[Collection(SerialCrashTests.Name)]
public sealed class CrashTests(LcrunFixture fixture) : LcrunTest(fixture)
{
    private const string CrashVariable = "LIBCONTAINER_TEST_CRASH_AT";
    private static int s_trial;
    private static int s_scriptSession; // the trial script's session: its orphans (a killed lcrun) are ours to reap

    private static readonly string[] s_killPoints =
    [
        "create.mkdir", "create.config", "create.spawn", "create.pid", "create.state", "create.cgroup-mkdir:3",
        "create.cgroups", "create.go", "create.ready", "create.created",
        "start.open", "start.byte", "start.unlink", "exec.pid", "exec.go", "pause.frozen",
        "destroy.killed", "destroy.exited", "destroy.cgroup-rmdir:2", "destroy.delete-file:1",
    ];

    public static TheoryData<string> KillPoints => new(s_killPoints);

    [Theory]
    [MemberData(nameof(KillPoints))]
    public async Task KilledAtStep_DeleteForceLeavesNothing(string point)
    {
        (int exitCode, string output) = await TrialAsync(point, killAfter: null);

        output.Should().Contain("Killed", $"an lcrun must reach {point} and die there (exit {exitCode})");
    }

    [Fact]
    public async Task KilledAtRandomTimes_DeleteForceLeavesNothing()
    {
        // benchmarks/crash-campaign.sh sets LIBCONTAINER_CRASH_TRIALS (hundreds), and mixes in kill points.
        (int trials, bool campaign) = int.TryParse(Environment.GetEnvironmentVariable("LIBCONTAINER_CRASH_TRIALS"), NumberStyles.None,
            CultureInfo.InvariantCulture, out int n) && n > 0 ? (n, true) : (10, false);
        var random = new Random(Environment.TickCount);
        for (int i = 0; i < trials; i++)
        {
            string? point = campaign && random.Next(2) == 0 ? s_killPoints[random.Next(s_killPoints.Length)] : null;
            (int exitCode, _) = await TrialAsync(point, killAfter: point is null ? TimeSpan.FromMilliseconds(20 + random.Next(400)) : null);
            if (Environment.GetEnvironmentVariable("LIBCONTAINER_CRASH_LOG") is { Length: > 0 } log)
            {
                File.AppendAllText(log, $"lcrun trial {i + 1}/{trials}: {point ?? "time"}: {(exitCode == 137 ? "killed" : "completed")}, nothing left\n");
            }
        }
    }

    private async Task<(int ExitCode, string Output)> TrialAsync(string? point, TimeSpan? killAfter)
    {
        int trial = Interlocked.Increment(ref s_trial);
        string id = NewId();
        string sleep = (5_000_000 + (Environment.ProcessId % 1000) * 1000 + trial).ToString(CultureInfo.InvariantCulture);
        WriteConfig(Spec("sleep", sleep));
        using var reaping = new CancellationTokenSource();
        ChildSubreaper.Set(true);
        Task reaper = ReapOrphansAsync(reaping.Token);
        try
        {
            (int exitCode, string output) = await RunScriptAsync(id, point, killAfter);
            string trialName = $"{point ?? $"after {killAfter?.TotalMilliseconds} ms"}: {output}";
            if (Directory.Exists(Path.Combine(Root, id)))
            {
                Ok("list", "-q").Stdout.Split('\n').Should().Contain(id, trialName);
                Ok("list");
                Ok("delete", "--force", id);
            }
            Ok("delete", "--force", id); // a second one: nothing there, still success
            Ok("list", "-q").Stdout.Should().NotContain(id);
            await NothingLeftAsync(id, sleep, trialName);
            return (exitCode, output);
        }
        finally
        {
            await reaping.CancelAsync();
            await reaper;
            ChildSubreaper.Set(false);
        }
    }

    /// <summary>The lifecycle as a shell script of lcrun calls, in its own process group (killed whole after a delay).</summary>
    private async Task<(int, string)> RunScriptAsync(string id, string? point, TimeSpan? killAfter)
    {
        const string Script = """
            exec >"$OUT" 2>&1 </dev/null
            set -e
            L() { "$LCRUN" --root "$ROOT" "$@"; }
            L create --bundle "$BUNDLE" "$ID"
            L start "$ID"
            L exec "$ID" true
            L exec -d "$ID" sleep 1
            L pause "$ID"
            L resume "$ID"
            L delete --force "$ID"
            L run -d --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
            L pause "$ID"
            L delete --force "$ID"
            """;
        // Output to a file: a detached container inherits lcrun's stdio and would hold a pipe open.
        string outputFile = Path.Combine(Dir, $"script-{Guid.NewGuid():N}.out");
        var start = new ProcessStartInfo("setsid", ["/bin/sh", "-c", Script]);
        start.Environment["OUT"] = outputFile;
        start.Environment["LCRUN"] = Fixture.Lcrun;
        start.Environment["ROOT"] = Root;
        start.Environment["BUNDLE"] = Bundle;
        start.Environment["ID"] = id;
        start.Environment[CrashVariable] = point ?? "";
        using Process script = Process.Start(start)!;
        s_scriptSession = script.Id; // setsid execs in place (we are no group leader): the script's pid is its session
        if (killAfter is { } delay)
        {
            await Task.Delay(delay);
            _ = kill(-script.Id, 9); // sh and the lcrun of the moment (the containers have sessions of their own)
        }
        await script.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        string output = File.Exists(outputFile) ? await File.ReadAllTextAsync(outputFile) : "";
        // sh reports a child killed by a signal as "Killed" only interactively: say it from the exit code.
        return (script.ExitCode, (script.ExitCode == 137 ? "Killed " : "") + output.Trim().Replace('\n', ' '));
    }

    private async Task NothingLeftAsync(string id, string sleep, string trial)
    {
        List<string> left = [];
        for (int attempt = 0; attempt < 100; attempt++)
        {
            left.Clear();
            if (Directory.Exists(Path.Combine(Root, id)))
            {
                left.Add($"state directory {id}");
            }
            left.AddRange(Directory.EnumerateDirectories("/sys/fs/cgroup", id, SearchOption.AllDirectories).Select(d => $"cgroup {d}"));
            left.AddRange(File.ReadAllLines("/proc/self/mountinfo").Where(l => l.Contains(id, StringComparison.Ordinal)).Select(l => $"mount {l}"));
            left.AddRange(Processes().Where(p => p.Cmdline == $"sleep\0{sleep}\0").Select(p => $"process {p.Pid} (sleep {sleep})"));
            left.AddRange(Processes().Where(p => p.Parent == Environment.ProcessId && p.Comm != "sh").Select(p => $"child {p.Pid} ({p.Comm} {p.State})"));
            if (left.Count == 0)
            {
                return;
            }
            await Task.Delay(30);
        }
        left.Should().BeEmpty($"nothing of the trial may be left ({trial})");
    }

    /// <summary>As a subreaper: reaps the orphans that end (container inits left by a detached create, lc-init's stage 0), never lcrun or sh, which Process reaps.</summary>
    private static async Task ReapOrphansAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var p in Processes())
            {
                if (p.Parent == Environment.ProcessId && p.State == 'Z' && p.Pid != s_scriptSession // the script itself is Process's
                    && (p.Session == s_scriptSession || p.Comm is not ("sh" or "lcrun" or "setsid")))
                {
                    ChildSubreaper.Reap(p.Pid);
                }
            }
            try
            {
                await Task.Delay(10, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private sealed record ProcInfo(int Pid, string Comm, char State, int Parent, int Session, string Cmdline);

    private static List<ProcInfo> Processes()
    {
        var list = new List<ProcInfo>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                int open = stat.IndexOf('(', StringComparison.Ordinal), close = stat.LastIndexOf(')');
                string[] fields = stat[(close + 2)..].Split(' ');
                list.Add(new ProcInfo(pid, stat[(open + 1)..close], fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture),
                    int.Parse(fields[3], CultureInfo.InvariantCulture),
                    File.ReadAllText(Path.Combine(dir, "cmdline"))));
            }
            catch (IOException)
            {
            }
        }
        return list;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
