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

    /// <summary>The capability number of a name such as CAP_KILL, or null for a name the kernel does not have.</summary>
    public static int? Number(string name) => s_numbers.TryGetValue(name, out int n) ? n : null;

    /// <summary>The bit mask of a list of names (all known: the validator rejected unknown ones).</summary>
    public static ulong Mask(IEnumerable<string>? names)
    {
        ulong mask = 0;
        foreach (string name in names ?? [])
        {
            if (Number(name) is int n)
            {
                mask |= 1UL << n;
            }
        }
        return mask;
    }

    public static string Describe(IEnumerable<string>? names) => names is null ? "none" : string.Join(',', names.Select(n => n.StartsWith("CAP_", StringComparison.Ordinal) ? n[4..] : n));
}
