using System.Globalization;
using LibContainer.Spec;

namespace LibContainer.Security;

/// <summary>Linux capability names (linux/capability.h) and the bit masks the init applies.</summary>
internal static class Capabilities
{
    private static readonly string[] s_names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    private static readonly Dictionary<string, int> s_numbers =
        s_names.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);

    public static IReadOnlyList<string> Names => s_names;

    /// <summary>Every capability this library knows, as a mask.</summary>
    public static ulong All => (1UL << s_names.Length) - 1;

    /// <summary>The capability number of a name such as CAP_KILL, or null for a name the kernel does not have.</summary>
    public static int? Number(string name) => s_numbers.TryGetValue(name, out int n) ? n : null;

    /// <summary>The bit mask of a list of names; unknown names are left out.</summary>
    public static ulong Mask(IEnumerable<string>? names)
    {
        ulong mask = 0;
        foreach (string name in names ?? [])
        {
            if (name is not null && Number(name) is int n)
            {
                mask |= 1UL << n;
            }
        }
        return mask;
    }

    public static string Describe(IEnumerable<string>? names) => names is null ? "none" : string.Join(',', names.Select(n => n.StartsWith("CAP_", StringComparison.Ordinal) ? n[4..] : n));

    /// <summary>A mask as names without the CAP_ prefix ("none" when empty).</summary>
    public static string Describe(ulong mask)
    {
        var names = new List<string>();
        for (int i = 0; i < 64; i++)
        {
            if ((mask & (1UL << i)) != 0)
            {
                names.Add(i < s_names.Length ? s_names[i][4..] : i.ToString(CultureInfo.InvariantCulture));
            }
        }
        return names.Count == 0 ? "none" : string.Join(',', names);
    }

    /// <summary>
    /// The bounding set of this process (CapBnd in /proc/self/status): what a container started from it
    /// can be granted. All known capabilities when the file cannot be read.
    /// </summary>
    public static ulong ReadBoundingSet()
    {
        string? status = Interop.Sys.TryReadText("/proc/self/status");
        foreach (string line in status?.Split('\n') ?? [])
        {
            if (line.StartsWith("CapBnd:", StringComparison.Ordinal) &&
                ulong.TryParse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong mask))
            {
                return mask;
            }
        }
        return All;
    }

    /// <summary>
    /// The masks the init applies. As the runtime-spec (1.1 on) says: "Any value which cannot be mapped to a
    /// relevant kernel interface, or cannot be granted otherwise MUST be logged as a warning by the runtime.
    /// Runtimes SHOULD NOT fail if the container configuration requests capabilities that cannot be granted".
    /// So unknown names and capabilities outside <paramref name="grantable"/> (the runtime's own bounding set)
    /// are left out with a warning, and an ambient capability is raised only when it is also permitted and
    /// inheritable (the kernel refuses any other; runc and crun drop those silently).
    /// </summary>
    public static CapabilitySets Resolve(LinuxCapabilities? caps, ulong grantable, ICollection<string> warnings)
    {
        ulong Set(List<string>? names, string field)
        {
            var unknown = new List<string>();
            var refused = new List<string>();
            ulong mask = 0;
            foreach (string name in names ?? [])
            {
                if (name is null || Number(name) is not int n)
                {
                    unknown.Add(name ?? "null");
                }
                else if ((grantable & (1UL << n)) == 0)
                {
                    refused.Add(name);
                }
                else
                {
                    mask |= 1UL << n;
                }
            }
            if (unknown.Count > 0)
            {
                warnings.Add($"{field}: unknown capabilities ignored: {string.Join(", ", unknown)}");
            }
            if (refused.Count > 0)
            {
                warnings.Add($"{field}: capabilities this host cannot grant (not in the runtime's bounding set) ignored: {string.Join(", ", refused)}");
            }
            return mask;
        }

        ulong bounding = Set(caps?.Bounding, "process.capabilities.bounding");
        ulong effective = Set(caps?.Effective, "process.capabilities.effective");
        ulong permitted = Set(caps?.Permitted, "process.capabilities.permitted");
        ulong inheritable = Set(caps?.Inheritable, "process.capabilities.inheritable");
        ulong ambient = Set(caps?.Ambient, "process.capabilities.ambient");
        ulong notRaised = ambient & ~(permitted & inheritable);
        if (notRaised != 0)
        {
            warnings.Add($"process.capabilities.ambient: not also permitted and inheritable, so not raised (the kernel refuses them): {Describe(notRaised)}");
        }
        return new CapabilitySets(bounding, effective, permitted, inheritable, ambient & ~notRaised);
    }
}

/// <summary>The capability masks the init applies (bit n = capability n).</summary>
internal readonly record struct CapabilitySets(ulong Bounding, ulong Effective, ulong Permitted, ulong Inheritable, ulong Ambient);
