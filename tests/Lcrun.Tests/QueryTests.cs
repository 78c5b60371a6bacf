using System.Text.Json;
using Lcrun.Tests.Infrastructure;

namespace Lcrun.Tests;

/// <summary>ps, events, update, explain, features, spec.</summary>
public sealed class QueryTests(LcrunFixture fixture) : LcrunTest(fixture)
{
    [Fact]
    public void Ps_TableAndJson_ListTheContainersProcesses()
    {
        string id = NewId();
        Ok("run", "-d", id);

        string[] table = Ok("ps", id).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using JsonDocument json = JsonDocument.Parse(Ok("ps", "-f", "json", id).Stdout);

        table[0].Should().Contain("PID").And.Contain("CMD");
        table.Should().HaveCount(2).And.Contain(l => l.EndsWith("sleep 100", StringComparison.Ordinal));
        json.RootElement.GetArrayLength().Should().Be(1);
    }

    [Fact]
    public void EventsStats_OneRuncStatsObject()
    {
        string id = NewId();
        Ok("run", "-d", id);
        Ok("update", "--pids-limit", "42", "--memory", "64m", id);

        LcrunResult result = Ok("events", "--stats", id);

        result.Stdout.Should().EndWith("}\n").And.Subject.Count(c => c == '\n').Should().Be(1);
        using JsonDocument doc = JsonDocument.Parse(result.Stdout);
        doc.RootElement.GetProperty("type").GetString().Should().Be("stats");
        doc.RootElement.GetProperty("id").GetString().Should().Be(id);
        JsonElement data = doc.RootElement.GetProperty("data");
        data.GetProperty("pids").GetProperty("current").GetInt32().Should().Be(1);
        data.GetProperty("pids").GetProperty("limit").GetInt32().Should().Be(42);
        data.GetProperty("memory").GetProperty("usage").GetProperty("limit").GetUInt64().Should().Be(64UL << 20);
        data.GetProperty("cpu").GetProperty("usage").GetProperty("total").GetUInt64().Should().BeGreaterThan(0);
        data.GetProperty("network_interfaces").EnumerateArray().Select(n => n.GetProperty("Name").GetString()).Should().Contain("lo");
    }

    [Fact]
    public void Events_Stream_EndsWhenTheContainerStops()
    {
        string id = NewId();
        WriteConfig(Spec("sleep", "2"));
        Ok("run", "-d", id);

        LcrunResult result = Ok("events", "--interval", "200ms", id);

        // Several lines, each whole: stdout here is a file, where every line must follow the last.
        string[] lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCountGreaterThan(1).And.OnlyContain(l => l.StartsWith("{\"type\":\"stats\",\"id\":\"" + id + "\"", StringComparison.Ordinal));
        lines.Should().OnlyContain(l => l.EndsWith('}'));
    }

    [Fact]
    public void Update_ResourcesFromStdinFile_Applied()
    {
        string id = NewId();
        Ok("run", "-d", id);
        string resources = Path.Combine(Dir, "resources.json");
        File.WriteAllText(resources, """{"pids":{"limit":17}}""");

        Ok("update", "-r", resources, id);

        JsonDocument.Parse(Ok("events", "--stats", id).Stdout).RootElement
            .GetProperty("data").GetProperty("pids").GetProperty("limit").GetInt32().Should().Be(17);
    }

    [Fact]
    public void Explain_PrintsThePlan()
    {
        string plan = Ok("explain", "--bundle", Bundle).Stdout;

        plan.Should().Contain("clone").And.Contain(Fixture.Rootfs);
        Ok("list", "-q").Stdout.Should().BeEmpty("explain creates nothing");
    }

    [Fact]
    public void Features_RuntimeSpecDocument()
    {
        using JsonDocument doc = JsonDocument.Parse(Ok("features").Stdout);
        JsonElement root = doc.RootElement;

        root.GetProperty("ociVersionMin").GetString().Should().Be("1.0.0");
        root.GetProperty("hooks").EnumerateArray().Select(h => h.GetString()).Should().Contain(["prestart", "createRuntime", "poststop"]);
        root.GetProperty("mountOptions").EnumerateArray().Select(h => h.GetString()).Should().Contain(["rbind", "nosuid", "rro"]);
        JsonElement linux = root.GetProperty("linux");
        linux.GetProperty("namespaces").EnumerateArray().Select(n => n.GetString()).Should().BeEquivalentTo(["cgroup", "ipc", "mount", "network", "pid", "uts"]);
        linux.GetProperty("cgroup").GetProperty("systemd").GetBoolean().Should().BeFalse();
        linux.GetProperty("apparmor").GetProperty("enabled").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public void Spec_WritesConfigOnceThenRefuses()
    {
        string bundle = Path.Combine(Dir, "new-bundle");
        Directory.CreateDirectory(bundle);

        Ok("spec", "--bundle", bundle);
        LcrunResult again = Lcrun("spec", "-b", bundle);

        LibContainer.Spec.RuntimeSpec.Load(Path.Combine(bundle, "config.json")).Process!.Args.Should().Equal("sh");
        again.ExitCode.Should().Be(1);
        again.Stderr.Should().Contain("File config.json exists. Remove it first");
    }
}
