namespace LibContainer.Security;

/// <summary>The capability names this library applies (linux/capability.h, CAP_CHOWN to CAP_CHECKPOINT_RESTORE): what a
/// host checks a request against before it builds a spec, and what a runtime's features document lists.</summary>
public static class LinuxCapabilityNames
{
    /// <summary>Every name, in the kernel's order.</summary>
    public static IReadOnlyList<string> All => Capabilities.Names;

    /// <summary>True for a name such as CAP_NET_RAW (exact, upper case, with its CAP_ prefix).</summary>
    public static bool IsKnown(string name) => Capabilities.Number(name) is not null;
}
