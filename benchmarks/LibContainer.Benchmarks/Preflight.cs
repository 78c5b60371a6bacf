using LibContainer.Samples;

namespace LibContainer.Benchmarks;

/// <summary>What the benchmarks need from the machine, checked before anything runs.</summary>
internal static class Preflight
{
    /// <summary>The file crun reads to decide the host is cgroup v2; run.sh hides it in a private mount namespace.</summary>
    public const string UnifiedControllers = "/sys/fs/cgroup/unified/cgroup.controllers";

    /// <summary>The first missing precondition as a message for a person, or null when all is well.</summary>
    public static string? FindProblem()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return "The benchmarks start real containers and must run as root: sudo benchmarks/run.sh [--smoke]";
        }
        foreach (string runtime in new[] { "runc", "crun" })
        {
            if (OciRuntime.Find(runtime) is null)
            {
                return $"'{runtime}' is not installed (or not on PATH); the benchmarks compare against it: apt-get install -y {runtime}";
            }
        }
        if (!BusyboxRootfs.IsAvailable())
        {
            return $"{BusyboxRootfs.DefaultBusybox} is missing; the bundle's rootfs is made from it: apt-get install -y busybox-static";
        }
        if (File.Exists(UnifiedControllers) && File.ReadAllText(UnifiedControllers).Trim().Length > 0)
        {
            return $"crun refuses this host's hybrid cgroup layout while {UnifiedControllers} lists controllers. " +
                "Run through benchmarks/run.sh, which hides that file in a private mount namespace for every variant (the host is not changed).";
        }
        return null;
    }
}
