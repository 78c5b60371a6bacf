using LibContainer.Spec;
using static System.FormattableString;

namespace LibContainer.Cgroups.V1;

/// <summary>
/// The v1 blkio controller: blkio.weight (or blkio.bfq.weight on kernels without CFQ),
/// blkio.leaf_weight, blkio.weight_device (or blkio.bfq.weight_device), blkio.leaf_weight_device
/// and the four blkio.throttle.*_device files, one <c>major:minor value</c> line per write.
/// As in runc, a weight of 0 is unset.
/// </summary>
internal sealed class BlkioV1 : ICgroupController
{
    internal const ushort MinWeight = 10;
    internal const ushort MaxWeight = 1000;

    private static readonly (string File, Func<LinuxBlockIO, List<LinuxThrottleDevice>?> Select, string Name)[] s_throttles =
    [
        ("blkio.throttle.read_bps_device", b => b.ThrottleReadBpsDevice, "throttleReadBpsDevice"),
        ("blkio.throttle.write_bps_device", b => b.ThrottleWriteBpsDevice, "throttleWriteBpsDevice"),
        ("blkio.throttle.read_iops_device", b => b.ThrottleReadIOPSDevice, "throttleReadIOPSDevice"),
        ("blkio.throttle.write_iops_device", b => b.ThrottleWriteIOPSDevice, "throttleWriteIOPSDevice"),
    ];

    // Where the statistics are, in runc's order of preference: the first pair whose bytes file
    // names a device wins (BFQ, then CFQ, then the throttling layer, which counts every bio).
    private static readonly (string Bytes, string Ops)[] s_statFiles =
    [
        ("blkio.bfq.io_service_bytes_recursive", "blkio.bfq.io_serviced_recursive"),
        ("blkio.io_service_bytes_recursive", "blkio.io_serviced_recursive"),
        ("blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive"),
        ("blkio.throttle.io_service_bytes", "blkio.throttle.io_serviced"),
    ];

    public string Name => "blkio";

    public CgroupVersion Version => CgroupVersion.V1;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        if (resources.BlockIO is not { } blockIO)
        {
            return;
        }
        ValidateDevices(blockIO, errors);
        CheckWeight(blockIO.LeafWeight, "linux.resources.blockIO.leafWeight", errors);
        for (int i = 0; i < (blockIO.WeightDevice?.Count ?? 0); i++)
        {
            CheckWeight(blockIO.WeightDevice![i].LeafWeight, $"linux.resources.blockIO.weightDevice[{i}].leafWeight", errors);
        }
    }

    /// <summary>The rules of weight, weightDevice (weight, major, minor) and the throttle lists (v1 and v2).</summary>
    internal static void ValidateDevices(LinuxBlockIO blockIO, ICollection<SpecError> errors)
    {
        CheckWeight(blockIO.Weight, "linux.resources.blockIO.weight", errors);
        for (int i = 0; i < (blockIO.WeightDevice?.Count ?? 0); i++)
        {
            LinuxWeightDevice device = blockIO.WeightDevice![i];
            string path = $"linux.resources.blockIO.weightDevice[{i}]";
            CheckDevice(device.Major, device.Minor, path, errors);
            CheckWeight(device.Weight, path + ".weight", errors);
        }
        foreach ((_, Func<LinuxBlockIO, List<LinuxThrottleDevice>?> select, string name) in s_throttles)
        {
            List<LinuxThrottleDevice>? devices = select(blockIO);
            for (int i = 0; i < (devices?.Count ?? 0); i++)
            {
                CheckDevice(devices![i].Major, devices[i].Minor, $"linux.resources.blockIO.{name}[{i}]", errors);
            }
        }
    }

    private static void CheckWeight(ushort? weight, string path, ICollection<SpecError> errors)
    {
        if (weight is { } w and not 0 and (< MinWeight or > MaxWeight))
        {
            errors.Add(new SpecError(path, Invariant($"must be between {MinWeight} and {MaxWeight}, got {w}")));
        }
    }

    private static void CheckDevice(long major, long minor, string path, ICollection<SpecError> errors)
    {
        if (major < 0)
        {
            errors.Add(new SpecError(path + ".major", Invariant($"must not be negative, got {major}")));
        }
        if (minor < 0)
        {
            errors.Add(new SpecError(path + ".minor", Invariant($"must not be negative, got {minor}")));
        }
    }

    /// <summary>Every file Apply may write; of blkio.weight and blkio.bfq.weight only the one the kernel has exists.</summary>
    public IEnumerable<string> Files(LinuxResources resources)
    {
        if (resources.BlockIO is not { } blockIO)
        {
            yield break;
        }
        if (blockIO.Weight is not (null or 0))
        {
            yield return "blkio.weight";
            yield return "blkio.bfq.weight";
        }
        if (blockIO.LeafWeight is not (null or 0))
        {
            yield return "blkio.leaf_weight";
        }
        if (blockIO.WeightDevice is { Count: > 0 } weightDevices)
        {
            if (weightDevices.Any(d => d.Weight is not (null or 0)))
            {
                yield return "blkio.weight_device";
                yield return "blkio.bfq.weight_device";
            }
            if (weightDevices.Any(d => d.LeafWeight is not (null or 0)))
            {
                yield return "blkio.leaf_weight_device";
            }
        }
        foreach ((string file, Func<LinuxBlockIO, List<LinuxThrottleDevice>?> select, _) in s_throttles)
        {
            if (select(blockIO) is { Count: > 0 })
            {
                yield return file;
            }
        }
    }

    public void Apply(string directory, LinuxResources resources)
    {
        if (resources.BlockIO is not { } blockIO)
        {
            return;
        }
        // CFQ (gone since Linux 5.0) had blkio.weight; BFQ has blkio.bfq.weight, with the same range.
        bool cfq = File.Exists(Path.Combine(directory, "blkio.weight"));
        string weightFile = cfq ? "blkio.weight" : "blkio.bfq.weight";
        string weightDeviceFile = cfq ? "blkio.weight_device" : "blkio.bfq.weight_device";

        if (blockIO.Weight is { } weight and not 0)
        {
            CgroupFiles.Write(directory, weightFile, CgroupFiles.Format(weight));
        }
        if (blockIO.LeafWeight is { } leafWeight and not 0)
        {
            CgroupFiles.Write(directory, "blkio.leaf_weight", CgroupFiles.Format(leafWeight));
        }
        foreach (LinuxWeightDevice device in blockIO.WeightDevice ?? [])
        {
            if (device.Weight is { } w and not 0)
            {
                CgroupFiles.Write(directory, weightDeviceFile, Invariant($"{device.Major}:{device.Minor} {w}"));
            }
            if (device.LeafWeight is { } lw and not 0)
            {
                CgroupFiles.Write(directory, "blkio.leaf_weight_device", Invariant($"{device.Major}:{device.Minor} {lw}"));
            }
        }
        foreach ((string file, Func<LinuxBlockIO, List<LinuxThrottleDevice>?> select, _) in s_throttles)
        {
            // One device per write; a rate of 0 removes the device's limit.
            foreach (LinuxThrottleDevice device in select(blockIO) ?? [])
            {
                CgroupFiles.Write(directory, file, Invariant($"{device.Major}:{device.Minor} {device.Rate}"));
            }
        }
    }

    public void ReadStats(string directory, ContainerStats stats)
    {
        foreach ((string bytesFile, string opsFile) in s_statFiles)
        {
            List<BlockIoEntry> bytes = ParseStat(CgroupFiles.TryRead(directory, bytesFile));
            if (bytes.Count > 0)
            {
                stats.BlockIo.IoServiceBytes = bytes;
                stats.BlockIo.IoServiced = ParseStat(CgroupFiles.TryRead(directory, opsFile));
                return;
            }
        }
    }

    /// <summary>"8:0 Read 1216512" lines; the closing "Total N" line (no device) is left out.</summary>
    internal static List<BlockIoEntry> ParseStat(string? text)
    {
        var entries = new List<BlockIoEntry>();
        foreach (string line in (text ?? "").Split('\n'))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 3 &&
                CgroupFiles.TryParseDevice(fields[0], out ulong major, out ulong minor) &&
                ulong.TryParse(fields[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong value))
            {
                entries.Add(new BlockIoEntry(major, minor, fields[1], value));
            }
        }
        return entries;
    }
}
