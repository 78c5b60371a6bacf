using Tmds.Linux;

namespace LibContainer.Security;

/// <summary>
/// Whether the library runs as root. Without root (rootless): the spec must ask for a user namespace
/// mapping the caller, the parent denies setgroups before writing the gid map, devices are bound
/// instead of made, and no cgroups are made (the hierarchies belong to root).
/// </summary>
internal static class Rootless
{
    public static bool IsRoot { get; } = LibC.geteuid() == 0;
}
