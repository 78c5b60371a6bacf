using System.Globalization;
using LibContainer.Spec;

namespace LibContainer.Cgroups.V1;

/// <summary>
/// The v1 hugetlb controller: hugetlb.&lt;size&gt;.limit_in_bytes per spec entry, and
/// hugetlb.&lt;size&gt;.rsvd.limit_in_bytes too where the kernel has reservation limits (as runc);
/// usage, peak and failcnt per page size as statistics.
/// </summary>
internal sealed class HugetlbV1 : ICgroupController
{
    public string Name => "hugetlb";

    public CgroupVersion Version => CgroupVersion.V1;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors) =>
        ValidatePageSizes(resources, host, errors);

    /// <summary>Every pageSize must be one the host has (v1 and v2).</summary>
    internal static void ValidatePageSizes(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        List<LinuxHugepageLimit> limits = resources.HugepageLimits ?? [];
        for (int i = 0; i < limits.Count; i++)
        {
            if (!host.HugePageSizes.Contains(limits[i].PageSize))
            {
                string sizes = host.HugePageSizes.Count == 0 ? "none" : string.Join(", ", host.HugePageSizes.OrderBy(SizeInBytes).ThenBy(s => s, StringComparer.Ordinal));
                errors.Add(new SpecError($"linux.resources.hugepageLimits[{i}].pageSize", $"no huge pages of size {limits[i].PageSize} (host has {sizes})"));
            }
        }
    }

    /// <summary>"2MB" is 2097152; an unknown form sorts last.</summary>
    private static ulong SizeInBytes(string size)
    {
        int shift = size.EndsWith("KB", StringComparison.Ordinal) ? 10
            : size.EndsWith("MB", StringComparison.Ordinal) ? 20
            : size.EndsWith("GB", StringComparison.Ordinal) ? 30
            : -1;
        return shift >= 0 && ulong.TryParse(size.AsSpan(0, size.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out ulong n)
            ? n << shift
            : ulong.MaxValue;
    }

    public IEnumerable<string> Files(LinuxResources resources) =>
        (resources.HugepageLimits ?? []).SelectMany(l => new[] { $"hugetlb.{l.PageSize}.limit_in_bytes", $"hugetlb.{l.PageSize}.rsvd.limit_in_bytes" });

    public void Apply(string directory, LinuxResources resources) =>
        WriteLimits(directory, resources, ".limit_in_bytes", ".rsvd.limit_in_bytes");

    /// <summary>Writes each limit into hugetlb.&lt;size&gt;&lt;limit&gt;, and into the reservation file when it exists.</summary>
    internal static void WriteLimits(string directory, LinuxResources resources, string limitSuffix, string reservationSuffix)
    {
        foreach (LinuxHugepageLimit limit in resources.HugepageLimits ?? [])
        {
            string value = CgroupFiles.Format(limit.Limit);
            CgroupFiles.Write(directory, $"hugetlb.{limit.PageSize}{limitSuffix}", value);
            string reservation = $"hugetlb.{limit.PageSize}{reservationSuffix}";
            if (File.Exists(Path.Combine(directory, reservation)))
            {
                CgroupFiles.Write(directory, reservation, value);
            }
        }
    }

    public void ReadStats(string directory, ContainerStats stats)
    {
        var hugetlb = new Dictionary<string, HugetlbStats>(stats.Hugetlb, StringComparer.Ordinal);
        foreach (string size in PageSizes(directory, ".usage_in_bytes"))
        {
            string prefix = $"hugetlb.{size}";
            hugetlb[size] = new HugetlbStats(
                CgroupFiles.ReadUInt64(directory, prefix + ".usage_in_bytes"),
                CgroupFiles.ReadUInt64(directory, prefix + ".max_usage_in_bytes"),
                CgroupFiles.ReadUInt64(directory, prefix + ".failcnt"));
        }
        stats.Hugetlb = hugetlb;
    }

    /// <summary>The page sizes of a hugetlb cgroup directory: the &lt;size&gt; of every hugetlb.&lt;size&gt;&lt;suffix&gt; (rsvd files left out).</summary>
    internal static IEnumerable<string> PageSizes(string directory, string suffix) =>
        Directory.EnumerateFiles(directory, "hugetlb.*" + suffix, new EnumerationOptions { MatchType = MatchType.Simple })
            .Select(path => Path.GetFileName(path))
            .Where(name => name.Length > "hugetlb.".Length + suffix.Length && name.EndsWith(suffix, StringComparison.Ordinal))
            .Select(name => name["hugetlb.".Length..^suffix.Length])
            .Where(size => size.Length > 0 && !size.Contains('.', StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
}
