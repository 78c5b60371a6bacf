using Lcd.Api;

namespace Lcd.Containers;

/// <summary>
/// What this host's cgroups can limit that dockerd checks before it takes a container's resources
/// (its sysinfo): swap. docker info reports it; create and update drop a swap limit the kernel
/// cannot apply, with dockerd's warning, instead of failing at start.
/// </summary>
internal static class HostLimits
{
    /// <summary>dockerd's words (daemon/daemon_unix.go, verifyPlatformContainerResources).</summary>
    public const string NoSwapLimitWarning = "Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.";

    private static readonly Lazy<bool> s_swapLimit = new(() => FindSwapLimit("/sys/fs/cgroup"));

    /// <summary>Whether the kernel accounts (and so limits) swap in memory cgroups.</summary>
    public static bool SwapLimit => s_swapLimit.Value;

    /// <summary>
    /// v1 (or hybrid, where memory is a v1 hierarchy): the memory hierarchy's root has
    /// memory.memsw.limit_in_bytes (absent with swapaccount=0). Pure cgroup2: the memory controller is
    /// available, as dockerd assumes there.
    /// </summary>
    internal static bool FindSwapLimit(string cgroupRoot)
    {
        string v1 = Path.Combine(cgroupRoot, "memory");
        if (Directory.Exists(v1))
        {
            return File.Exists(Path.Combine(v1, "memory.memsw.limit_in_bytes"));
        }
        string controllers = Path.Combine(cgroupRoot, "cgroup.controllers");
        return File.Exists(controllers) && File.ReadAllText(controllers).Split(' ', '\n').Contains("memory", StringComparer.Ordinal);
    }

    /// <summary>
    /// dockerd's verifyPlatformContainerResources for swap: a memory limit with a swap limit on a
    /// kernel that cannot limit swap keeps the memory limit, and the swap becomes unlimited (-1).
    /// </summary>
    public static void DropUnsupportedSwap(ContainerResources resources, bool swapLimit, List<string> warnings)
    {
        if (!swapLimit && resources.Memory > 0 && resources.MemorySwap > 0)
        {
            warnings.Add(NoSwapLimitWarning);
            resources.MemorySwap = -1;
        }
    }
}
