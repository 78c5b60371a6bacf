using Lcd.Tests.Infrastructure;

namespace Lcd.Tests;

/// <summary>The unmodified docker CLI (Debian's docker.io client) against a live lcd.</summary>
public sealed class DockerCliTests
{
    [Fact]
    public async Task DockerVersion_NegotiatesAndShowsEngine()
    {
        await using LcdDaemon daemon = await LcdDaemon.StartAsync();

        CliResult result = await Cli.DockerAsync(daemon, "version", "--format", "{{.Server.APIVersion}}|{{.Server.Os}}|{{.Server.KernelVersion}}|{{.Client.APIVersion}}");

        result.ExitCode.Should().Be(0, result.Stderr);
        string[] fields = result.Stdout.Trim().Split('|');
        fields[0].Should().Be("1.41");
        fields[1].Should().Be("linux");
        fields[2].Should().Be(File.ReadAllText("/proc/sys/kernel/osrelease").Trim());
        fields[3].Should().Be("1.41", "the client negotiates down to the daemon's version through /_ping");
    }

    [Fact]
    public async Task DockerInfo_ShowsDataRootAndStableId()
    {
        string dir = Directory.CreateTempSubdirectory("lcd-test-").FullName;
        try
        {
            string first;
            await using (LcdDaemon daemon = await LcdDaemon.StartAsync(dir))
            {
                CliResult info = await Cli.DockerAsync(daemon, "info", "--format", "{{.DockerRootDir}}|{{.ID}}|{{.OSType}}|{{.LiveRestoreEnabled}}");
                info.ExitCode.Should().Be(0, info.Stderr);
                string[] fields = info.Stdout.Trim().Split('|');
                fields[0].Should().Be(daemon.DataRoot);
                fields[2].Should().Be("linux");
                fields[3].Should().Be("false", "the tests' daemons run with --live-restore=false");
                first = fields[1];
            }
            await using (LcdDaemon again = await LcdDaemon.StartAsync(dir))
            {
                CliResult info = await Cli.DockerAsync(again, "info", "--format", "{{.ID}}");
                info.Stdout.Trim().Should().Be(first, "the engine ID is kept in the data root");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task LoadBusybox_EmptyStore_QuickStartRuns()
    {
        Require.Busybox();
        await using LcdDaemon daemon = await LcdDaemon.StartAsync(null, "--load-busybox");

        (await Cli.DockerAsync(daemon, "images", "--format", "{{.Repository}}:{{.Tag}}")).Stdout.Trim().Should().Be("busybox:latest");
        CliResult run = await Cli.DockerAsync(daemon, "run", "--rm", "busybox", "echo", "hi");
        run.ExitCode.Should().Be(0, run.Stderr);
        run.Stdout.Should().Be("hi\n");
    }

    [Fact]
    public async Task DockerCli_NoDaemon_ClearError()
    {
        string dir = Directory.CreateTempSubdirectory("lcd-test-").FullName;
        try
        {
            CliResult result = await Cli.RunAsync(Require.DockerCli(), ["version"], new Dictionary<string, string> { ["DOCKER_HOST"] = $"unix://{dir}/none.sock" });

            result.ExitCode.Should().NotBe(0);
            result.Stderr.Should().Contain("Cannot connect to the Docker daemon");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
