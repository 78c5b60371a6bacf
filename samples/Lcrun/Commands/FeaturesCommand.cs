using LibContainer;
using LibContainer.Security;
using LibContainer.Spec;
using Lcrun.Cli;
using Lcrun.Output;
using Lcrun.Io;

namespace Lcrun.Commands;

/// <summary>
/// features: the runtime-spec features document, true to what the library does. Capabilities and
/// seccomp are asked of the library itself (does its plan for a probe spec apply them?), so this
/// stays true as those land.
/// </summary>
internal static class FeaturesCommand
{
    // The options LibContainer's mount option parser knows (src/LibContainer/Rootfs/MountOptions.cs).
    private static readonly string[] s_mountOptions =
    [
        "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion", "lazytime", "loud", "mand",
        "noatime", "nodev", "nodiratime", "noexec", "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime",
        "nosuid", "nosymfollow", "private", "ratime", "rbind", "rdev", "rdiratime", "relatime", "remount", "rexec",
        "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid", "rnosymfollow", "ro",
        "rprivate", "rrelatime", "rro", "rrw", "rshared", "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable",
        "rw", "shared", "silent", "slave", "strictatime", "suid", "symfollow", "sync", "unbindable",
    ];

    public static Command Definition { get; } = new("features", "show the enabled features", "", [], PrintAsync)
    {
        ExactArgs = 0,
    };

    private static Task<int> PrintAsync(CommandContext ctx, ParsedArgs args)
    {
        var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = ctx.Options.Root });
        var features = new Features
        {
            OciVersionMin = "1.0.0",
            OciVersionMax = RuntimeSpec.CurrentOciVersion,
            Hooks = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
            MountOptions = [.. s_mountOptions],
            Linux = new LinuxFeatures
            {
                Namespaces = ["cgroup", "ipc", "mount", "network", "pid", "uts"],
                Capabilities = AppliedCapabilities(factory),
                Cgroup = new CgroupFeatures { V1 = true, V2 = true, Systemd = false, SystemdUser = false },
                Seccomp = SeccompApplied(factory)
                    ? new SeccompFeatures
                    {
                        Enabled = true,
                        Actions = ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"],
                        Operators = ["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"],
                        Archs = ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32"],
                    }
                    : new SeccompFeatures { Enabled = false },
                Apparmor = new EnabledFeature(false),
                Selinux = new EnabledFeature(false),
            },
            Annotations = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["io.github.libcontainer.lcrun.version"] = typeof(FeaturesCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
                ["org.opencontainers.runc.checkpoint.enabled"] = "true", // checkpoint and restore through CRIU
            },
        };
        StdStreams.Out(LcrunJsonContext.Write(features, LcrunJsonContext.Default.Features, indent: 4) + "\n");
        return Task.FromResult(0);
    }

    /// <summary>The capabilities the library's plan applies: none until its plan has a capabilities step.</summary>
    private static List<string> AppliedCapabilities(ContainerFactory factory)
    {
        RuntimeSpec probe = Probe();
        probe.Process!.Capabilities = new LinuxCapabilities { Bounding = [.. LinuxCapabilityNames.All], Effective = [.. LinuxCapabilityNames.All], Permitted = [.. LinuxCapabilityNames.All] };
        string? plan = Explain(factory, probe);
        if (plan is null || !plan.Contains("capabilit", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }
        return [.. LinuxCapabilityNames.All];
    }

    private static bool SeccompApplied(ContainerFactory factory)
    {
        RuntimeSpec probe = Probe();
        probe.Linux!.Seccomp = new LinuxSeccomp { DefaultAction = "SCMP_ACT_ALLOW" };
        string? plan = Explain(factory, probe);
        return plan is not null && plan.Contains("seccomp", StringComparison.OrdinalIgnoreCase);
    }

    private static RuntimeSpec Probe()
    {
        RuntimeSpec spec = RuntimeSpec.CreateDefault();
        spec.Root = new Root { Path = "/" };
        spec.Process!.Terminal = false;
        spec.Process.Capabilities = null;
        spec.Linux!.Resources = null;
        return spec;
    }

    private static string? Explain(ContainerFactory factory, RuntimeSpec spec)
    {
        try
        {
            return factory.Explain(spec).ToString();
        }
        catch (Exception ex) when (ex is ArgumentException or ContainerException or NotSupportedException)
        {
            return null;
        }
    }
}
