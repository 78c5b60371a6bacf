using FluentAssertions;
using LibContainer.Cgroups.V1;
using LibContainer.Spec;
using Xunit;

namespace LibContainer.Tests.Cgroups;

public sealed class BlkioV1Tests : IDisposable
{
    private const string ServiceBytes =
        "8:0 Read 1216512\n8:0 Write 4096\n8:0 Sync 1216512\n8:0 Async 4096\n8:0 Discard 0\n8:0 Total 1220608\n" +
        "253:0 Read 20480\n253:0 Write 0\n253:0 Sync 20480\n253:0 Async 0\n253:0 Discard 0\n253:0 Total 20480\nTotal 1241088\n";

    private const string Serviced =
        "8:0 Read 97\n8:0 Write 1\n8:0 Sync 97\n8:0 Async 1\n8:0 Discard 0\n8:0 Total 98\nTotal 98\n";

    // A kernel without CFQ (5.0+) and with BFQ: blkio.bfq.* beside the throttling files.
    private readonly FakeCgroup _cgroup = new(
        ("blkio.bfq.weight", "default 100\n"),
        ("blkio.bfq.weight_device", "default 100\n"),
        ("blkio.bfq.io_service_bytes_recursive", "Total 0\n"),
        ("blkio.bfq.io_serviced_recursive", "Total 0\n"),
        ("blkio.throttle.read_bps_device", ""),
        ("blkio.throttle.write_bps_device", ""),
        ("blkio.throttle.read_iops_device", ""),
        ("blkio.throttle.write_iops_device", ""),
        ("blkio.throttle.io_service_bytes", ServiceBytes),
        ("blkio.throttle.io_serviced", Serviced),
        ("blkio.throttle.io_service_bytes_recursive", ServiceBytes),
        ("blkio.throttle.io_serviced_recursive", Serviced));

    private readonly BlkioV1 _blkio = new();

    public void Dispose() => _cgroup.Dispose();

    private static LinuxResources Resources(LinuxBlockIO blockIO) => new() { BlockIO = blockIO };

    [Fact]
    public void Apply_BfqKernel_WritesWeightsAndThrottles()
    {
        _blkio.Apply(_cgroup.Path, Resources(new LinuxBlockIO
        {
            Weight = 500,
            WeightDevice = [new LinuxWeightDevice { Major = 8, Minor = 0, Weight = 300 }],
            ThrottleReadBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 1048576 }],
            ThrottleWriteBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 16, Rate = 2097152 }],
            ThrottleReadIOPSDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 100 }],
            ThrottleWriteIOPSDevice = [new LinuxThrottleDevice { Major = 253, Minor = 1, Rate = 0 }],
        }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string>
        {
            ["blkio.bfq.weight"] = "500",
            ["blkio.bfq.weight_device"] = "8:0 300",
            ["blkio.throttle.read_bps_device"] = "8:0 1048576",
            ["blkio.throttle.write_bps_device"] = "8:16 2097152",
            ["blkio.throttle.read_iops_device"] = "8:0 100",
            ["blkio.throttle.write_iops_device"] = "253:1 0",
        });
    }

    [Fact]
    public void Apply_CfqKernel_WritesBlkioWeightAndLeafWeights()
    {
        _cgroup.With("blkio.weight", "500\n").With("blkio.weight_device", "").With("blkio.leaf_weight", "500\n").With("blkio.leaf_weight_device", "");

        _blkio.Apply(_cgroup.Path, Resources(new LinuxBlockIO
        {
            Weight = 200,
            LeafWeight = 300,
            WeightDevice = [new LinuxWeightDevice { Major = 8, Minor = 0, Weight = 400, LeafWeight = 600 }],
        }));

        _cgroup.Changed().Should().Equal(new Dictionary<string, string>
        {
            ["blkio.weight"] = "200",
            ["blkio.leaf_weight"] = "300",
            ["blkio.weight_device"] = "8:0 400",
            ["blkio.leaf_weight_device"] = "8:0 600",
        });
    }

    [Fact]
    public void Apply_SeveralDevices_OneWritePerLine()
    {
        _cgroup.Refusing("blkio.throttle.write_bps_device");
        var blockIO = new LinuxBlockIO
        {
            ThrottleReadBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 1 }, new LinuxThrottleDevice { Major = 8, Minor = 16, Rate = 2 }],
            ThrottleWriteBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 3 }],
        };

        Action apply = () => _blkio.Apply(_cgroup.Path, Resources(blockIO));

        // The file keeps only the last write; the kernel keeps a line per device.
        apply.Should().Throw<ContainerException>().WithMessage("write 8:0 3 to */blkio.throttle.write_bps_device failed: *");
        _cgroup.Changed().Should().Equal(new Dictionary<string, string> { ["blkio.throttle.read_bps_device"] = "8:16 2" });
    }

    [Fact]
    public void Apply_NothingOrZeroWeights_WritesNothing()
    {
        _blkio.Apply(_cgroup.Path, new LinuxResources());
        _blkio.Apply(_cgroup.Path, Resources(new LinuxBlockIO { Weight = 0, LeafWeight = 0, WeightDevice = [new LinuxWeightDevice { Major = 8, Minor = 0 }] }));

        _cgroup.Changed().Should().BeEmpty();
    }

    [Fact]
    public void Files_WeightAndThrottle_ListsBothWeightFilesAndTheThrottleFile()
    {
        _blkio.Files(Resources(new LinuxBlockIO
        {
            Weight = 100,
            ThrottleReadIOPSDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 1 }],
        })).Should().Equal("blkio.weight", "blkio.bfq.weight", "blkio.throttle.read_iops_device");
    }

    public static TheoryData<LinuxBlockIO, string[]> ValidationCases => new()
    {
        { new LinuxBlockIO { Weight = 10, LeafWeight = 1000, WeightDevice = [new LinuxWeightDevice { Major = 8, Minor = 0, Weight = 500 }] }, [] },
        { new LinuxBlockIO { Weight = 9 }, ["linux.resources.blockIO.weight: must be between 10 and 1000, got 9"] },
        { new LinuxBlockIO { Weight = 1001 }, ["linux.resources.blockIO.weight: must be between 10 and 1000, got 1001"] },
        { new LinuxBlockIO { LeafWeight = 5 }, ["linux.resources.blockIO.leafWeight: must be between 10 and 1000, got 5"] },
        {
            new LinuxBlockIO { WeightDevice = [new LinuxWeightDevice { Major = 8, Minor = 0 }, new LinuxWeightDevice { Major = -8, Minor = 0, Weight = 2000, LeafWeight = 1 }] },
            [
                "linux.resources.blockIO.weightDevice[1].major: must not be negative, got -8",
                "linux.resources.blockIO.weightDevice[1].weight: must be between 10 and 1000, got 2000",
                "linux.resources.blockIO.weightDevice[1].leafWeight: must be between 10 and 1000, got 1",
            ]
        },
        {
            new LinuxBlockIO { ThrottleWriteIOPSDevice = [new LinuxThrottleDevice { Major = 8, Minor = -1, Rate = 10 }] },
            ["linux.resources.blockIO.throttleWriteIOPSDevice[0].minor: must not be negative, got -1"]
        },
    };

    [Theory]
    [MemberData(nameof(ValidationCases))]
    public void Validate_Values_ErrorsWithPaths(LinuxBlockIO blockIO, string[] expected)
    {
        var errors = new List<SpecError>();

        _blkio.Validate(Resources(blockIO), FakeCgroup.Host(), errors);

        errors.Select(e => e.ToString()).Should().Equal(expected);
    }

    [Fact]
    public void ReadStats_BfqEmpty_FallsBackToThrottleRecursive()
    {
        var stats = new ContainerStats();

        _blkio.ReadStats(_cgroup.Path, stats);

        stats.BlockIo.IoServiceBytes.Should().HaveCount(12).And.StartWith(
        [
            new BlockIoEntry(8, 0, "Read", 1216512),
            new BlockIoEntry(8, 0, "Write", 4096),
            new BlockIoEntry(8, 0, "Sync", 1216512),
            new BlockIoEntry(8, 0, "Async", 4096),
            new BlockIoEntry(8, 0, "Discard", 0),
            new BlockIoEntry(8, 0, "Total", 1220608),
            new BlockIoEntry(253, 0, "Read", 20480),
        ]);
        stats.BlockIo.IoServiced.Should().Equal(
            new BlockIoEntry(8, 0, "Read", 97),
            new BlockIoEntry(8, 0, "Write", 1),
            new BlockIoEntry(8, 0, "Sync", 97),
            new BlockIoEntry(8, 0, "Async", 1),
            new BlockIoEntry(8, 0, "Discard", 0),
            new BlockIoEntry(8, 0, "Total", 98));
    }

    [Fact]
    public void ReadStats_BfqHasDevices_PrefersBfq()
    {
        _cgroup.With("blkio.bfq.io_service_bytes_recursive", "8:0 Read 4096\n8:0 Write 0\nTotal 4096\n")
            .With("blkio.bfq.io_serviced_recursive", "8:0 Read 1\n8:0 Write 0\nTotal 1\n");
        var stats = new ContainerStats();

        _blkio.ReadStats(_cgroup.Path, stats);

        stats.BlockIo.IoServiceBytes.Should().Equal(new BlockIoEntry(8, 0, "Read", 4096), new BlockIoEntry(8, 0, "Write", 0));
        stats.BlockIo.IoServiced.Should().Equal(new BlockIoEntry(8, 0, "Read", 1), new BlockIoEntry(8, 0, "Write", 0));
    }

    [Fact]
    public void ReadStats_NoIoYet_Empty()
    {
        foreach (string file in new[] { "blkio.throttle.io_service_bytes", "blkio.throttle.io_serviced", "blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive" })
        {
            _cgroup.With(file, "Total 0\n");
        }
        var stats = new ContainerStats();

        _blkio.ReadStats(_cgroup.Path, stats);

        stats.BlockIo.IoServiceBytes.Should().BeEmpty();
        stats.BlockIo.IoServiced.Should().BeEmpty();
    }
}
