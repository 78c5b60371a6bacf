using System.Globalization;
using LibContainer.Interop;
using LibContainer.Spec;
using Tmds.Linux;

namespace LibContainer.Cgroups.V2;

/// <summary>
/// Device access for cgroup v2, which has no devices.* files: <c>linux.resources.devices</c> becomes
/// a BPF_PROG_TYPE_CGROUP_DEVICE program (<see cref="DeviceFilter"/>) attached to the cgroup
/// directory, replacing the device programs attached before, as runc's devices/ebpf_linux.go does.
/// </summary>
internal sealed class DevicesV2 : ICgroupController
{
    public string Name => "devices";

    public CgroupVersion Version => CgroupVersion.V2;

    public void Validate(LinuxResources resources, CgroupHostInfo host, ICollection<SpecError> errors)
    {
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentNullException.ThrowIfNull(errors);
        if (resources.Devices is not { } rules)
        {
            return;
        }
        for (int i = 0; i < rules.Count; i++)
        {
            string at = string.Create(CultureInfo.InvariantCulture, $"linux.resources.devices[{i}]");
            LinuxDeviceCgroup rule = rules[i];
            if (rule is null)
            {
                errors.Add(new SpecError(at, "must be an object, got null"));
                continue;
            }
            if (rule.Type is not (null or "" or "a" or "b" or "c"))
            {
                errors.Add(new SpecError($"{at}.type", $"must be one of a, b, c, got \"{rule.Type}\""));
            }
            if (DeviceFilter.AccessBits(rule.Access) < 0)
            {
                errors.Add(new SpecError($"{at}.access", $"must be a combination of r, w and m, got \"{rule.Access}\""));
            }
            CheckNumber($"{at}.major", rule.Major, errors);
            CheckNumber($"{at}.minor", rule.Minor, errors);
        }
    }

    public IEnumerable<string> Files(LinuxResources resources) => [];

    public void Apply(string directory, LinuxResources resources)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(resources);
        if (resources.Devices is not { } rules)
        {
            return;
        }
        byte[] program = DeviceFilter.Compile(rules);

        using SafeFd dir = Sys.Open(directory, LibC.O_RDONLY | LibC.O_DIRECTORY);
        uint[] previous = Sys.BpfProgQuery(dir, directory);
        using (SafeFd prog = Sys.BpfProgLoad(program, DeviceFilter.License))
        {
            // The attachment holds the program in the kernel; our fd is not needed after it.
            Sys.BpfProgAttach(dir, prog, Sys.BPF_F_ALLOW_MULTI, directory);
        }

        // A device must pass every attached program, so the old ones go, but only after the new one
        // is in place: the cgroup is never without a filter. Programs a security module hides from
        // us stay; they can only take access away.
        foreach (uint id in previous)
        {
            using SafeFd? old = Sys.BpfProgGetFdById(id);
            if (old is not null)
            {
                Sys.BpfProgDetach(dir, old, directory);
            }
        }
    }

    public void ReadStats(string directory, ContainerStats stats)
    {
        // The devices controller has no statistics.
    }

    private static void CheckNumber(string at, long? value, ICollection<SpecError> errors)
    {
        if (value is < -1 or > uint.MaxValue)
        {
            errors.Add(new SpecError(at, string.Create(CultureInfo.InvariantCulture, $"must be -1 (any) or between 0 and {uint.MaxValue}, got {value}")));
        }
    }
}
