using System.Globalization;
using FluentAssertions;
using LibContainer.Processes;
using Xunit;

namespace LibContainer.Tests.Processes;

public sealed class ProcStatTests
{
    // /proc/<pid>/stat of an interactive bash: pid (comm) state ppid ... starttime (field 22) ...
    private const string Bash =
        "7823 (bash) S 7821 7823 6345 34816 7901 4194304 2110 8853 0 2 3 1 12 4 20 0 1 0 89088 9207808 1302 " +
        "18446744073709551615 94262524481536 94262525394989 140720604077568 0 0 0 65536 3686404 1266761467 1 0 0 17 1 0 0 0 0 0 " +
        "94262525689104 94262525736420 94262937726976 140720604084512 140720604084518 140720604084518 140720604086251 0\n";

    private static string StatLine(int pid, string comm, char state, int ppid, ulong startTime) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{pid} ({comm}) {state} {ppid} {pid} {pid} 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 {startTime} 3133440 394 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n");

    [Fact]
    public void Parse_BashStatLine_ReadsStateParentAndStartTime()
    {
        ProcStat? stat = ProcStat.Parse(7823, Bash);

        stat.Should().Be(new ProcStat(7823, 'S', 7821, 89088, "bash"));
        stat!.Value.HasExited.Should().BeFalse();
    }

    [Theory]
    [InlineData("(a) b)")]
    [InlineData("a b c")]
    [InlineData(") S 1 2 (")]
    [InlineData("")]
    [InlineData("lc:[1:CHILD]")]
    public void Parse_CommWithSpacesAndParentheses_CountsFromTheLastParenthesis(string comm)
    {
        ProcStat? stat = ProcStat.Parse(42, StatLine(42, comm, 'R', 7, 123456789));

        stat.Should().Be(new ProcStat(42, 'R', 7, 123456789, comm));
        stat!.Value.IsNativeInit.Should().Be(comm.StartsWith("lc:[", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData('Z', true)]
    [InlineData('X', true)]
    [InlineData('x', true)]
    [InlineData('R', false)]
    [InlineData('S', false)]
    [InlineData('D', false)]
    [InlineData('T', false)]
    [InlineData('t', false)]
    [InlineData('I', false)]
    public void HasExited_State_TrueOnlyForZombieOrDead(char state, bool exited)
    {
        ProcStat? stat = ProcStat.Parse(42, StatLine(42, "sh", state, 1, 5));

        stat!.Value.State.Should().Be(state);
        stat.Value.HasExited.Should().Be(exited);
    }

    [Fact]
    public void Parse_ZombieWithReapedParent_StillReadsIt()
    {
        ProcStat? stat = ProcStat.Parse(42, StatLine(42, "sleep", 'Z', 0, 18446744073709551615));

        stat.Should().Be(new ProcStat(42, 'Z', 0, ulong.MaxValue, "sleep"));
        stat!.Value.HasExited.Should().BeTrue();
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("42 (sh")]
    [InlineData("42 (sh)")]
    [InlineData("42 (sh) ")]
    [InlineData("42 (sh) S")]
    [InlineData("42 (sh) S 1 42 42 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0")]
    [InlineData("42 (sh) S x 42 42 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 5 0 0")]
    [InlineData("42 (sh) S 1 42 42 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 -5 0 0")]
    [InlineData("42 (sh) S 1 42 42 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 five 0 0")]
    public void Parse_Malformed_ReturnsNull(string text)
    {
        ProcStat.Parse(42, text).Should().BeNull();
    }

    [Fact]
    public void Parse_EmptyStateField_ReturnsNull()
    {
        ProcStat.Parse(42, "42 (sh)  1 42 42 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 5 0 0").Should().BeNull();
    }

    [Fact]
    public void TryRead_OwnPid_MatchesProcSelfStat()
    {
        string text = File.ReadAllText("/proc/self/stat");
        string[] fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        int ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
        ulong startTime = ulong.Parse(fields[19], CultureInfo.InvariantCulture);

        ProcStat? stat = ProcStat.TryRead(Environment.ProcessId);

        stat.Should().NotBeNull();
        stat!.Value.Pid.Should().Be(Environment.ProcessId);
        stat.Value.ParentPid.Should().Be(ppid);
        stat.Value.StartTime.Should().Be(startTime);
        stat.Value.HasExited.Should().BeFalse();
    }

    [Fact]
    public void TryRead_NoSuchProcess_ReturnsNull()
    {
        // Above the kernel's pid_max ceiling (4194304), so never a live process.
        ProcStat.TryRead(int.MaxValue).Should().BeNull();
    }
}
