using LibContainer.Interop;

namespace LibContainer.Rootfs;

/// <summary>
/// One line of /proc/self/mountinfo: <c>36 25 0:31 / /sys/fs/cgroup/memory rw,nosuid shared:9 - cgroup cgroup rw,memory</c>
/// (proc_pid_mountinfo(5)). The one parser of that file.
/// </summary>
internal readonly record struct MountInfo(string Root, string MountPoint, string FsType, string Source, string SuperOptions)
{
    private static readonly Lazy<string[]> s_host = new(() => Sys.ReadLines("/proc/self/mountinfo"));

    /// <summary>
    /// This process's mountinfo lines, read once per process for the host facts that are themselves read once
    /// (the cgroup layout, the plan's cgroup mounts), so a create reads the file once, not twice.
    /// </summary>
    public static IReadOnlyList<string> HostLines => s_host.Value;

    /// <summary>The well-formed lines; malformed ones are skipped.</summary>
    public static IEnumerable<MountInfo> Parse(IEnumerable<string> lines)
    {
        foreach (string line in lines)
        {
            int dash = line.IndexOf(" - ", StringComparison.Ordinal);
            if (dash < 0)
            {
                continue;
            }
            string[] left = line[..dash].Split(' ');
            string[] right = line[(dash + 3)..].Split(' ');
            if (left.Length < 5 || right.Length < 3)
            {
                continue;
            }
            yield return new MountInfo(left[3], left[4], right[0], right[1], right[2]);
        }
    }
}
