using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace LibContainer.Spec;

public static partial class SpecValidator
{
    private static readonly FrozenSet<string> s_rootfsPropagations = FrozenSet.ToFrozenSet(
    [
        "", "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable",
    ], StringComparer.Ordinal);

    // Sysctls isolated by the IPC namespace, besides fs.mqueue.* (runc's validator list).
    private static readonly FrozenSet<string> s_ipcSysctls = FrozenSet.ToFrozenSet(
    [
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
    ], StringComparer.Ordinal);

    private static readonly FrozenSet<string> s_seccompActions = FrozenSet.ToFrozenSet(
    [
        "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
        "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
    ], StringComparer.Ordinal);

    private static readonly FrozenSet<string> s_seccompOperators = FrozenSet.ToFrozenSet(
    [
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
    ], StringComparer.Ordinal);

    private static readonly FrozenSet<string> s_seccompFlags = FrozenSet.ToFrozenSet(
    [
        "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    ], StringComparer.Ordinal);

    private static void ValidateLinux(Linux linux, Context context)
    {
        ValidateNamespaces(linux.Namespaces, context);
        ValidateUserNamespaceMappings("linux.uidMappings", linux.UidMappings, context);
        ValidateUserNamespaceMappings("linux.gidMappings", linux.GidMappings, context);
        ValidateTimeOffsets(linux.TimeOffsets, context);
        ValidateDevices(linux.Devices, context);
        if (linux.Resources is not null)
        {
            ValidateResources(linux.Resources, context);
        }
        if (linux.RootfsPropagation is not null && !s_rootfsPropagations.Contains(linux.RootfsPropagation))
        {
            context.Add("linux.rootfsPropagation",
                $"must be one of private, rprivate, slave, rslave, shared, rshared, unbindable, runbindable, got {Quote(linux.RootfsPropagation)}");
        }
        if (linux.Seccomp is not null)
        {
            ValidateSeccomp(linux.Seccomp, context);
        }
        ValidateSysctl(linux.Sysctl, context);
        ValidateRestrictedPaths("linux.maskedPaths", linux.MaskedPaths, context);
        ValidateRestrictedPaths("linux.readonlyPaths", linux.ReadonlyPaths, context);

        if (linux.IntelRdt?.ClosId is { } closId && (closId is "." or ".." || closId.Contains('/', StringComparison.Ordinal)))
        {
            context.Add("linux.intelRdt.closID", $"must be a plain resctrl group name, got {Quote(closId)}");
        }
        if (linux.Personality is { } personality && personality.Domain is not ("LINUX" or "LINUX32"))
        {
            context.Add("linux.personality.domain", $"must be LINUX or LINUX32, got {Quote(personality.Domain)}");
        }
    }

    private static void ValidateNamespaces(List<LinuxNamespace>? namespaces, Context context)
    {
        if (namespaces is null)
        {
            return;
        }
        for (int i = 0; i < namespaces.Count; i++)
        {
            string at = Index("linux.namespaces", i);
            LinuxNamespace ns = namespaces[i];
            if (ns is null)
            {
                context.Add(at, "must be an object, got null");
                continue;
            }
            if (!LinuxNamespaceTypes.TryParse(ns.Type, out LinuxNamespaceType type))
            {
                context.Add($"{at}.type", $"unknown namespace type {Quote(ns.Type)}, expected one of {string.Join(", ", LinuxNamespaceTypes.SpecNames)}");
            }
            else if (context.Namespaces[type].Index != i)
            {
                context.Add($"{at}.type", $"duplicate namespace type {Quote(ns.Type)}, already listed at {Index("linux.namespaces", context.Namespaces[type].Index)}");
            }
            if (!string.IsNullOrEmpty(ns.Path))
            {
                CheckAbsolute($"{at}.path", ns.Path, context, rejectDotDot: false);
            }
        }
    }

    private static void ValidateUserNamespaceMappings(string path, List<LinuxIdMapping>? mappings, Context context)
    {
        bool hasMappings = mappings is { Count: > 0 };
        if (!context.Namespaces.TryGetValue(LinuxNamespaceType.User, out NamespaceEntry user))
        {
            if (hasMappings)
            {
                context.Add(path, "requires a user namespace in linux.namespaces");
            }
        }
        else if (user.Path is null && !hasMappings)
        {
            context.Add(path, "is required when creating a new user namespace");
        }
        ValidateIdMappings(path, mappings, context);
    }

    private static void ValidateTimeOffsets(Dictionary<string, LinuxTimeOffset>? offsets, Context context)
    {
        if (offsets is null || offsets.Count == 0)
        {
            return;
        }
        if (!context.Namespaces.TryGetValue(LinuxNamespaceType.Time, out NamespaceEntry time))
        {
            context.Add("linux.timeOffsets", "requires a time namespace in linux.namespaces");
        }
        else if (time.Path is not null)
        {
            context.Add("linux.timeOffsets", $"cannot be set when joining an existing time namespace ({Index("linux.namespaces", time.Index)}.path is set)");
        }
        foreach ((string clock, LinuxTimeOffset offset) in offsets)
        {
            string at = Key("linux.timeOffsets", clock);
            if (clock is not ("monotonic" or "boottime"))
            {
                context.Add(at, "unknown clock, expected monotonic or boottime");
            }
            if (offset?.Nanosecs is >= 1_000_000_000)
            {
                context.Add($"{at}.nanosecs", Invariant($"must be less than 1000000000, got {offset.Nanosecs}"));
            }
        }
    }

    private static void ValidateDevices(List<LinuxDevice>? devices, Context context)
    {
        if (devices is null)
        {
            return;
        }
        for (int i = 0; i < devices.Count; i++)
        {
            string at = Index("linux.devices", i);
            LinuxDevice device = devices[i];
            if (device is null)
            {
                context.Add(at, "must be an object, got null");
                continue;
            }
            if (device.Type is not ("c" or "b" or "u" or "p"))
            {
                context.Add($"{at}.type", $"must be one of c, b, u, p, got {Quote(device.Type)}");
            }
            CheckAbsolute($"{at}.path", device.Path, context, rejectDotDot: true);
            if (device.Type is "c" or "b" or "u")
            {
                if (device.Major is null)
                {
                    context.Add($"{at}.major", $"is required for device type {Quote(device.Type)}");
                }
                if (device.Minor is null)
                {
                    context.Add($"{at}.minor", $"is required for device type {Quote(device.Type)}");
                }
            }
            if (device.FileMode is > 0xFFF)
            {
                context.Add($"{at}.fileMode", Invariant($"must hold only permission bits (at most 07777), got {device.FileMode}"));
            }
        }
    }

    private static void ValidateResources(LinuxResources resources, Context context)
    {
        if (resources.Devices is { } rules)
        {
            for (int i = 0; i < rules.Count; i++)
            {
                string at = Index("linux.resources.devices", i);
                LinuxDeviceCgroup rule = rules[i];
                if (rule is null)
                {
                    context.Add(at, "must be an object, got null");
                    continue;
                }
                if (rule.Type is not (null or "" or "a" or "b" or "c"))
                {
                    context.Add($"{at}.type", $"must be one of a, b, c, got {Quote(rule.Type)}");
                }
                if (rule.Access is not null && (rule.Access.Length == 0 || rule.Access.Any(c => c is not ('r' or 'w' or 'm'))))
                {
                    context.Add($"{at}.access", $"must be a combination of r, w and m, got {Quote(rule.Access)}");
                }
            }
        }

        if (resources.Memory is { } memory)
        {
            if (memory.Swappiness is > 100)
            {
                context.Add("linux.resources.memory.swappiness", Invariant($"must be between 0 and 100, got {memory.Swappiness}"));
            }
            if (memory.Limit is > 0 && memory.Swap is > 0 && memory.Swap < memory.Limit)
            {
                context.Add("linux.resources.memory.swap",
                    Invariant($"memory+swap limit {memory.Swap} must be greater than or equal to the memory limit {memory.Limit}"));
            }
        }

        if (resources.BlockIO is { } blockIO)
        {
            CheckWeight("linux.resources.blockIO.weight", blockIO.Weight, context);
            CheckWeight("linux.resources.blockIO.leafWeight", blockIO.LeafWeight, context);
            if (blockIO.WeightDevice is { } weightDevices)
            {
                for (int i = 0; i < weightDevices.Count; i++)
                {
                    string at = Index("linux.resources.blockIO.weightDevice", i);
                    CheckWeight($"{at}.weight", weightDevices[i]?.Weight, context);
                    CheckWeight($"{at}.leafWeight", weightDevices[i]?.LeafWeight, context);
                }
            }
        }

        if (resources.HugepageLimits is { } hugepageLimits)
        {
            for (int i = 0; i < hugepageLimits.Count; i++)
            {
                string? pageSize = hugepageLimits[i]?.PageSize;
                if (pageSize is null || !PageSizeRegex().IsMatch(pageSize))
                {
                    context.Add($"{Index("linux.resources.hugepageLimits", i)}.pageSize", $"must be a size such as \"2MB\" or \"1GB\", got {Quote(pageSize)}");
                }
            }
        }

        static void CheckWeight(string path, ushort? weight, Context context)
        {
            // 0 means "not set" to runc's cgroup code.
            if (weight is ushort w && w != 0 && (w < 10 || w > 1000))
            {
                context.Add(path, Invariant($"must be between 10 and 1000, got {w}"));
            }
        }
    }

    private static void ValidateSeccomp(LinuxSeccomp seccomp, Context context)
    {
        if (seccomp.DefaultAction is null || !s_seccompActions.Contains(seccomp.DefaultAction))
        {
            context.Add("linux.seccomp.defaultAction", $"unknown seccomp action {Quote(seccomp.DefaultAction)}");
        }
        if (seccomp.Architectures is { } architectures)
        {
            for (int i = 0; i < architectures.Count; i++)
            {
                if (architectures[i] is null || !architectures[i].StartsWith("SCMP_ARCH_", StringComparison.Ordinal))
                {
                    context.Add(Index("linux.seccomp.architectures", i), $"must be an architecture such as SCMP_ARCH_X86_64, got {Quote(architectures[i])}");
                }
            }
        }
        if (seccomp.Flags is { } flags)
        {
            for (int i = 0; i < flags.Count; i++)
            {
                if (flags[i] is null || !s_seccompFlags.Contains(flags[i]))
                {
                    context.Add(Index("linux.seccomp.flags", i), $"unknown seccomp flag {Quote(flags[i])}");
                }
            }
        }
        if (seccomp.Syscalls is not { } syscalls)
        {
            return;
        }
        for (int i = 0; i < syscalls.Count; i++)
        {
            string at = Index("linux.seccomp.syscalls", i);
            LinuxSyscall syscall = syscalls[i];
            if (syscall is null)
            {
                context.Add(at, "must be an object, got null");
                continue;
            }
            if (syscall.Names is null || syscall.Names.Count == 0)
            {
                context.Add($"{at}.names", "must not be empty");
            }
            else
            {
                for (int j = 0; j < syscall.Names.Count; j++)
                {
                    if (string.IsNullOrEmpty(syscall.Names[j]))
                    {
                        context.Add(Index($"{at}.names", j), "must not be empty");
                    }
                }
            }
            if (syscall.Action is null || !s_seccompActions.Contains(syscall.Action))
            {
                context.Add($"{at}.action", $"unknown seccomp action {Quote(syscall.Action)}");
            }
            if (syscall.Args is not { } args)
            {
                continue;
            }
            for (int j = 0; j < args.Count; j++)
            {
                string argAt = Index($"{at}.args", j);
                LinuxSeccompArg arg = args[j];
                if (arg is null)
                {
                    context.Add(argAt, "must be an object, got null");
                    continue;
                }
                if (arg.Index > 5)
                {
                    context.Add($"{argAt}.index", Invariant($"must be between 0 and 5, got {arg.Index}"));
                }
                if (arg.Op is null || !s_seccompOperators.Contains(arg.Op))
                {
                    context.Add($"{argAt}.op", $"unknown seccomp operator {Quote(arg.Op)}");
                }
            }
        }
    }

    /// <summary>
    /// /proc/sys is only partly namespaced: mirrors runc's validator, which allows IPC sysctls with an IPC
    /// namespace, net.* with a network namespace and kernel.domainname with a UTS namespace.
    /// </summary>
    private static void ValidateSysctl(Dictionary<string, string>? sysctl, Context context)
    {
        if (sysctl is null)
        {
            return;
        }
        foreach (string key in sysctl.Keys)
        {
            string at = Key("linux.sysctl", key);
            if (key.Length == 0)
            {
                context.Add(at, "key must not be empty");
                continue;
            }
            string name = ToDottedSysctl(key);
            if (s_ipcSysctls.Contains(name) || name.StartsWith("fs.mqueue.", StringComparison.Ordinal))
            {
                if (!context.Namespaces.ContainsKey(LinuxNamespaceType.Ipc))
                {
                    context.Add(at, $"sysctl {Quote(name)} is not allowed in the host's IPC namespace");
                }
                continue;
            }
            if (name.StartsWith("net.", StringComparison.Ordinal))
            {
                if (!context.Namespaces.ContainsKey(LinuxNamespaceType.Network))
                {
                    context.Add(at, $"sysctl {Quote(name)} is not allowed in the host's network namespace");
                }
                continue;
            }
            if (context.Namespaces.ContainsKey(LinuxNamespaceType.Uts))
            {
                if (name == "kernel.domainname")
                {
                    continue;
                }
                if (name == "kernel.hostname")
                {
                    context.Add(at, $"sysctl {Quote(name)} is not allowed as it conflicts with the OCI \"hostname\" field");
                    continue;
                }
            }
            context.Add(at, $"sysctl {Quote(name)} is not in a separate kernel namespace");
        }
    }

    /// <summary>
    /// sysctl(8) accepts '/' as the separator; then '.' is part of a name ("net/ipv4/conf/eno2.100/rp_filter"
    /// is "net.ipv4.conf.eno2/100.rp_filter").
    /// </summary>
    internal static string ToDottedSysctl(string key)
    {
        int first = key.AsSpan().IndexOfAny('.', '/');
        if (first < 0 || key[first] == '.')
        {
            return key;
        }
        return string.Create(key.Length, key, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                span[i] = source[i] switch
                {
                    '.' => '/',
                    '/' => '.',
                    char c => c,
                };
            }
        });
    }

    private static void ValidateRestrictedPaths(string path, List<string>? paths, Context context)
    {
        if (paths is null || paths.Count == 0)
        {
            return;
        }
        if (!context.Namespaces.ContainsKey(LinuxNamespaceType.Mount))
        {
            context.Add(path, "requires a mount namespace in linux.namespaces");
        }
        for (int i = 0; i < paths.Count; i++)
        {
            CheckAbsolute(Index(path, i), paths[i], context, rejectDotDot: false);
        }
    }

    [GeneratedRegex(@"^[1-9][0-9]*[KMGTP]B$", RegexOptions.CultureInvariant)]
    private static partial Regex PageSizeRegex();
}
