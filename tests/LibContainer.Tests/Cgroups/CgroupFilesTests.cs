using FluentAssertions;
using LibContainer.Cgroups;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class CgroupFilesTests
{
    [Fact]
    public void Write_ExistingFile_ReplacesContentWithoutNewline()
    {
        using var cgroup = new FakeCgroup(("memory.limit_in_bytes", "9223372036854771712\n"));

        CgroupFiles.Write(cgroup.Path, "memory.limit_in_bytes", "1048576");

        cgroup.Read("memory.limit_in_bytes").Should().Be("1048576");
    }

    [Fact]
    public void Write_MissingFile_ThrowsNamingValuePathAndErrnoAndCreatesNothing()
    {
        using var cgroup = new FakeCgroup();

        Action write = () => CgroupFiles.Write(cgroup.Path, "memory.limit_in_bytes", "99999999");

        string path = Path.Combine(cgroup.Path, "memory.limit_in_bytes");
        write.Should().Throw<ContainerException>()
            .WithMessage($"write 99999999 to {path} failed: * (errno 2).")
            .Which.InnerException.Should().BeOfType<SyscallException>().Which.Errno.Should().Be(2);
        cgroup.Exists("memory.limit_in_bytes").Should().BeFalse();
    }

    [Fact]
    public void Write_DeviceFull_ThrowsWithTheKernelsErrno()
    {
        Action write = () => CgroupFiles.Write("/dev", "full", "1");

        ContainerException ex = write.Should().Throw<ContainerException>()
            .WithMessage("write 1 to /dev/full failed: * (errno 28).").Which;
        CgroupFiles.ErrnoOf(ex).Should().Be(28);
    }

    [Fact]
    public void ReadUInt64_NumberMaxAndGarbage_ParsesOrThrowsNamingTheFile()
    {
        using var cgroup = new FakeCgroup(("pids.max", "max\n"), ("pids.current", "7\n"), ("bad", "12a\n"));

        CgroupFiles.ReadUInt64(cgroup.Path, "pids.max").Should().Be(CgroupFiles.Max);
        CgroupFiles.ReadUInt64(cgroup.Path, "pids.current").Should().Be(7);
        CgroupFiles.TryReadUInt64(cgroup.Path, "memory.peak").Should().BeNull();
        FluentActions.Invoking(() => CgroupFiles.ReadUInt64(cgroup.Path, "bad")).Should().Throw<ContainerException>()
            .WithMessage($"{Path.Combine(cgroup.Path, "bad")}: expected a number or \"max\", got \"12a\".");
        FluentActions.Invoking(() => CgroupFiles.ReadUInt64(cgroup.Path, "missing")).Should().Throw<ContainerException>()
            .WithMessage($"read {Path.Combine(cgroup.Path, "missing")} failed: * (errno 2).");
    }

    [Theory]
    [InlineData(9223372036854771712UL, null)]
    [InlineData(9223372036854710272UL, null)] // 64 KiB pages
    [InlineData(ulong.MaxValue, null)]
    [InlineData(536870912UL, 536870912UL)]
    public void AsLimit_V1UnlimitedAndV2Max_AreNull(ulong value, ulong? expected) =>
        CgroupFiles.AsLimit(value).Should().Be(expected);

    [Fact]
    public void ParseFlatKeyed_CpuStat_ReadsEveryNumericLine()
    {
        const string text = "nr_periods 120\nnr_throttled 7\nthrottled_time 81234567\nnr_bursts 0\nburst_time 0\n";

        CgroupFiles.ParseFlatKeyed(text).Should().Equal(new Dictionary<string, ulong>
        {
            ["nr_periods"] = 120,
            ["nr_throttled"] = 7,
            ["throttled_time"] = 81234567,
            ["nr_bursts"] = 0,
            ["burst_time"] = 0,
        });
    }

    [Fact]
    public void ParseFlatKeyed_MalformedLines_AreSkipped()
    {
        const string text = "some avg10=0.00 avg60=0.02 total=15567608\nlow 0\nhigh abc\n\nmax max\n";

        CgroupFiles.ParseFlatKeyed(text).Should().Equal(new Dictionary<string, ulong> { ["low"] = 0, ["max"] = CgroupFiles.Max });
    }

    [Fact]
    public void ParseNestedKeyed_IoMax_ReadsDevicesAndMax()
    {
        const string text = "8:16 rbps=2097152 wbps=max riops=max wiops=120\n253:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n";

        List<(string Key, Dictionary<string, ulong> Values)> lines = CgroupFiles.ParseNestedKeyed(text);

        lines.Select(l => l.Key).Should().Equal("8:16", "253:0");
        lines[0].Values.Should().Equal(new Dictionary<string, ulong> { ["rbps"] = 2097152, ["wbps"] = CgroupFiles.Max, ["riops"] = CgroupFiles.Max, ["wiops"] = 120 });
        lines[1].Values["wios"].Should().Be(4);
        lines[1].Values.Should().HaveCount(6);
    }

    [Theory]
    [InlineData("0-3,5", new[] { 0, 1, 2, 3, 5 })]
    [InlineData("0-1\n", new[] { 0, 1 })]
    [InlineData("7", new[] { 7 })]
    [InlineData("\n", new int[0])]
    [InlineData("2,0,1", new[] { 0, 1, 2 })]
    public void TryParseCpuList_ValidLists_Parse(string text, int[] expected)
    {
        CgroupFiles.TryParseCpuList(text, out SortedSet<int>? cpus).Should().BeTrue();
        cpus.Should().Equal(expected);
    }

    [Theory]
    [InlineData("0-")]
    [InlineData("3-1")]
    [InlineData("a")]
    [InlineData("0,,1")]
    [InlineData("-1")]
    [InlineData("0-99999999")]
    [InlineData("0-7:2/4")]
    public void TryParseCpuList_Malformed_ReturnsFalse(string text)
    {
        CgroupFiles.TryParseCpuList(text, out _).Should().BeFalse();
        FluentActions.Invoking(() => CgroupFiles.ParseCpuList(text)).Should().Throw<FormatException>();
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2, 5 }, "0-2,5")]
    [InlineData(new[] { 3 }, "3")]
    [InlineData(new[] { 1, 3, 4 }, "1,3-4")]
    [InlineData(new int[0], "")]
    public void FormatCpuList_Sets_ShortestForm(int[] cpus, string expected) =>
        CgroupFiles.FormatCpuList(cpus).Should().Be(expected);
}
