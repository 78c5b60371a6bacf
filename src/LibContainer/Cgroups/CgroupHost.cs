using System.Globalization;
using LibContainer.Interop;

namespace LibContainer.Cgroups;

/// <summary>Reads <see cref="CgroupHostInfo"/> from the running kernel.</summary>
internal static class CgroupHost
{
    private static readonly Lazy<CgroupHostInfo> s_info = new(Read);
    private static readonly Lazy<CgroupLayout> s_layout = new(CgroupLayout.FromHost);

    public static CgroupHostInfo Info => s_info.Value;

    /// <summary>The host's cgroup mounts, read once per process.</summary>
    public static CgroupLayout Layout => s_layout.Value;

    private static CgroupHostInfo Read()
    {
        return new CgroupHostInfo
        {
            Cpus = ParseList(Sys.ReadText("/sys/devices/system/cpu/online")),
            MemoryNodes = Sys.TryReadText("/sys/devices/system/node/online") is { } nodes ? ParseList(nodes) : new HashSet<int> { 0 },
            HugePageSizes = HugePageSizes(),
        };
    }

    /// <summary>"0-3,5" as a set.</summary>
    public static HashSet<int> ParseList(string text)
    {
        var set = new HashSet<int>();
        foreach (string part in text.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int dash = part.IndexOf('-', StringComparison.Ordinal);
            int first = int.Parse(dash < 0 ? part : part[..dash], CultureInfo.InvariantCulture);
            int last = dash < 0 ? first : int.Parse(part[(dash + 1)..], CultureInfo.InvariantCulture);
            for (int i = first; i <= last; i++)
            {
                set.Add(i);
            }
        }
        return set;
    }

    /// <summary>"hugepages-2048kB" becomes "2MB", as the hugetlb controller names its files.</summary>
    private static HashSet<string> HugePageSizes()
    {
        var sizes = new HashSet<string>(StringComparer.Ordinal);
        const string Dir = "/sys/kernel/mm/hugepages";
        if (!Directory.Exists(Dir))
        {
            return sizes;
        }
        foreach (string entry in Directory.EnumerateDirectories(Dir))
        {
            string name = Path.GetFileName(entry);
            if (name.StartsWith("hugepages-", StringComparison.Ordinal) && name.EndsWith("kB", StringComparison.Ordinal) &&
                long.TryParse(name["hugepages-".Length..^2], NumberStyles.None, CultureInfo.InvariantCulture, out long kb))
            {
                sizes.Add(PageSizeName(kb * 1024));
            }
        }
        return sizes;
    }

    /// <summary>Bytes as the kernel's hugetlb file names say them: 64KB, 2MB, 1GB.</summary>
    public static string PageSizeName(long bytes) =>
        bytes >= 1L << 30 && bytes % (1L << 30) == 0 ? $"{bytes >> 30}GB"
        : bytes >= 1L << 20 && bytes % (1L << 20) == 0 ? $"{bytes >> 20}MB"
        : $"{bytes >> 10}KB";
}
