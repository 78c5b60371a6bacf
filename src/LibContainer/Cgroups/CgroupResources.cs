using LibContainer.Spec;

namespace LibContainer.Cgroups;

/// <summary>The resources a container's cgroups really get: the spec's, plus what runc adds.</summary>
internal static class CgroupResources
{
    /// <summary>
    /// The device rules runc appends after the spec's own (specconv AllowedDevices): mknod of any
    /// device, and the devices every container has. Without them a spec that denies all (as
    /// `runc spec` writes) would deny /dev/null.
    /// </summary>
    private static readonly LinuxDeviceCgroup[] s_allowedDevices =
    [
        Allow("c", null, null, "m"),
        Allow("b", null, null, "m"),
        Allow("c", 1, 3, "rwm"),   // null
        Allow("c", 1, 8, "rwm"),   // random
        Allow("c", 1, 7, "rwm"),   // full
        Allow("c", 5, 0, "rwm"),   // tty
        Allow("c", 1, 5, "rwm"),   // zero
        Allow("c", 1, 9, "rwm"),   // urandom
        Allow("c", 136, null, "rwm"), // /dev/pts/*
        Allow("c", 5, 2, "rwm"),   // ptmx
        Allow("c", 10, 200, "rwm"), // tun
    ];

    private static LinuxDeviceCgroup Allow(string type, long? major, long? minor, string access) =>
        new() { Allow = true, Type = type, Major = major, Minor = minor, Access = access };

    /// <summary>The spec's resources with the default device rules and one rule per linux.devices entry appended.</summary>
    public static LinuxResources Effective(RuntimeSpec spec)
    {
        LinuxResources resources = spec.Linux?.Resources ?? new LinuxResources();
        var devices = new List<LinuxDeviceCgroup>(resources.Devices ?? []);
        if (devices.Count > 0 || spec.Linux?.Resources?.Devices is not null)
        {
            devices.AddRange(s_allowedDevices);
            foreach (LinuxDevice device in spec.Linux?.Devices ?? [])
            {
                if (device.Type is "c" or "u" or "b")
                {
                    devices.Add(Allow(device.Type == "b" ? "b" : "c", device.Major, device.Minor, "rwm"));
                }
            }
        }
        return resources with { Devices = devices.Count > 0 ? devices : null };
    }
}
