using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Lcd.Network.Tests.Infrastructure;

/// <summary>
/// What must be the same after a container is removed as before it was made: links, iptables rules
/// (counters stripped), and the mounts a network sandbox could leave (netns files: under a netns
/// directory or this run's temp dirs; other test assemblies running beside this one mount elsewhere).
/// </summary>
internal sealed partial record HostState(string[] Links, string[] Iptables, string[] Mounts)
{
    public static HostState Take() => new(
        [.. Run("ip", "-o", "link", "show").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':')[1].Trim().Split('@')[0]).Order()],
        [.. Run("iptables-save").Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).Select(l => Counters().Replace(l, "")).Order()],
        [.. File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
            .Where(m => m.Contains("/netns", StringComparison.Ordinal) || m.Contains("lcd-network-it-", StringComparison.Ordinal)).Order()]);

    public void ShouldEqual(HostState before, string because)
    {
        Links.Should().BeEquivalentTo(before.Links, $"no link is left ({because})");
        // A subset: the driver removes the plugins' global chains when they fall idle, which may be
        // chains that were there before (made by an earlier attachment); nothing new may stay.
        Iptables.Should().BeSubsetOf(before.Iptables, $"no iptables rule or chain is left ({because})");
        Mounts.Should().BeEquivalentTo(before.Mounts, $"no netns bind mount is left ({because})");
    }

    public static string Run(string tool, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)}: exit {process.ExitCode}: {error}");
        }
        return output;
    }

    [GeneratedRegex(@"\[\d+:\d+\]")]
    private static partial Regex Counters();
}
