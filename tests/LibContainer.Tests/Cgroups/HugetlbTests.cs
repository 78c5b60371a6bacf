using FluentAssertions;
using LibContainer.Cgroups;
using LibContainer.Cgroups.V1;
using LibContainer.Cgroups.V2;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class HugetlbTests : IDisposable
{
    private readonly FakeCgroup _cgroup = new();

    public void Dispose() => _cgroup.Dispose();

    private static LinuxResources Limits(params (string PageSize, ulong Limit)[] limits) =>
        new() { HugepageLimits = limits.Select(l => new LinuxHugepageLimit { PageSize = l.PageSize, Limit = l.Limit }).ToList() };

    private FakeCgroup V1Files(bool reservations)
    {
        foreach (string size in new[] { "2MB", "1GB" })
        {
            _cgroup.With($"hugetlb.{size}.limit_in_bytes", "9223372036854771712\n")
                .With($"hugetlb.{size}.usage_in_bytes", "0\n")
                .With($"hugetlb.{size}.max_usage_in_bytes", "0\n")
                .With($"hugetlb.{size}.failcnt", "0\n");
            if (reservations)
            {
                _cgroup.With($"hugetlb.{size}.rsvd.limit_in_bytes", "9223372036854771712\n")
                    .With($"hugetlb.{size}.rsvd.usage_in_bytes", "0\n")
                    .With($"hugetlb.{size}.rsvd.max_usage_in_bytes", "0\n")
                    .With($"hugetlb.{size}.rsvd.failcnt", "0\n");
            }
        }
        return _cgroup;
    }

    private FakeCgroup V2Files()
    {
        foreach (string size in new[] { "2MB", "1GB" })
        {
            _cgroup.With($"hugetlb.{size}.max", "max\n")
                .With($"hugetlb.{size}.current", "0\n")
                .With($"hugetlb.{size}.events", "max 0\n")
                .With($"hugetlb.{size}.events.local", "max 0\n")
                .With($"hugetlb.{size}.numa_stat", "total=0 N0=0\n")
                .With($"hugetlb.{size}.rsvd.max", "max\n")
                .With($"hugetlb.{size}.rsvd.current", "0\n");
        }
        return _cgroup;
    }

    [Fact]
    public void Apply_V1WithReservations_WritesLimitAndReservationLimit()
    {
        V1Files(reservations: true);

        new HugetlbV1().Apply(_cgroup.Path, Limits(("2MB", 10485760)));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string>
        {
            ["hugetlb.2MB.limit_in_bytes"] = "10485760",
            ["hugetlb.2MB.rsvd.limit_in_bytes"] = "10485760",
        });
    }

    [Fact]
    public void Apply_V1WithoutReservations_WritesTheLimitOnly()
    {
        V1Files(reservations: false);

        new HugetlbV1().Apply(_cgroup.Path, Limits(("1GB", 1073741824), ("2MB", 0)));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string>
        {
            ["hugetlb.1GB.limit_in_bytes"] = "1073741824",
            ["hugetlb.2MB.limit_in_bytes"] = "0",
        });
    }

    [Fact]
    public void Apply_V2_WritesMaxAndReservationMax()
    {
        V2Files();

        new HugetlbV2().Apply(_cgroup.Path, Limits(("2MB", 10485760)));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string>
        {
            ["hugetlb.2MB.max"] = "10485760",
            ["hugetlb.2MB.rsvd.max"] = "10485760",
        });
    }

    [Fact]
    public void Apply_NoLimits_WritesNothing()
    {
        V1Files(reservations: true);

        new HugetlbV1().Apply(_cgroup.Path, new LinuxResources());
        new HugetlbV2().Apply(_cgroup.Path, new LinuxResources { HugepageLimits = [] });

        _cgroup.Changed().Should().BeEmpty();
    }

    [Fact]
    public void Files_OneLimit_LimitAndReservationFiles()
    {
        new HugetlbV1().Files(Limits(("2MB", 1))).Should().Equal("hugetlb.2MB.limit_in_bytes", "hugetlb.2MB.rsvd.limit_in_bytes");
        new HugetlbV2().Files(Limits(("1GB", 1))).Should().Equal("hugetlb.1GB.max", "hugetlb.1GB.rsvd.max");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Validate_UnknownPageSize_ErrorNamesTheHostSizes(int version)
    {
        ICgroupController hugetlb = version == 1 ? new HugetlbV1() : new HugetlbV2();
        var errors = new List<SpecError>();

        hugetlb.Validate(Limits(("2MB", 1), ("3MB", 1)), FakeCgroup.Host(hugePageSizes: "2MB"), errors);
        hugetlb.Validate(Limits(("64KB", 1)), FakeCgroup.Host(hugePageSizes: ["1GB", "2MB"]), errors);
        hugetlb.Validate(Limits(("2MB", 1)), FakeCgroup.Host("0-1", "0", []) with { HugePageSizes = new HashSet<string>() }, errors);

        errors.Select(e => e.ToString()).Should().Equal(
            "linux.resources.hugepageLimits[1].pageSize: no huge pages of size 3MB (host has 2MB)",
            "linux.resources.hugepageLimits[0].pageSize: no huge pages of size 64KB (host has 2MB, 1GB)",
            "linux.resources.hugepageLimits[0].pageSize: no huge pages of size 2MB (host has none)");
    }

    [Fact]
    public void ReadStats_V1_EveryPageSizeWithoutReservationFiles()
    {
        V1Files(reservations: true)
            .With("hugetlb.2MB.usage_in_bytes", "4194304\n")
            .With("hugetlb.2MB.max_usage_in_bytes", "8388608\n")
            .With("hugetlb.2MB.failcnt", "2\n");
        var stats = new ContainerStats();

        new HugetlbV1().ReadStats(_cgroup.Path, stats);

        stats.Hugetlb.Should().Equal(new Dictionary<string, HugetlbStats>
        {
            ["1GB"] = new(0, 0, 0),
            ["2MB"] = new(4194304, 8388608, 2),
        });
    }

    [Fact]
    public void ReadStats_V2_CurrentAndMaxEvents()
    {
        V2Files().With("hugetlb.2MB.current", "6291456\n").With("hugetlb.2MB.events", "max 5\n");
        var stats = new ContainerStats();

        new HugetlbV2().ReadStats(_cgroup.Path, stats);

        stats.Hugetlb.Should().Equal(new Dictionary<string, HugetlbStats>
        {
            ["1GB"] = new(0, 0, 0),
            ["2MB"] = new(6291456, 0, 5),
        });
    }
}
