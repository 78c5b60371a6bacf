using Lcd.Containers;
using Lcd.Tests.Infrastructure;

namespace Lcd.Tests;

/// <summary>json-file's max-size and max-file: the option parser (unit), the rotation (unit, real files), and the docker CLI against lcd.</summary>
public sealed class LogRotationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lcd-log-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("100", 100)]
    [InlineData("1k", 1024)]
    [InlineData("10m", 10L * 1024 * 1024)]
    [InlineData("1.5g", 1536L * 1024 * 1024)]
    [InlineData("2KiB", 2048)]
    public void ParseSize_GoUnits(string text, long bytes) => LogOptions.ParseSize(text).Should().Be(bytes);

    [Theory]
    [InlineData("syslog", "max-size", "1m", "no log driver named 'syslog'")]
    [InlineData("json-file", "max-file", "0", "max-file cannot be less than 1")]
    [InlineData("json-file", "max-size", "ten", "max-size: invalid size: 'ten'")]
    [InlineData("json-file", "max-size", "0", "max-size must be a positive number")]
    [InlineData("", "max-sise", "1m", "unknown log opt 'max-sise' for json-file log driver")]
    [InlineData("", "compress", "true", "does not compress")]
    public void Parse_Bad_SaysWhich(string driver, string key, string value, string message) =>
        FluentActions.Invoking(() => LogOptions.Parse(driver, new Dictionary<string, string> { [key] = value }))
            .Should().Throw<ArgumentException>().WithMessage($"*{message}*");

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    public async Task Rotation_KeepsMaxFilesOfAboutMaxSize_ReadsInOrder(int maxFile)
    {
        string path = Path.Combine(_dir, "c-json.log");
        await using (var log = new JsonFileLog(path, new LogOptions(MaxSize: 1000, MaxFile: maxFile)))
        {
            for (int i = 0; i < 100; i++)
            {
                await log.WriteAsync(new OutputChunk(1, DateTimeOffset.UtcNow, System.Text.Encoding.UTF8.GetBytes($"line{i}\n")), TestContext.Current.CancellationToken);
            }
        }

        JsonFileLog.Files(path).Where(File.Exists).Should().HaveCount(maxFile);
        Directory.GetFiles(_dir).Should().HaveCount(maxFile, "older files are gone");
        List<string> lines = JsonFileLog.Read(path).Select(e => e.Log).ToList();
        lines.Should().NotBeEmpty().And.EndWith("line99\n");
        int first = int.Parse(lines[0][4..^1], System.Globalization.CultureInfo.InvariantCulture);
        first.Should().BeGreaterThan(0, "the oldest lines were rotated away");
        lines.Should().Equal(Enumerable.Range(first, 100 - first).Select(i => $"line{i}\n"), "what is kept is in order, without a gap");
    }

    [Fact]
    public async Task DockerRun_LogOpts_RotatesAndLogsShowTheTail_BadOptRefused()
    {
        await using LcdDaemon lcd = await LcdDaemon.StartWithBusyboxAsync();
        try
        {
            await RunRotatingAsync(lcd);
        }
        finally
        {
            await Cli.DockerAsync(lcd, "rm", "-f", "rotating"); // whatever failed, the daemon's dispose finds nothing left
        }
    }

    private static async Task RunRotatingAsync(LcdDaemon lcd)
    {
        CliResult run = await Cli.DockerAsync(lcd, "run", "--log-opt", "max-size=2k", "--log-opt", "max-file=2", "--name", "rotating", "busybox", "sh", "-c",
            "i=0; while [ $i -lt 500 ]; do echo line$i; i=$((i+1)); done");
        run.ExitCode.Should().Be(0, run.Stderr);
        string id = (await Cli.DockerAsync(lcd, "inspect", "-f", "{{.Id}}", "rotating")).Stdout.Trim();

        string[] logs = (await Cli.DockerAsync(lcd, "logs", "rotating")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        logs.Should().NotBeEmpty().And.HaveCountLessThan(500, "the oldest lines were rotated away");
        logs[^1].Should().Be("line499");
        Directory.GetFiles(Path.Combine(lcd.DataRoot, "containers", id), "*-json.log*").Select(Path.GetFileName)
            .Should().BeEquivalentTo([$"{id}-json.log", $"{id}-json.log.1"]);
        (await Cli.DockerAsync(lcd, "inspect", "-f", "{{.HostConfig.LogConfig.Type}} {{index .HostConfig.LogConfig.Config \"max-size\"}}", "rotating"))
            .Stdout.Trim().Should().Be("json-file 2k");
        (await Cli.DockerAsync(lcd, "rm", "rotating")).ExitCode.Should().Be(0);

        CliResult bad = await Cli.DockerAsync(lcd, "run", "--rm", "--log-opt", "max-file=0", "busybox", "true");
        bad.ExitCode.Should().Be(125);
        bad.Stderr.Should().Contain("max-file cannot be less than 1");
        (await Cli.DockerAsync(lcd, "ps", "-aq")).Stdout.Trim().Should().BeEmpty("nothing is made for a refused request");
    }

    [Fact]
    public void DaemonLogOpts_FlagsAndFile_SetTheDefault_BadOneRefused()
    {
        DaemonArgs.Parse(["--log-opt", "max-size=10m", "--log-opt", "max-file=3"]).Options.LogOpts
            .Should().BeEquivalentTo(new Dictionary<string, string> { ["max-size"] = "10m", ["max-file"] = "3" });
        string file = Path.Combine(_dir, "daemon.json");
        File.WriteAllText(file, """{"log-driver": "json-file", "log-opts": {"max-size": "1m"}}""");
        DaemonArgs.Parse(["--config-file", file]).Options.LogOpts.Should().ContainKey("max-size");

        FluentActions.Invoking(() => DaemonArgs.Parse(["--log-opt", "max-file=x"]))
            .Should().Throw<DaemonConfigException>().WithMessage("*max-file: invalid number*");
        FluentActions.Invoking(() => DaemonArgs.Parse(["--config-file", file, "--log-opt", "max-file=2"]))
            .Should().Throw<DaemonConfigException>().WithMessage("*specified both as a flag and in the configuration file*log-opts*");
    }
}
