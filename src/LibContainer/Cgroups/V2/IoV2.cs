using LibContainer.Cgroups.V1;
using LibContainer.Spec;
using static System.FormattableString;

namespace LibContainer.Cgroups.V2;

/// <summary>
/// The v2 io controller: weights into io.bfq.weight when the BFQ scheduler provides it (same
/// 10-1000 range as blkio), else into io.weight converted to its 1-10000 range as runc does
/// (<c>default N</c>, <c>major:minor N</c>); the throttle lists into io.max, one write per device
/// (<c>8:0 rbps=1048576 wiops=max</c>; a rate of 0 is <c>max</c>, no limit, as on v1). Statistics
/// from io.stat. v2 has no leaf weights: setting one is a validation error.
/// </summary>
internal sealed class IoV2 : ICgroupController
{
    private const string WeightFile = "io.weight";
    private const string BfqWeightFile = "io.bfq.weight";
    private const string MaxFile = "io.max";

    public string Name => "io";

    public CgroupVersion Version => CgroupVersion.V2;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        if (resources.BlockIO is not { } blockIO)
        {
            return;
        }
        BlkioV1.ValidateDevices(blockIO, errors);
        if (blockIO.LeafWeight is not (null or 0))
        {
            errors.Add(new SpecError("linux.resources.blockIO.leafWeight", "is not supported on cgroup v2"));
        }
        for (int i = 0; i < (blockIO.WeightDevice?.Count ?? 0); i++)
        {
            if (blockIO.WeightDevice![i].LeafWeight is not (null or 0))
            {
                errors.Add(new SpecError($"linux.resources.blockIO.weightDevice[{i}].leafWeight", "is not supported on cgroup v2"));
            }
        }
    }

    /// <summary>runc's mapping of a blkio weight [10, 1000] onto io.weight [1, 10000]: 1 + (weight - 10) * 9999 / 990.</summary>
    internal static ulong BlkioToIoWeight(ulong weight) => 1 + ((weight - 10) * 9999 / 990);

    public IEnumerable<string> Files(LinuxResources resources)
    {
        if (resources.BlockIO is not { } blockIO)
        {
            yield break;
        }
        if (blockIO.Weight is not (null or 0) || (blockIO.WeightDevice?.Any(d => d.Weight is not (null or 0)) ?? false))
        {
            yield return WeightFile;
            yield return BfqWeightFile;
        }
        if (Limits(blockIO).Count > 0)
        {
            yield return MaxFile;
        }
    }

    public void Apply(string directory, LinuxResources resources)
    {
        if (resources.BlockIO is not { } blockIO)
        {
            return;
        }
        bool bfq = File.Exists(Path.Combine(directory, BfqWeightFile));
        string file = bfq ? BfqWeightFile : WeightFile;
        string Weight(ushort weight) => CgroupFiles.Format(bfq ? weight : BlkioToIoWeight(weight));

        if (blockIO.Weight is { } weight and not 0)
        {
            CgroupFiles.Write(directory, file, $"default {Weight(weight)}");
        }
        foreach (LinuxWeightDevice device in blockIO.WeightDevice ?? [])
        {
            if (device.Weight is { } w and not 0)
            {
                CgroupFiles.Write(directory, file, Invariant($"{device.Major}:{device.Minor} {Weight(w)}"));
            }
        }
        foreach ((string deviceNumber, List<(string Key, ulong Rate)> limits) in Limits(blockIO))
        {
            IEnumerable<string> pairs = limits.Select(l => $"{l.Key}={(l.Rate == 0 ? "max" : CgroupFiles.Format(l.Rate))}");
            CgroupFiles.Write(directory, MaxFile, $"{deviceNumber} {string.Join(' ', pairs)}");
        }
    }

    /// <summary>The throttle lists grouped by device, in the order devices first appear; rbps, wbps, riops, wiops per device (the last entry of a key wins).</summary>
    private static List<(string Device, List<(string Key, ulong Rate)> Limits)> Limits(LinuxBlockIO blockIO)
    {
        var devices = new List<(string Device, List<(string Key, ulong Rate)> Limits)>();
        (string Key, List<LinuxThrottleDevice>? List)[] lists =
        [
            ("rbps", blockIO.ThrottleReadBpsDevice),
            ("wbps", blockIO.ThrottleWriteBpsDevice),
            ("riops", blockIO.ThrottleReadIOPSDevice),
            ("wiops", blockIO.ThrottleWriteIOPSDevice),
        ];
        foreach ((string key, List<LinuxThrottleDevice>? list) in lists)
        {
            foreach (LinuxThrottleDevice device in list ?? [])
            {
                string number = Invariant($"{device.Major}:{device.Minor}");
                int index = devices.FindIndex(d => d.Device == number);
                if (index < 0)
                {
                    devices.Add((number, []));
                    index = devices.Count - 1;
                }
                List<(string Key, ulong Rate)> limits = devices[index].Limits;
                limits.RemoveAll(l => l.Key == key);
                limits.Add((key, device.Rate));
            }
        }
        return devices;
    }

    public void ReadStats(string directory, ContainerStats stats)
    {
        // "8:0 rbytes=90430464 wbytes=3399680 rios=2373 wios=337 dbytes=0 dios=0"
        var bytes = new List<BlockIoEntry>();
        var ios = new List<BlockIoEntry>();
        foreach ((string key, Dictionary<string, ulong> values) in CgroupFiles.ParseNestedKeyed(CgroupFiles.TryRead(directory, "io.stat") ?? ""))
        {
            if (!CgroupFiles.TryParseDevice(key, out ulong major, out ulong minor))
            {
                continue;
            }
            foreach ((string name, ulong value) in values)
            {
                (List<BlockIoEntry>? list, string? op) = name switch
                {
                    "rbytes" => (bytes, "Read"),
                    "wbytes" => (bytes, "Write"),
                    "dbytes" => (bytes, "Discard"),
                    "rios" => (ios, "Read"),
                    "wios" => (ios, "Write"),
                    "dios" => (ios, "Discard"),
                    _ => ((List<BlockIoEntry>?)null, (string?)null),
                };
                list?.Add(new BlockIoEntry(major, minor, op!, value));
            }
        }
        stats.BlockIo.IoServiceBytes = bytes;
        stats.BlockIo.IoServiced = ios;
    }
}
