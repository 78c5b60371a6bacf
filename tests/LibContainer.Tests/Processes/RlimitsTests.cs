using FluentAssertions;
using LibContainer.Security;
using Xunit;

namespace LibContainer.Tests.Processes;

/// <summary>The process.rlimits names and the resource numbers of asm-generic/resource.h.</summary>
public sealed class RlimitsTests
{
    [Theory]
    [InlineData("RLIMIT_CPU", 0)]
    [InlineData("RLIMIT_FSIZE", 1)]
    [InlineData("RLIMIT_DATA", 2)]
    [InlineData("RLIMIT_STACK", 3)]
    [InlineData("RLIMIT_CORE", 4)]
    [InlineData("RLIMIT_RSS", 5)]
    [InlineData("RLIMIT_NPROC", 6)]
    [InlineData("RLIMIT_NOFILE", 7)]
    [InlineData("RLIMIT_MEMLOCK", 8)]
    [InlineData("RLIMIT_AS", 9)]
    [InlineData("RLIMIT_LOCKS", 10)]
    [InlineData("RLIMIT_SIGPENDING", 11)]
    [InlineData("RLIMIT_MSGQUEUE", 12)]
    [InlineData("RLIMIT_NICE", 13)]
    [InlineData("RLIMIT_RTPRIO", 14)]
    [InlineData("RLIMIT_RTTIME", 15)]
    public void NumberAndName_SpecName_MapBothWays(string name, int number)
    {
        Rlimits.Number(name).Should().Be(number);
        Rlimits.Name(number).Should().Be(name);
        Rlimits.IsKnown(name).Should().BeTrue();
    }

    [Theory]
    [InlineData("rlimit_nofile")]
    [InlineData("NOFILE")]
    [InlineData("RLIMIT_NOFILE ")]
    [InlineData("RLIMIT_BOGUS")]
    [InlineData("")]
    public void Number_UnknownName_ReturnsNull(string name)
    {
        Rlimits.Number(name).Should().BeNull();
        Rlimits.IsKnown(name).Should().BeFalse();
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(16)]
    [InlineData(int.MaxValue)]
    public void Name_UnknownNumber_ReturnsNull(int number)
    {
        Rlimits.Name(number).Should().BeNull();
    }

    [Fact]
    public void Names_All_SixteenDistinctNumbers()
    {
        Rlimits.Names.Should().HaveCount(16).And.OnlyHaveUniqueItems().And.OnlyContain(n => n.StartsWith("RLIMIT_", StringComparison.Ordinal));
        Rlimits.Names.Select(n => Rlimits.Number(n)!.Value).Should().BeEquivalentTo(Enumerable.Range(0, 16));
    }

    [Theory]
    [InlineData(0UL, "0")]
    [InlineData(1024UL, "1024")]
    [InlineData(ulong.MaxValue - 1, "18446744073709551614")]
    [InlineData(ulong.MaxValue, "unlimited")]
    public void Format_Value_PrintsNumberOrUnlimited(ulong value, string text)
    {
        Rlimits.Format(value).Should().Be(text);
    }

    [Fact]
    public void Infinity_IsRlimInfinity()
    {
        Rlimits.Infinity.Should().Be(ulong.MaxValue, "RLIM_INFINITY is ~0UL");
    }
}
