using FluentAssertions;
using LibContainer.Cgroups.V2;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class IoV2Tests : IDisposable
{
    private readonly FakeCgroup _cgroup = new(
        ("io.weight", "default 100\n"),
        ("io.max", ""),
        ("io.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"),
        ("io.stat", "8:0 rbytes=90430464 wbytes=3399680 rios=2373 wios=337 dbytes=0 dios=0\n253:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=512 dios=2\n"));

    private readonly IoV2 _io = new();

    public void Dispose() => _cgroup.Dispose();

    private static LinuxResources Resources(LinuxBlockIO blockIO) => new() { BlockIO = blockIO };

    [Theory]
    [InlineData(10UL, 1UL)]
    [InlineData(100UL, 910UL)]
    [InlineData(500UL, 4950UL)]
    [InlineData(1000UL, 10000UL)]
    public void BlkioToIoWeight_RuncFormula(ulong weight, ulong expected) =>
        IoV2.BlkioToIoWeight(weight).Should().Be(expected);

    [Fact]
    public void Apply_Weight_ConvertedIntoIoWeight()
    {
        _io.Apply(_cgroup.Path, Resources(new LinuxBlockIO { Weight = 500 }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["io.weight"] = "default 4950" });
    }

    [Fact]
    public void Apply_WeightDevice_IoWeightLinePerDevice()
    {
        _cgroup.Refusing("io.max");

        _io.Apply(_cgroup.Path, Resources(new LinuxBlockIO { WeightDevice = [new LinuxWeightDevice { Major = 8, Minor = 0, Weight = 1000 }, new LinuxWeightDevice { Major = 8, Minor = 16 }] }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["io.weight"] = "8:0 10000" });
    }

    [Fact]
    public void Apply_BfqScheduler_WeightsUnconvertedIntoBfq()
    {
        _cgroup.With("io.bfq.weight", "default 100\n");

        _io.Apply(_cgroup.Path, Resources(new LinuxBlockIO { Weight = 500, WeightDevice = [new LinuxWeightDevice { Major = 8, Minor = 0, Weight = 300 }] }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["io.bfq.weight"] = "8:0 300" });
    }

    [Fact]
    public void Apply_Throttles_OneIoMaxLinePerDeviceZeroIsMax()
    {
        var blockIO = new LinuxBlockIO
        {
            ThrottleReadBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 1048576 }, new LinuxThrottleDevice { Major = 8, Minor = 16, Rate = 0 }],
            ThrottleWriteBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 2097152 }],
            ThrottleReadIOPSDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 100 }],
            ThrottleWriteIOPSDevice = [new LinuxThrottleDevice { Major = 8, Minor = 16, Rate = 50 }, new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 200 }],
        };
        _cgroup.Refusing("io.weight");

        _io.Apply(_cgroup.Path, Resources(blockIO));
        string last = _cgroup.Read("io.max");
        _io.Apply(_cgroup.Path, Resources(blockIO with { ThrottleWriteIOPSDevice = null, ThrottleReadBpsDevice = [blockIO.ThrottleReadBpsDevice[0]] }));
        string onlyFirst = _cgroup.Read("io.max");

        last.Should().Be("8:16 rbps=max wiops=50");
        onlyFirst.Should().Be("8:0 rbps=1048576 wbps=2097152 riops=100");
        _io.Files(Resources(blockIO)).Should().Equal("io.max");
    }

    [Fact]
    public void Apply_Throttles_FirstDeviceWrittenFirstWithAllItsKeys()
    {
        _cgroup.Refusing("io.max");

        Action apply = () => _io.Apply(_cgroup.Path, Resources(new LinuxBlockIO
        {
            ThrottleReadBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 1 }],
            ThrottleWriteIOPSDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 2 }, new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 3 }],
        }));

        apply.Should().Throw<ContainerException>().WithMessage("write 8:0 rbps=1 wiops=3 to */io.max failed: *");
    }

    [Fact]
    public void Apply_NothingSet_WritesNothing()
    {
        _io.Apply(_cgroup.Path, new LinuxResources());
        _io.Apply(_cgroup.Path, Resources(new LinuxBlockIO { Weight = 0 }));

        _cgroup.Changed().Should().BeEmpty();
        _io.Files(new LinuxResources()).Should().BeEmpty();
    }

    [Fact]
    public void Validate_LeafWeightsAndRanges_ErrorsWithPaths()
    {
        var errors = new List<SpecError>();

        _io.Validate(Resources(new LinuxBlockIO
        {
            Weight = 5,
            LeafWeight = 500,
            WeightDevice = [new LinuxWeightDevice { Major = 8, Minor = 0, LeafWeight = 100 }],
        }), FakeCgroup.Host(), errors);

        errors.Select(e => e.ToString()).Should().Equal(
            "linux.resources.blockIO.weight: must be between 10 and 1000, got 5",
            "linux.resources.blockIO.leafWeight: is not supported on cgroup v2",
            "linux.resources.blockIO.weightDevice[0].leafWeight: is not supported on cgroup v2");
    }

    [Fact]
    public void ReadStats_IoStat_BytesAndOperationsPerDevice()
    {
        var stats = new ContainerStats();

        _io.ReadStats(_cgroup.Path, stats);

        stats.BlockIo.IoServiceBytes.Should().Equal(
            new BlockIoEntry(8, 0, "Read", 90430464),
            new BlockIoEntry(8, 0, "Write", 3399680),
            new BlockIoEntry(8, 0, "Discard", 0),
            new BlockIoEntry(253, 0, "Read", 4096),
            new BlockIoEntry(253, 0, "Write", 0),
            new BlockIoEntry(253, 0, "Discard", 512));
        stats.BlockIo.IoServiced.Should().Equal(
            new BlockIoEntry(8, 0, "Read", 2373),
            new BlockIoEntry(8, 0, "Write", 337),
            new BlockIoEntry(8, 0, "Discard", 0),
            new BlockIoEntry(253, 0, "Read", 1),
            new BlockIoEntry(253, 0, "Write", 0),
            new BlockIoEntry(253, 0, "Discard", 2));
    }

    [Fact]
    public void ReadStats_NoIoStat_Empty()
    {
        File.Delete(Path.Combine(_cgroup.Path, "io.stat"));
        var stats = new ContainerStats();

        _io.ReadStats(_cgroup.Path, stats);

        stats.BlockIo.IoServiceBytes.Should().BeEmpty();
    }
}
