using LibContainer.Spec;
using static System.FormattableString;

namespace LibContainer.Cgroups.V1;

/// <summary>
/// The v1 devices controller: each rule of linux.resources.devices, in order, as one write of
/// <c>type major:minor access</c> (<c>c 1:3 rwm</c>, <c>a *:* rwm</c>) to devices.allow or
/// devices.deny. When the first rule denies everything it is written as <c>a</c> to devices.deny,
/// which empties the cgroup's list and makes deny the default. The kernel treats every rule of
/// type <c>a</c> as "all devices", whatever its numbers and access.
/// </summary>
internal sealed class DevicesV1 : ICgroupController
{
    public string Name => "devices";

    public CgroupVersion Version => CgroupVersion.V1;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        List<LinuxDeviceCgroup> rules = resources.Devices ?? [];
        for (int i = 0; i < rules.Count; i++)
        {
            LinuxDeviceCgroup rule = rules[i];
            string path = $"linux.resources.devices[{i}]";
            if (rule.Type is not (null or "a" or "b" or "c"))
            {
                errors.Add(new SpecError(path + ".type", $"must be \"a\", \"b\" or \"c\", got \"{rule.Type}\""));
            }
            if (rule.Major is < -1 and var major)
            {
                errors.Add(new SpecError(path + ".major", Invariant($"must be -1 (all) or at least 0, got {major}")));
            }
            if (rule.Minor is < -1 and var minor)
            {
                errors.Add(new SpecError(path + ".minor", Invariant($"must be -1 (all) or at least 0, got {minor}")));
            }
            if (rule.Access is { } access && access.Any(c => c is not ('r' or 'w' or 'm')))
            {
                errors.Add(new SpecError(path + ".access", $"must be a combination of r, w and m, got \"{access}\""));
            }
        }
    }

    /// <summary>
    /// Nothing: devices.allow and devices.deny are write-only (devices.list is what reads back),
    /// so there is no old value to restore; a failed update re-applies the previous rules instead.
    /// </summary>
    public IEnumerable<string> Files(LinuxResources resources) => [];

    public void Apply(string directory, LinuxResources resources)
    {
        if (resources.Devices is not { Count: > 0 } rules)
        {
            return;
        }
        int first = 0;
        if (DeniesAll(rules[0]))
        {
            CgroupFiles.Write(directory, "devices.deny", "a");
            first = 1;
        }
        foreach (LinuxDeviceCgroup rule in rules.Skip(first))
        {
            CgroupFiles.Write(directory, rule.Allow ? "devices.allow" : "devices.deny", Format(rule));
        }
    }

    /// <summary>A rule as the kernel takes it: <c>c 1:3 rwm</c>; unset or -1 numbers are <c>*</c>, unset access is <c>rwm</c>.</summary>
    internal static string Format(LinuxDeviceCgroup rule)
    {
        string type = rule.Type ?? "a";
        string major = rule.Major is null or -1 ? "*" : CgroupFiles.Format(rule.Major.Value);
        string minor = rule.Minor is null or -1 ? "*" : CgroupFiles.Format(rule.Minor.Value);
        string access = string.IsNullOrEmpty(rule.Access) ? "rwm" : rule.Access;
        return $"{type} {major}:{minor} {access}";
    }

    /// <summary>A deny rule for all devices, all numbers and all access: the usual first rule of a spec.</summary>
    private static bool DeniesAll(LinuxDeviceCgroup rule) =>
        !rule.Allow && rule.Type is null or "a" && rule.Major is null or -1 && rule.Minor is null or -1 &&
        (string.IsNullOrEmpty(rule.Access) || (rule.Access.Contains('r', StringComparison.Ordinal) &&
            rule.Access.Contains('w', StringComparison.Ordinal) && rule.Access.Contains('m', StringComparison.Ordinal)));

    public void ReadStats(string directory, ContainerStats stats)
    {
        // No statistics.
    }
}
