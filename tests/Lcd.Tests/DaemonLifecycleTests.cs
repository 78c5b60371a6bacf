using Lcd.Tests.Infrastructure;

namespace Lcd.Tests;

/// <summary>The daemon process as dockerd users know it: socket mode, pid file, side-by-side daemons, crash and restart.</summary>
public sealed class DaemonLifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Start_SocketIs0660AndPidFileHoldsPid_StopRemovesBoth()
    {
        LcdDaemon daemon = await LcdDaemon.StartAsync();
        string socket = daemon.Socket, pidFile = daemon.PidFile;
        try
        {
            File.GetUnixFileMode(socket).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            File.ReadAllText(pidFile).Trim().Should().Be(daemon.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            (await daemon.StopAsync()).Should().Be(0);
            File.Exists(socket).Should().BeFalse();
            File.Exists(pidFile).Should().BeFalse();
        }
        finally
        {
            await daemon.DisposeAsync();
        }
    }

    [Fact]
    public async Task TwoDaemons_DifferentRoots_SideBySide()
    {
        await using LcdDaemon a = await LcdDaemon.StartAsync();
        await using LcdDaemon b = await LcdDaemon.StartAsync();

        CliResult infoA = await Cli.DockerAsync(a, "info", "--format", "{{.DockerRootDir}} {{.ID}}");
        CliResult infoB = await Cli.DockerAsync(b, "info", "--format", "{{.DockerRootDir}} {{.ID}}");

        infoA.Stdout.Trim().Should().StartWith(a.DataRoot + " ");
        infoB.Stdout.Trim().Should().StartWith(b.DataRoot + " ");
        infoA.Stdout.Should().NotBe(infoB.Stdout);
    }

    [Fact]
    public async Task SecondDaemon_SamePidFile_RefusedAndFirstUntouched()
    {
        await using LcdDaemon first = await LcdDaemon.StartAsync();
        string other = Directory.CreateTempSubdirectory("lcd-test-").FullName;
        try
        {
            CliResult second = await Cli.RunAsync(LcdDaemon.Binary, ["-H", $"unix://{other}/lcd.sock", "--data-root", $"{other}/data",
                "--exec-root", $"{other}/exec", "--pidfile", first.PidFile, "--config-file", Path.Combine(first.Dir, "daemon.json")]);

            second.ExitCode.Should().Be(1);
            second.Stderr.Should().Contain($"pid file found, ensure lcd is not running or delete {first.PidFile}");
            File.Exists(Path.Combine(other, "lcd.sock")).Should().BeFalse();
            File.ReadAllText(first.PidFile).Trim().Should().Be(first.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }

    [Fact]
    public async Task SecondDaemon_SameSocket_Refused()
    {
        await using LcdDaemon first = await LcdDaemon.StartAsync();
        string other = Directory.CreateTempSubdirectory("lcd-test-").FullName;
        try
        {
            CliResult second = await Cli.RunAsync(LcdDaemon.Binary, ["-H", first.Host, "--data-root", $"{other}/data",
                "--exec-root", $"{other}/exec", "--pidfile", $"{other}/lcd.pid", "--config-file", Path.Combine(first.Dir, "daemon.json")]);

            second.ExitCode.Should().Be(1);
            second.Stderr.Should().Contain("another daemon is listening on this socket");
            using HttpClient http = first.CreateHttpClient();
            (await http.GetStringAsync("/_ping", Ct)).Should().Be("OK");
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }

    [Fact]
    public async Task Sigkill_ThenRestart_TakesOverStaleSocketAndPidFile()
    {
        string dir = Directory.CreateTempSubdirectory("lcd-test-").FullName;
        try
        {
            LcdDaemon crashed = await LcdDaemon.StartAsync(dir);
            await crashed.KillAsync();
            await crashed.DisposeAsync();
            File.Exists(Path.Combine(dir, "lcd.sock")).Should().BeTrue("SIGKILL leaves the socket file");
            File.Exists(Path.Combine(dir, "lcd.pid")).Should().BeTrue("SIGKILL leaves the pid file");

            await using LcdDaemon restarted = await LcdDaemon.StartAsync(dir);
            CliResult version = await Cli.DockerAsync(restarted, "version", "--format", "{{.Server.APIVersion}}");
            version.Stdout.Trim().Should().Be("1.41");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Sigkill_ThenRestart_RunningContainerLogsOnWithoutGapAndObeys()
    {
        Require.Busybox();
        string dir = Directory.CreateTempSubdirectory("lcd-test-").FullName;
        try
        {
            LcdDaemon crashed = await LcdDaemon.StartAsync(dir, "--load-busybox");
            CliResult run = await Cli.DockerAsync(crashed, "run", "-d", "busybox", "sh", "-c",
                "i=0; while [ $i -lt 100000 ]; do echo line$i; i=$((i+1)); usleep 20000; done");
            run.ExitCode.Should().Be(0, run.Stderr);
            string id = run.Stdout.Trim();
            await LogsReachAsync(crashed, id, 5);
            await crashed.KillAsync();
            await crashed.DisposeAsync();
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken); // the container writes on while no daemon reads

            await using LcdDaemon restarted = await LcdDaemon.StartAsync(dir);
            (await Cli.DockerAsync(restarted, "inspect", "-f", "{{.State.Status}}", id)).Stdout.Trim().Should().Be("running");
            int seen = await LogsReachAsync(restarted, id, 0);
            await LogsReachAsync(restarted, id, seen + 10);
            CliResult stop = await Cli.DockerAsync(restarted, "stop", "-t", "1", id);
            stop.ExitCode.Should().Be(0, stop.Stderr);
            (await Cli.DockerAsync(restarted, "inspect", "-f", "{{.State.Status}}", id)).Stdout.Trim().Should().Be("exited");

            string[] lines = (await Cli.DockerAsync(restarted, "logs", id)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            lines.Length.Should().BeGreaterThan(seen + 10);
            lines.Should().Equal(Enumerable.Range(0, lines.Length).Select(i => $"line{i}"),
                "what the container wrote before, during and after the daemon's absence is in the log once, in order");
            Directory.Exists(Path.Combine(restarted.ExecRoot, "containers", id)).Should().BeFalse("the output fifos go with the exit");
            (await Cli.DockerAsync(restarted, "rm", id)).ExitCode.Should().Be(0);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Polls docker logs until it holds lineN (and returns the last number it holds).</summary>
    private static async Task<int> LogsReachAsync(LcdDaemon daemon, string id, int n)
    {
        for (int attempt = 0; ; attempt++)
        {
            string[] lines = (await Cli.DockerAsync(daemon, "logs", id)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            int last = lines.Length - 1;
            if (last >= n)
            {
                return last;
            }
            attempt.Should().BeLessThan(300, $"the log should reach line{n}; it has {lines.Length} lines");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task BadConfigFile_ExitsOneNamingTheKey()
    {
        string dir = Directory.CreateTempSubdirectory("lcd-test-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "daemon.json"), """{ "hosts": ["unix:///tmp/x.sock"], "no-such-option": true }""");

            CliResult result = await Cli.RunAsync(LcdDaemon.Binary, ["--config-file", Path.Combine(dir, "daemon.json"), "--pidfile", $"{dir}/lcd.pid"]);

            result.ExitCode.Should().Be(1);
            result.Stderr.Should().Contain("don't match any configuration option: no-such-option");
            Directory.GetFileSystemEntries(dir).Should().Equal(Path.Combine(dir, "daemon.json"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Shutdown_NoLiveRestore_StopsRunningContainers()
    {
        Require.Busybox();
        string dir = Directory.CreateTempSubdirectory("lcd-test-").FullName;
        try
        {
            string id;
            await using (LcdDaemon daemon = await LcdDaemon.StartAsync(dir, "--load-busybox"))
            {
                CliResult run = await Cli.DockerAsync(daemon, "run", "-d", "busybox", "sleep", "300");
                run.ExitCode.Should().Be(0, run.Stderr);
                id = run.Stdout.Trim();
            } // SIGTERM: with --live-restore=false the daemon stops its containers first

            Directory.EnumerateDirectories("/sys/fs/cgroup", id, SearchOption.AllDirectories).Should().BeEmpty("the stopped container's cgroups went with it");
            Directory.Exists(Path.Combine(dir, "exec", "libcontainer", id)).Should().BeFalse("the library's state went with it");

            await using LcdDaemon again = await LcdDaemon.StartAsync(dir);
            (await Cli.DockerAsync(again, "inspect", "-f", "{{.State.Status}}", id)).Stdout.Trim().Should().Be("exited");
            (await Cli.DockerAsync(again, "rm", id)).ExitCode.Should().Be(0);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Shutdown_WithStreamsOpen_EndsThemAndExits()
    {
        Require.Busybox();
        string dir = Directory.CreateTempSubdirectory("lcd-test-").FullName;
        string? id = null;
        try
        {
            Task<CliResult> events, logs;
            LcdDaemon daemon = await LcdDaemon.StartAsync(dir, "--load-busybox");
            try
            {
                CliResult run = await Cli.DockerAsync(daemon, "run", "-d", "busybox", "sh", "-c", "echo up; sleep 300");
                run.ExitCode.Should().Be(0, run.Stderr);
                id = run.Stdout.Trim();
                events = Cli.DockerAsync(daemon, "events");
                logs = Cli.DockerAsync(daemon, "logs", "-f", id);
                await Task.Delay(500, Ct); // both requests arrive and begin their streams

                // Streams that never end by themselves must not hold the graceful stop (LcdDaemon.StopAsync throws after 30 s).
                (await daemon.StopAsync()).Should().Be(0, daemon.Output);
            }
            finally
            {
                await daemon.DisposeAsync();
            }
            (await logs).Stdout.Should().Be("up\n", "the log stream ran until the daemon stopped, then ended");
            // As dockerd: the API closes (streams cut) before the containers are stopped; the CLI's stream ended
            // (Cli.RunAsync throws when it does not end within its bound).
            await events;
        }
        finally
        {
            if (id is not null)
            {
                await using LcdDaemon again = await LcdDaemon.StartAsync(dir);
                (await Cli.DockerAsync(again, "rm", "-f", id)).ExitCode.Should().Be(0);
            }
            Directory.Delete(dir, recursive: true);
        }
    }
}
