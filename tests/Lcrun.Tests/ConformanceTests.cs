using System.Diagnostics;
using System.Text.Json.Nodes;
using Lcrun.Tests.Infrastructure;

namespace Lcrun.Tests;

/// <summary>
/// Bundles written by other tools, and the warnings and refusals the runtime-spec asks for, as a new
/// user meets them through lcrun (issue 14). The differential suite compares the same with runc and crun.
/// </summary>
public sealed class ConformanceTests(LcrunFixture fixture) : LcrunTest(fixture)
{
    /// <summary>
    /// `runc spec` (1.1) lists ambient capabilities without inheritable ones: the kernel refuses to raise
    /// those, and runc and crun go on without them. So do we, with a warning on stderr. The bundle is runc's,
    /// with only what a test needs changed: no terminal, a program that prints the capability sets.
    /// </summary>
    [Fact]
    public void RuncSpecBundle_Runs_WarnsAboutAmbientOnStderr()
    {
        JsonObject config = RuncSpec();
        config["process"]!["terminal"] = false;
        config["process"]!["args"] = new JsonArray("sh", "-c", "grep -E '^Cap(Inh|Prm|Eff|Amb)' /proc/self/status");
        File.WriteAllText(Path.Combine(Bundle, "config.json"), config.ToJsonString());

        LcrunResult result = Lcrun("run", NewId());

        result.ExitCode.Should().Be(0, result.ToString());
        result.Stdout.Should().Be("CapInh:\t0000000000000000\nCapPrm:\t0000000020000420\nCapEff:\t0000000020000420\nCapAmb:\t0000000000000000\n");
        result.Stderr.Should().Contain("level=warning").And.Contain("process.capabilities.ambient").And.Contain("KILL,NET_BIND_SERVICE,AUDIT_WRITE");
        result.Stderr.Should().NotContain("level=error");
    }

    [Fact]
    public void UnknownAndUngrantableCapabilities_MaskedAndWarnedInTheLogFile()
    {
        // This host's bounding set lacks CAP_SYS_RESOURCE; CAP_BANANA is no capability at all. The runtime-spec
        // (1.1 on): "Runtimes SHOULD NOT fail if the container configuration requests capabilities that cannot
        // be granted". runc and crun fail at capset for the first.
        var spec = Spec("sh", "-c", "grep ^CapEff /proc/self/status");
        foreach (List<string> set in new[] { spec.Process!.Capabilities!.Bounding!, spec.Process.Capabilities.Effective!, spec.Process.Capabilities.Permitted! })
        {
            set.Add("CAP_SYS_RESOURCE");
            set.Add("CAP_BANANA");
        }
        WriteConfig(spec);
        string log = Path.Combine(Dir, "log.json");

        LcrunResult result = Lcrun("--log", log, "--log-format", "json", "run", NewId());

        result.ExitCode.Should().Be(0, result.ToString());
        string expected = (Capabilities.BoundingSet() & (1UL << 24)) == 0 ? "0000000020000420" : "0000000021000420";
        result.Stdout.Should().Be($"CapEff:\t{expected}\n");
        string[] lines = File.ReadAllLines(log);
        lines.Should().Contain(l => l.Contains("\"level\":\"warning\"", StringComparison.Ordinal) && l.Contains("CAP_BANANA", StringComparison.Ordinal));
        if (expected == "0000000020000420")
        {
            lines.Should().Contain(l => l.Contains("\"level\":\"warning\"", StringComparison.Ordinal) && l.Contains("CAP_SYS_RESOURCE", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("uid", "process.user.uid")]
    [InlineData("gid", "process.user.gid")]
    public void UserIdMinusOne_Refused(string field, string path)
    {
        // (uid_t)-1 is "unchanged" to setresuid: the container would run as root.
        var spec = Spec("id");
        if (field == "uid")
        {
            spec.Process!.User.Uid = uint.MaxValue;
        }
        else
        {
            spec.Process!.User.Gid = uint.MaxValue;
        }
        WriteConfig(spec);

        LcrunResult result = Lcrun("run", NewId());

        result.ExitCode.Should().Be(1, result.ToString());
        result.Stdout.Should().BeEmpty();
        result.Stderr.Should().Contain(path).And.Contain("4294967295");
        Ok("list", "-q").Stdout.Should().BeEmpty();
    }

    [Fact]
    public void ExecUserMinusOne_Refused()
    {
        string id = NewId();
        Ok("run", "-d", id);

        LcrunResult result = Lcrun("exec", "--user", "4294967295:0", id, "id", "-u");

        result.ExitCode.Should().NotBe(0);
        result.Stdout.Should().BeEmpty();
        result.Stderr.Should().Contain("process.user.uid").And.Contain("4294967295");
    }

    [Fact]
    public void NamespacePathOfAnotherType_SaysTheTypeIsWrong()
    {
        var spec = Spec("true");
        string uts = $"/proc/{Environment.ProcessId}/ns/uts";
        spec.Linux!.Namespaces!.Single(n => n.Type == "network").Path = uts;
        WriteConfig(spec);

        LcrunResult result = Lcrun("run", NewId());

        result.ExitCode.Should().Be(1);
        result.Stderr.Should().Contain($"{uts} is a uts namespace, not a network namespace");
        Ok("list", "-q").Stdout.Should().BeEmpty();
    }

    /// <summary>runc's own `spec` output, made now by the runc on this machine.</summary>
    private JsonObject RuncSpec()
    {
        string dir = Path.Combine(Dir, "runc-spec");
        Directory.CreateDirectory(dir);
        var start = new ProcessStartInfo(Peers.Runc, "spec") { WorkingDirectory = dir, RedirectStandardError = true };
        using (System.Diagnostics.Process runc = System.Diagnostics.Process.Start(start)!)
        {
            runc.WaitForExit();
            runc.ExitCode.Should().Be(0, runc.StandardError.ReadToEnd());
        }
        JsonObject config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
        config["root"]!["path"] = Fixture.Rootfs;
        return config;
    }
}

/// <summary>The peers on this machine.</summary>
internal static class Peers
{
    public static string Runc => Find("runc");

    public static string Crun => Find("crun");

    public static string Podman => Find("podman");

    public static string Ctr => Find("ctr", package: "containerd");

    private static string Find(string name, string? package = null)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin").Split(':'))
        {
            string path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }
        Require.Tool(name, package ?? name);
        return name;
    }
}

/// <summary>This process's capability bounding set.</summary>
internal static class Capabilities
{
    public static ulong BoundingSet()
    {
        string line = File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("CapBnd:", StringComparison.Ordinal));
        return ulong.Parse(line.AsSpan(7).Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
    }
}
