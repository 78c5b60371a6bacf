using LibContainer.Interop;
using LibContainer.Spec;

namespace LibContainer.Security;

/// <summary>
/// Compiles linux.seccomp to a BPF program with libseccomp, in the library's process; the init only
/// loads the bytes (seccomp(2)) as late as it can. Unknown syscall names are skipped, as libseccomp
/// and runc do (a profile names syscalls of many kernels); an unknown action is an error.
/// </summary>
internal static unsafe class SeccompCompiler
{
    public const uint SECCOMP_FILTER_FLAG_TSYNC = 1;
    public const uint SECCOMP_FILTER_FLAG_LOG = 2;
    public const uint SECCOMP_FILTER_FLAG_SPEC_ALLOW = 4;
    public const uint SECCOMP_FILTER_FLAG_NEW_LISTENER = 8;
    private const int SCMP_FLTATR_CTL_NNP = 3;
    private const int EPERM = 1;

    /// <summary>The program (struct sock_filter[]) and the seccomp(2) flags.</summary>
    public static (byte[] Program, uint Flags) Compile(LinuxSeccomp profile)
    {
        uint defaultAction = Action(profile.DefaultAction, profile.DefaultErrnoRet, "linux.seccomp.defaultAction");
        nint ctx;
        try
        {
            ctx = Seccomp.seccomp_init(defaultAction);
        }
        catch (DllNotFoundException ex)
        {
            throw new ContainerException("linux.seccomp: libseccomp (libseccomp.so.2) is not installed: apt-get install libseccomp2.", ex);
        }
        if (ctx == 0)
        {
            throw new ContainerException($"linux.seccomp.defaultAction: libseccomp refused {profile.DefaultAction}.");
        }
        try
        {
            // The library loads the filter itself, with no_new_privs set or not as the spec says.
            _ = Seccomp.seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
            var architectures = profile.Architectures ?? [];
            for (int i = 0; i < architectures.Count; i++)
            {
                string name = architectures[i].StartsWith("SCMP_ARCH_", StringComparison.Ordinal) ? architectures[i][10..].ToLowerInvariant() : architectures[i];
                uint arch = Seccomp.seccomp_arch_resolve_name(name);
                if (arch == 0)
                {
                    throw new ArgumentException($"linux.seccomp.architectures[{i}]: unknown architecture \"{architectures[i]}\"");
                }
                int rc = Seccomp.seccomp_arch_add(ctx, arch);
                if (rc < 0 && rc != -17 /* EEXIST: the native one is there already */)
                {
                    throw new SyscallException("seccomp_arch_add", -rc, $"linux.seccomp.architectures[{i}]");
                }
            }
            var syscalls = profile.Syscalls ?? [];
            for (int i = 0; i < syscalls.Count; i++)
            {
                AddRule(ctx, syscalls[i], $"linux.seccomp.syscalls[{i}]", defaultAction);
            }
            // libseccomp 2.5 (Debian 12) exports to an fd only: a memfd, read back.
            using SafeFd memfd = Sys.MemfdCreate("lc-seccomp");
            int exported = Seccomp.seccomp_export_bpf(ctx, memfd.Fd);
            if (exported < 0)
            {
                throw new SyscallException("seccomp_export_bpf", -exported, "linux.seccomp");
            }
            return (Sys.ReadAll(memfd), Flags(profile));
        }
        finally
        {
            Seccomp.seccomp_release(ctx);
        }
    }

    private static void AddRule(nint ctx, LinuxSyscall rule, string field, uint defaultAction)
    {
        uint action = Action(rule.Action, rule.ErrnoRet, $"{field}.action");
        if (action == defaultAction)
        {
            return; // libseccomp refuses a rule that does what the default does
        }
        var args = rule.Args ?? [];
        var conditions = new Seccomp.ArgCmp[args.Count];
        for (int a = 0; a < args.Count; a++)
        {
            conditions[a] = new Seccomp.ArgCmp
            {
                Arg = args[a].Index,
                Op = Operator(args[a].Op, $"{field}.args[{a}].op"),
                DatumA = args[a].Value,
                DatumB = args[a].ValueTwo ?? 0,
            };
        }
        // Conditions on the same argument cannot be ANDed by libseccomp: as runc, one rule each.
        bool repeatedIndex = args.Select(a => a.Index).Distinct().Count() != args.Count;
        for (int n = 0; n < rule.Names.Count; n++)
        {
            int number = Seccomp.seccomp_syscall_resolve_name(rule.Names[n]);
            if (number < 0)
            {
                continue; // not a syscall of this kernel or architecture: skipped, as runc does
            }
            if (repeatedIndex)
            {
                for (int a = 0; a < conditions.Length; a++)
                {
                    Add(ctx, action, number, conditions.AsSpan(a, 1), $"{field}.names[{n}]");
                }
            }
            else
            {
                Add(ctx, action, number, conditions, $"{field}.names[{n}]");
            }
        }
    }

    private static void Add(nint ctx, uint action, int syscall, ReadOnlySpan<Seccomp.ArgCmp> conditions, string field)
    {
        fixed (Seccomp.ArgCmp* args = conditions)
        {
            int rc = Seccomp.seccomp_rule_add_array(ctx, action, syscall, (uint)conditions.Length, args);
            // EEXIST: the same rule is in the filter already (podman's default profile repeats one for socket);
            // runc and crun take such a profile.
            if (rc < 0 && rc != -17)
            {
                throw new SyscallException("seccomp_rule_add", -rc, field);
            }
        }
    }

    /// <summary>The libseccomp action of an OCI action name (SCMP_ACT_*).</summary>
    public static uint Action(string? name, uint? errnoRet, string field) => name switch
    {
        "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => 0x00000000,
        "SCMP_ACT_KILL_PROCESS" => 0x80000000,
        "SCMP_ACT_TRAP" => 0x00030000,
        "SCMP_ACT_ERRNO" => 0x00050000 | ((errnoRet ?? EPERM) & 0xffff),
        "SCMP_ACT_TRACE" => 0x7ff00000 | ((errnoRet ?? EPERM) & 0xffff),
        "SCMP_ACT_LOG" => 0x7ffc0000,
        "SCMP_ACT_ALLOW" => 0x7fff0000,
        "SCMP_ACT_NOTIFY" => 0x7fc00000,
        _ => throw new ArgumentException($"{field}: unknown seccomp action \"{name}\""),
    };

    private static int Operator(string name, string field) => name switch
    {
        "SCMP_CMP_NE" => 1,
        "SCMP_CMP_LT" => 2,
        "SCMP_CMP_LE" => 3,
        "SCMP_CMP_EQ" => 4,
        "SCMP_CMP_GE" => 5,
        "SCMP_CMP_GT" => 6,
        "SCMP_CMP_MASKED_EQ" => 7,
        _ => throw new ArgumentException($"{field}: unknown seccomp operator \"{name}\""),
    };

    private static uint Flags(LinuxSeccomp profile)
    {
        uint flags = 0;
        foreach (string flag in profile.Flags ?? [])
        {
            flags |= flag switch
            {
                "SECCOMP_FILTER_FLAG_TSYNC" => SECCOMP_FILTER_FLAG_TSYNC,
                "SECCOMP_FILTER_FLAG_LOG" => SECCOMP_FILTER_FLAG_LOG,
                "SECCOMP_FILTER_FLAG_SPEC_ALLOW" => SECCOMP_FILTER_FLAG_SPEC_ALLOW,
                _ => 0,
            };
        }
        if (!string.IsNullOrEmpty(profile.ListenerPath) || (profile.Syscalls ?? []).Any(s => s.Action == "SCMP_ACT_NOTIFY") || profile.DefaultAction == "SCMP_ACT_NOTIFY")
        {
            flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        }
        return flags;
    }
}
