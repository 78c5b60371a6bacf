using LibContainer.Cgroups.V1;
using LibContainer.Spec;

namespace LibContainer.Cgroups.V2;

/// <summary>
/// The v2 hugetlb controller: hugetlb.&lt;size&gt;.max per spec entry, and
/// hugetlb.&lt;size&gt;.rsvd.max too where the kernel has reservation limits (as runc); usage
/// (.current) and failcnt (<c>max</c> of .events) per page size as statistics. v2 keeps no peak.
/// </summary>
internal sealed class HugetlbV2 : ICgroupController
{
    public string Name => "hugetlb";

    public CgroupVersion Version => CgroupVersion.V2;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors) =>
        HugetlbV1.ValidatePageSizes(resources, host, errors);

    public IEnumerable<string> Files(LinuxResources resources) =>
        (resources.HugepageLimits ?? []).SelectMany(l => new[] { $"hugetlb.{l.PageSize}.max", $"hugetlb.{l.PageSize}.rsvd.max" });

    public void Apply(string directory, LinuxResources resources) =>
        HugetlbV1.WriteLimits(directory, resources, ".max", ".rsvd.max");

    public void ReadStats(string directory, ContainerStats stats)
    {
        var hugetlb = new Dictionary<string, HugetlbStats>(stats.Hugetlb, StringComparer.Ordinal);
        foreach (string size in HugetlbV1.PageSizes(directory, ".current"))
        {
            string prefix = $"hugetlb.{size}";
            ulong failcnt = CgroupFiles.TryRead(directory, prefix + ".events") is { } events
                ? CgroupFiles.ParseFlatKeyed(events).GetValueOrDefault("max")
                : 0;
            hugetlb[size] = new HugetlbStats(CgroupFiles.ReadUInt64(directory, prefix + ".current"), 0, failcnt);
        }
        stats.Hugetlb = hugetlb;
    }
}
