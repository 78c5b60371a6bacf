using System.Text;
using System.Text.Json;
using Lcrun.Cli;
using Lcrun.Commands;
using Lcrun.Output;
using Microsoft.Extensions.Logging;

namespace Lcrun.Tests;

/// <summary>The CLI's own logic, in-process: argument syntax, value formats, log lines, tables. No root.</summary>
public sealed class ParsingTests
{
    private static readonly Flag[] s_flags = [Flag.Value("bundle", "", "b"), Flag.Bool("detach", "", "d"), Flag.Value("env", "", "e")];

    [Fact]
    public void Parse_GoFlagSyntax_AllFormsAccepted()
    {
        ParsedArgs args = ArgParser.Parse(["-b", "/x", "--detach", "id1", "--env=A=1", "-e", "B=2"], s_flags, stopAtFirstPositional: false);

        args.Get("bundle").Should().Be("/x");
        args.GetBool("detach").Should().BeTrue();
        args.GetAll("env").Should().Equal("A=1", "B=2");
        args.Positionals.Should().Equal("id1");
    }

    [Fact]
    public void Parse_StopAtFirstPositional_LeavesTheCommandAlone()
    {
        ParsedArgs args = ArgParser.Parse(["-d", "id1", "sh", "-c", "echo -d"], s_flags, stopAtFirstPositional: true);

        args.GetBool("detach").Should().BeTrue();
        args.Positionals.Should().Equal("id1", "sh", "-c", "echo -d");
    }

    [Fact]
    public void Parse_BoolWithValueAndUnknownFlag_AsGoDoes()
    {
        ArgParser.Parse(["--detach=false"], s_flags, false).GetBool("detach").Should().BeFalse();
        FluentActions.Invoking(() => ArgParser.Parse(["--nope"], s_flags, false))
            .Should().Throw<UsageException>().WithMessage("flag provided but not defined: -nope");
        FluentActions.Invoking(() => ArgParser.Parse(["--bundle"], s_flags, false))
            .Should().Throw<UsageException>().WithMessage("flag needs an argument: -bundle");
    }

    [Theory]
    [InlineData("KILL", 9)]
    [InlineData("SIGKILL", 9)]
    [InlineData("term", 15)]
    [InlineData("9", 9)]
    [InlineData("SIGUSR1", 10)]
    [InlineData("RTMIN+2", 36)]
    public void ParseSignal_NamesAndNumbers_AsRuncKill(string text, int expected) =>
        ValueParsers.ParseSignal(text).Should().Be(expected);

    [Fact]
    public void ParseSignal_Unknown_RuncMessage() =>
        FluentActions.Invoking(() => ValueParsers.ParseSignal("FOO")).Should().Throw<CliException>().WithMessage("unknown signal \"FOO\"");

    [Theory]
    [InlineData("5s", 5000)]
    [InlineData("1m30s", 90000)]
    [InlineData("250ms", 250)]
    [InlineData("1.5h", 5400000)]
    public void ParseDuration_GoSyntax(string text, double milliseconds) =>
        ValueParsers.ParseDuration(text).TotalMilliseconds.Should().Be(milliseconds);

    [Theory]
    [InlineData("512m", 512L << 20)]
    [InlineData("1g", 1L << 30)]
    [InlineData("1024", 1024)]
    [InlineData("1.5GiB", 3L << 29)]
    [InlineData("-1", -1)]
    public void ParseMemory_DockerUnits(string text, long bytes) =>
        ValueParsers.ParseMemory("--memory", text).Should().Be(bytes);

    [Fact]
    public void LogLine_Text_AsLogrus()
    {
        var time = new DateTimeOffset(2026, 11, 27, 22, 27, 37, TimeSpan.Zero);

        Encoding.UTF8.GetString(CliLog.Format(LogLevel.Error, "container \"x\" does not exist", time, json: false))
            .Should().Be("time=\"2026-11-27T22:27:37Z\" level=error msg=\"container \\\"x\\\" does not exist\"\n");
        Encoding.UTF8.GetString(CliLog.Format(LogLevel.Debug, "plain", time, json: false))
            .Should().Be("time=\"2026-11-27T22:27:37Z\" level=debug msg=plain\n");
    }

    [Fact]
    public void LogLine_Json_SortedKeysAsLogrus()
    {
        var time = new DateTimeOffset(2026, 11, 27, 22, 27, 37, TimeSpan.Zero);

        Encoding.UTF8.GetString(CliLog.Format(LogLevel.Error, "container does not exist", time, json: true))
            .Should().Be("{\"level\":\"error\",\"msg\":\"container does not exist\",\"time\":\"2026-11-27T22:27:37Z\"}\n");
    }

    [Fact]
    public void TabWriter_ListTable_AsRuncPrintsIt()
    {
        string table = TabWriter.Format([
            ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"],
            ["rb1", "24865", "running", "/tmp/rb", "2026-11-27T22:27:45.662456509Z", "root"],
        ]);

        // Captured from runc 1.1.5 `runc list` on this machine.
        table.Should().Be(
            "ID          PID         STATUS      BUNDLE      CREATED                          OWNER\n" +
            "rb1         24865       running     /tmp/rb     2026-11-27T22:27:45.662456509Z   root\n");
    }

    [Fact]
    public void Describe_PrefixesAndExitCodes_AsRunc()
    {
        Program.Describe(new CliException("container does not exist"), null).Should().Be(("container does not exist", 1));
        Program.Describe(new CliException("boom"), LifecycleCommands.Create).Should().Be(("lcrun create failed: boom", 1));
        Program.Describe(new CliException("cannot exec in a stopped container"), ExecCommand.Definition)
            .Should().Be(("exec failed: cannot exec in a stopped container", 255));
    }

    [Fact]
    public void UpdateFlags_BecomeLinuxResources()
    {
        ParsedArgs args = ArgParser.Parse(
            ["--memory", "64m", "--memory-swap", "-1", "--cpu-quota", "50000", "--cpu-period", "100000", "--cpuset-cpus", "0", "--pids-limit", "20", "--blkio-weight", "500", "id"],
            UpdateCommand.Definition.Flags, stopAtFirstPositional: false);

        LibContainer.Spec.LinuxResources resources = UpdateCommand.FromFlags(args);

        resources.Memory!.Limit.Should().Be(64L << 20);
        resources.Memory.Swap.Should().Be(-1);
        resources.Cpu!.Quota.Should().Be(50000);
        resources.Cpu.Period.Should().Be(100000UL);
        resources.Cpu.Cpus.Should().Be("0");
        resources.Pids!.Limit.Should().Be(20);
        resources.BlockIO!.Weight.Should().Be((ushort)500);
    }

    [Fact]
    public void UpdateResourcesFile_ReadWithSpecErrors()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, """{"memory":{"limit":134217728},"pids":{"limit":30}}""");
            LibContainer.Spec.LinuxResources resources = UpdateCommand.Read(file);
            resources.Memory!.Limit.Should().Be(134217728);
            resources.Pids!.Limit.Should().Be(30);

            File.WriteAllText(file, """{"memory":{"limit":"lots"}}""");
            FluentActions.Invoking(() => UpdateCommand.Read(file)).Should().Throw<ArgumentException>().WithMessage("*memory.limit*");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void StatsEvent_HasRuncShape()
    {
        var stats = new LibContainer.ContainerStats();

        string json = LcrunJsonContext.Write(new RuncEvent("stats", "c1", StatsConverter.Convert(stats)), LcrunJsonContext.Default.RuncEvent);

        using JsonDocument doc = JsonDocument.Parse(json);
        doc.RootElement.GetProperty("type").GetString().Should().Be("stats");
        doc.RootElement.GetProperty("id").GetString().Should().Be("c1");
        JsonElement data = doc.RootElement.GetProperty("data");
        data.EnumerateObject().Select(p => p.Name).Should().Contain(["cpu", "memory", "pids", "blkio", "hugetlb"]);
        data.GetProperty("memory").GetProperty("usage").GetProperty("limit").GetUInt64().Should().Be(ulong.MaxValue);
        json.Should().NotContain("\n");
    }
}
