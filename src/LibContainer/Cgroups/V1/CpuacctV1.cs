using System.Globalization;
using LibContainer.Spec;

namespace LibContainer.Cgroups.V1;

/// <summary>
/// The v1 cpuacct controller, statistics only: cpuacct.usage and cpuacct.usage_percpu (ns) and
/// cpuacct.stat (user and system time in USER_HZ ticks, converted to ns).
/// </summary>
internal sealed class CpuacctV1 : ICgroupController
{
    /// <summary>USER_HZ, the unit of cpuacct.stat: 100 on every Linux architecture the library runs on.</summary>
    internal const ulong UserHz = 100;

    private const ulong NanosecondsPerTick = 1_000_000_000 / UserHz;

    public string Name => "cpuacct";

    public CgroupVersion Version => CgroupVersion.V1;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        // Nothing to set.
    }

    public IEnumerable<string> Files(LinuxResources resources) => [];

    public void Apply(string directory, LinuxResources resources)
    {
        // Nothing to set.
    }

    public void ReadStats(string directory, ContainerStats stats)
    {
        stats.Cpu.TotalUsage = CgroupFiles.ReadUInt64(directory, "cpuacct.usage");
        stats.Cpu.PerCpuUsage = ParsePerCpu(CgroupFiles.Read(directory, "cpuacct.usage_percpu"), Path.Combine(directory, "cpuacct.usage_percpu"));
        Dictionary<string, ulong> stat = CgroupFiles.ParseFlatKeyed(CgroupFiles.Read(directory, "cpuacct.stat"));
        stats.Cpu.UserUsage = stat.GetValueOrDefault("user") * NanosecondsPerTick;
        stats.Cpu.SystemUsage = stat.GetValueOrDefault("system") * NanosecondsPerTick;
    }

    /// <summary>"888111824911 950217285943 " (one value per possible CPU, a trailing space).</summary>
    private static ulong[] ParsePerCpu(string text, string path)
    {
        string[] fields = text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        var values = new ulong[fields.Length];
        for (int i = 0; i < fields.Length; i++)
        {
            if (!ulong.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]))
            {
                throw new ContainerException($"{path}: expected numbers, got \"{text.Trim()}\".");
            }
        }
        return values;
    }
}
