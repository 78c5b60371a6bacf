using System.Diagnostics.CodeAnalysis;

namespace LibContainer.Spec;

/// <summary>
/// The namespace types of <see cref="LinuxNamespace.Type"/>; each value is the namespace's
/// <c>CLONE_NEW*</c> flag, so values can be OR-ed into <c>clone(2)</c>/<c>unshare(2)</c> flags.
/// </summary>
internal enum LinuxNamespaceType
{
    /// <summary><c>mount</c>, CLONE_NEWNS.</summary>
    Mount = 0x00020000,

    /// <summary><c>cgroup</c>, CLONE_NEWCGROUP.</summary>
    Cgroup = 0x02000000,

    /// <summary><c>uts</c>, CLONE_NEWUTS.</summary>
    Uts = 0x04000000,

    /// <summary><c>ipc</c>, CLONE_NEWIPC.</summary>
    Ipc = 0x08000000,

    /// <summary><c>user</c>, CLONE_NEWUSER.</summary>
    User = 0x10000000,

    /// <summary><c>pid</c>, CLONE_NEWPID.</summary>
    Pid = 0x20000000,

    /// <summary><c>network</c>, CLONE_NEWNET.</summary>
    Network = 0x40000000,

    /// <summary><c>time</c>, CLONE_NEWTIME.</summary>
    Time = 0x00000080,
}

/// <summary>Maps <see cref="LinuxNamespaceType"/> to the spec's names and to <c>/proc/[pid]/ns/*</c> file names.</summary>
internal static class LinuxNamespaceTypes
{
    /// <summary>The spec's names, in the order the spec lists them.</summary>
    internal static readonly IReadOnlyList<string> SpecNames = ["pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"];

    /// <summary>Parses a spec name (<c>pid</c>, <c>network</c>, ...); names are case-sensitive, as in the spec.</summary>
    internal static bool TryParse([NotNullWhen(true)] string? name, out LinuxNamespaceType type)
    {
        switch (name)
        {
            case "pid": type = LinuxNamespaceType.Pid; return true;
            case "network": type = LinuxNamespaceType.Network; return true;
            case "mount": type = LinuxNamespaceType.Mount; return true;
            case "ipc": type = LinuxNamespaceType.Ipc; return true;
            case "uts": type = LinuxNamespaceType.Uts; return true;
            case "user": type = LinuxNamespaceType.User; return true;
            case "cgroup": type = LinuxNamespaceType.Cgroup; return true;
            case "time": type = LinuxNamespaceType.Time; return true;
            default: type = default; return false;
        }
    }

    /// <summary>The spec's name: <c>pid</c>, <c>network</c>, <c>mount</c>, ...</summary>
    internal static string ToSpecName(this LinuxNamespaceType type) => type switch
    {
        LinuxNamespaceType.Pid => "pid",
        LinuxNamespaceType.Network => "network",
        LinuxNamespaceType.Mount => "mount",
        LinuxNamespaceType.Ipc => "ipc",
        LinuxNamespaceType.Uts => "uts",
        LinuxNamespaceType.User => "user",
        LinuxNamespaceType.Cgroup => "cgroup",
        LinuxNamespaceType.Time => "time",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The file name under <c>/proc/[pid]/ns/</c>: <c>pid</c>, <c>net</c>, <c>mnt</c>, ...</summary>
    internal static string ToProcName(this LinuxNamespaceType type) => type switch
    {
        LinuxNamespaceType.Pid => "pid",
        LinuxNamespaceType.Network => "net",
        LinuxNamespaceType.Mount => "mnt",
        LinuxNamespaceType.Ipc => "ipc",
        LinuxNamespaceType.Uts => "uts",
        LinuxNamespaceType.User => "user",
        LinuxNamespaceType.Cgroup => "cgroup",
        LinuxNamespaceType.Time => "time",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
