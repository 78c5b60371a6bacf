using System.Globalization;
using Lcd.Tests.Infrastructure;

namespace Lcd.Tests;

/// <summary>
/// docker exec, run -t, attach, top, stats, pause/unpause, rename and events: the unmodified docker CLI
/// against lcd, on real containers. A terminal for the CLI comes from util-linux's script.
/// </summary>
public sealed class DockerExecTests : DaemonTest
{
    /// <summary>A shell line with the docker CLI on PATH as `docker` (pipes, stdin).</summary>
    private Task<CliResult> Shell(string line) =>
        Cli.RunAsync("/bin/sh", ["-c", line], new Dictionary<string, string> { ["DOCKER_HOST"] = Lcd.Host, ["D"] = Require.DockerCli() });

    /// <summary>A shell line run under script(1), so the docker CLI's stdin and stdout are a terminal of <paramref name="rows"/> x <paramref name="columns"/>.</summary>
    private Task<CliResult> InTerminal(string line, int rows = 24, int columns = 80)
    {
        if (!File.Exists("/usr/bin/script"))
        {
            Assert.Skip("/usr/bin/script is missing: apt-get install -y bsdutils (util-linux)");
        }
        string inner = $"stty rows {rows} cols {columns}; {line}";
        return Cli.RunAsync("/usr/bin/script", ["-qec", inner, "/dev/null"],
            new Dictionary<string, string> { ["DOCKER_HOST"] = Lcd.Host, ["D"] = Require.DockerCli() });
    }

    private async Task<string> RunDetachedAsync(string name, params string[] command)
    {
        CliResult run = await Docker(["run", "-d", "--name", name, "busybox", .. command]);
        run.ExitCode.Should().Be(0, run.Stderr);
        return run.Stdout.Trim();
    }

    [Fact]
    public async Task Exec_CommandStdinUserEnvWorkdir_AsDockerRunsThem()
    {
        await RunDetachedAsync("web", "sleep", "300");

        CliResult ls = await Docker("exec", "web", "ls", "/");
        ls.ExitCode.Should().Be(0, ls.Stderr);
        ls.Stdout.Split('\n').Should().Contain(["bin", "etc", "proc"]);

        CliResult stdin = await Shell("printf 'one\\ntwo\\n' | \"$D\" exec -i web sh -c 'wc -l; echo err >&2'");
        stdin.ExitCode.Should().Be(0, stdin.Stderr);
        stdin.Stdout.Trim().Should().Be("2");
        stdin.Stderr.Should().Be("err\n", "stdout and stderr come back as separate frames");

        CliResult who = await Docker("exec", "-u", "65534:65534", "-e", "GREETING=hi", "-w", "/tmp", "web", "sh", "-c", "echo $(id -u):$(id -g) $GREETING $(pwd) $PATH");
        who.ExitCode.Should().Be(0, who.Stderr);
        who.Stdout.Should().Be("65534:65534 hi /tmp /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n", "the container's env stays under the exec's");

        (await Docker("exec", "-u", "nobody", "web", "id", "-un")).Stdout.Should().Be("nobody\n", "a user name is found in the container's /etc/passwd");
        (await Docker("exec", "web", "sh", "-c", "exit 7")).ExitCode.Should().Be(7);

        CliResult missing = await Docker("exec", "web", "/no/such/program");
        missing.ExitCode.Should().Be(127, "the CLI's code for a program that is not there");
        (missing.Stdout + missing.Stderr).Should().Contain("/no/such/program");

        CliResult noUser = await Docker("exec", "-u", "nosuchuser", "web", "true");
        noUser.ExitCode.Should().NotBe(0);
        (noUser.Stdout + noUser.Stderr).Should().Contain("unable to find user nosuchuser");

        (await Docker("rm", "-f", "web")).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task ExecDetached_RunsOn_TopShowsIt()
    {
        await RunDetachedAsync("bg", "sleep", "300");

        CliResult detached = await Docker("exec", "-d", "bg", "sleep", "222");
        detached.ExitCode.Should().Be(0, detached.Stderr);
        detached.Stdout.Should().BeEmpty();

        CliResult top = await Docker("top", "bg");
        top.ExitCode.Should().Be(0, top.Stderr);
        string[] lines = top.Stdout.TrimEnd().Split('\n');
        lines[0].Should().MatchRegex(@"^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$", "ps -ef's titles");
        lines.Skip(1).Should().HaveCount(2).And.Contain(l => l.EndsWith("sleep 300", StringComparison.Ordinal)).And.Contain(l => l.EndsWith("sleep 222", StringComparison.Ordinal));

        CliResult custom = await Docker("top", "bg", "-o", "pid,comm");
        custom.Stdout.Split('\n')[0].Should().MatchRegex(@"^PID\s+COMMAND$");
        custom.Stdout.Should().Contain("sleep");

        (await Docker("rm", "-f", "bg")).ExitCode.Should().Be(0);
        CliResult gone = await Docker("top", "bg");
        gone.Stderr.Should().Contain("No such container: bg");
    }

    [Fact]
    public async Task RunWithTerminal_RawOutputAndResize()
    {
        CliResult run = await InTerminal("\"$D\" run --rm -t busybox sh -c 'tty; sleep 0.5; stty size; echo $TERM'", rows: 33, columns: 101);
        run.ExitCode.Should().Be(0, run.Stdout + run.Stderr);
        // A terminal's output: one stream, no frame headers, \n made \r\n by the container's terminal (and once more by script's).
        run.Stdout.Should().Contain("\r\r\n").And.NotContain("\u0001\u0000\u0000\u0000");
        run.Stdout.Replace("\r", "", StringComparison.Ordinal).Should().Contain("/dev/pts/0\n33 101\nxterm\n", "the CLI's resize reached the container's terminal");

        await RunDetachedAsync("term", "sleep", "300");
        CliResult exec = await InTerminal("\"$D\" exec -t term sh -c 'tty; sleep 0.5; stty size'", rows: 41, columns: 97);
        exec.ExitCode.Should().Be(0, exec.Stdout + exec.Stderr);
        exec.Stdout.Replace("\r", "", StringComparison.Ordinal).Should().MatchRegex(@"/dev/pts/\d+\n41 97\n");

        CliResult logs = await Docker("run", "-t", "--name", "ttylog", "busybox", "echo", "logged");
        logs.ExitCode.Should().Be(0, logs.Stderr);
        (await Docker("logs", "ttylog")).Stdout.Should().Be("logged\r\n", "a terminal's log is raw, as the CLI reads it for a -t container");
        (await Docker("rm", "-f", "term", "ttylog")).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task Attach_InteractiveTerminal_InputOutputAndDetachKeys()
    {
        CliResult started = await Docker("run", "-dit", "--name", "shell", "busybox", "sh");
        started.ExitCode.Should().Be(0, started.Stderr);

        // Input through the CLI's terminal; ctrl-p ctrl-q detaches (the container runs on).
        CliResult attach = await Shell("(sleep 1; printf 'echo marker-$((40+2))\\r'; sleep 1; printf '\\020\\021'; sleep 1) | script -qec '\"$D\" attach shell' /dev/null");
        attach.Stdout.Should().Contain("marker-42", "the shell got the input and its output came back");
        attach.Stdout.Should().Contain("read escape sequence", "the CLI saw the detach");
        (await Docker("inspect", "-f", "{{.State.Running}}", "shell")).Stdout.Trim().Should().Be("true");

        (await Docker("rm", "-f", "shell")).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task Attach_RunningContainer_GetsLiveOutputToTheEnd()
    {
        await RunDetachedAsync("talker", "sh", "-c", "sleep 3; echo late-line; echo late-err >&2; sleep 1");

        CliResult attach = await Docker("attach", "talker");

        attach.Stdout.Should().Be("late-line\n");
        attach.Stderr.Should().Be("late-err\n");
        attach.ExitCode.Should().Be(0);
        (await Docker("rm", "talker")).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task PauseUnpause_FreezesAndRefusesExec()
    {
        await RunDetachedAsync("frozen", "sleep", "300");

        (await Docker("pause", "frozen")).ExitCode.Should().Be(0);
        (await Docker("ps", "--format", "{{.Names}} {{.Status}}")).Stdout.Should().MatchRegex(@"^frozen Up .* \(Paused\)\n$");
        (await Docker("inspect", "-f", "{{.State.Status}} {{.State.Paused}} {{.State.Running}}", "frozen")).Stdout.Trim().Should().Be("paused true true");

        CliResult exec = await Docker("exec", "frozen", "true");
        exec.ExitCode.Should().NotBe(0);
        exec.Stderr.Should().Contain("is paused, unpause the container before exec");
        (await Docker("pause", "frozen")).Stderr.Should().Contain("is already paused");

        (await Docker("unpause", "frozen")).ExitCode.Should().Be(0);
        (await Docker("inspect", "-f", "{{.State.Status}} {{.State.Paused}}", "frozen")).Stdout.Trim().Should().Be("running false");
        (await Docker("exec", "frozen", "true")).ExitCode.Should().Be(0);
        (await Docker("unpause", "frozen")).Stderr.Should().Contain("is not paused");

        // A paused container still stops: SIGKILL after the timeout, then thawed so it can die.
        (await Docker("pause", "frozen")).ExitCode.Should().Be(0);
        (await Docker("stop", "-t", "1", "frozen")).ExitCode.Should().Be(0);
        (await Docker("inspect", "-f", "{{.State.Status}} {{.State.Paused}} {{.State.ExitCode}}", "frozen")).Stdout.Trim().Should().Be("exited false 137");
        (await Docker("rm", "frozen")).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task Rename_NewNameWorks_OldIsFree_ConflictsRefused()
    {
        string id = await RunDetachedAsync("before", "sleep", "300");
        await RunDetachedAsync("other", "sleep", "300");

        (await Docker("rename", "before", "after")).ExitCode.Should().Be(0);
        (await Docker("inspect", "-f", "{{.Id}} {{.Name}}", "after")).Stdout.Trim().Should().Be($"{id} /after");
        (await Docker("inspect", "before")).ExitCode.Should().NotBe(0);
        (await Docker("rename", "after", "other")).Stderr.Should().Contain("The container name \"/other\" is already in use");
        (await Docker("rename", "after", "bad name")).Stderr.Should().Contain("Invalid container name (bad name)");

        (await Docker("rm", "-f", "after", "other")).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task StatsNoStream_SaneCpuAndMemory()
    {
        await RunDetachedAsync("busy", "sh", "-c", "while :; do :; done");
        await RunDetachedAsync("idle", "sleep", "300");

        CliResult stats = await Docker("stats", "--no-stream", "--format", "{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.MemPerc}} {{.PIDs}}");

        stats.ExitCode.Should().Be(0, stats.Stderr);
        string[] lines = stats.Stdout.TrimEnd().Split('\n').Order(StringComparer.Ordinal).ToArray();
        lines.Should().HaveCount(2, stats.Stdout);
        const string Row = @"^(\S+) (\d+\.\d\d)% ([\d.]+)([KMG]i?B) / ([\d.]+)([KMG]i?B) (\d+\.\d\d)% (\d+)$";
        lines[0].Should().MatchRegex(Row).And.StartWith("busy ");
        lines[1].Should().MatchRegex(Row).And.StartWith("idle ");
        var busy = System.Text.RegularExpressions.Regex.Match(lines[0], Row);
        var idle = System.Text.RegularExpressions.Regex.Match(lines[1], Row);
        double busyCpu = double.Parse(busy.Groups[2].Value, CultureInfo.InvariantCulture);
        busyCpu.Should().BeGreaterThan(5, "a shell spinning in a loop uses CPU (precpu_stats is primed for --no-stream)");
        busyCpu.Should().BeLessThanOrEqualTo(100.0 * Environment.ProcessorCount + 1);
        double.Parse(idle.Groups[2].Value, CultureInfo.InvariantCulture).Should().BeLessThan(busyCpu);
        busy.Groups[8].Value.Should().Be("1");
        // The memory limit without -m is the host's memory, as dockerd shows it.
        double hostGib = ulong.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0 / 1024.0;
        idle.Groups[6].Value.Should().Be("GiB");
        double.Parse(idle.Groups[5].Value, CultureInfo.InvariantCulture).Should().BeApproximately(hostGib, 0.01 * hostGib);
        idle.Groups[3].Value.Should().NotBe("0");

        (await Docker("rm", "-f", "busy", "idle")).ExitCode.Should().Be(0);

        CliResult limited = await Docker("run", "-d", "--name", "capped", "-m", "64m", "busybox", "sleep", "300");
        limited.ExitCode.Should().Be(0, limited.Stderr);
        (await Docker("stats", "--no-stream", "--format", "{{.MemUsage}}", "capped")).Stdout.Trim().Should().EndWith("/ 64MiB");
        (await Docker("rm", "-f", "capped")).ExitCode.Should().Be(0);
    }

    [Fact]
    public async Task Events_SinceUntil_TheContainersStory()
    {
        string since = Unix(DateTimeOffset.UtcNow);
        string id = await RunDetachedAsync("story", "sleep", "300");
        (await Docker("exec", "story", "true")).ExitCode.Should().Be(0);
        (await Docker("pause", "story")).ExitCode.Should().Be(0);
        (await Docker("unpause", "story")).ExitCode.Should().Be(0);
        (await Docker("rename", "story", "told")).ExitCode.Should().Be(0);
        (await Docker("kill", "told")).ExitCode.Should().Be(0);
        (await Docker("wait", "told")).ExitCode.Should().Be(0);
        (await Docker("rm", "told")).ExitCode.Should().Be(0);
        string until = Unix(DateTimeOffset.UtcNow.AddMilliseconds(100));
        await Task.Delay(200, TestContext.Current.CancellationToken);

        CliResult events = await Docker("events", "--since", since, "--until", until, "--filter", $"container={id}", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}");

        events.ExitCode.Should().Be(0, events.Stderr);
        events.Stdout.TrimEnd().Split('\n').Should().Equal(
            "container create story",
            "container start story",
            "container exec_create: true story",
            "container exec_start: true story",
            "container exec_die story",
            "container pause story",
            "container unpause story",
            "container rename told",
            "container kill told",
            "container die told",
            "container destroy told");

        CliResult filtered = await Docker("events", "--since", since, "--until", until, "--filter", "event=die", "--format", "{{.Actor.Attributes.exitCode}} {{.Actor.Attributes.name}}");
        filtered.Stdout.Should().Be("137 told\n");
        (await Docker("events", "--since", since, "--until", until, "--filter", "event=rename", "--format", "{{.Actor.Attributes.oldName}}")).Stdout.Should().Be("/story\n");
        (await Docker("events", "--since", until, "--until", until)).Stdout.Should().BeEmpty();
    }

    /// <summary>A time as the CLI takes it: unix seconds with nanoseconds.</summary>
    private static string Unix(DateTimeOffset time)
    {
        long ticks = (time - DateTimeOffset.UnixEpoch).Ticks;
        return $"{ticks / TimeSpan.TicksPerSecond}.{ticks % TimeSpan.TicksPerSecond * 100:D9}";
    }
}
