using System.Globalization;

namespace LibContainer.IntegrationTests.Infrastructure;

/// <summary>What a failed create must not leave behind: mounts, child processes (zombies included).</summary>
internal sealed record HostSnapshot(IReadOnlyList<string> Mounts, IReadOnlyList<int> Children, IReadOnlyList<string> Cgroups)
{
    public static HostSnapshot Take() => new(
        File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Order().ToList(),
        ChildPids(),
        CgroupDirectories());

    /// <summary>Every cgroup directory on the host, in every hierarchy.</summary>
    public static IReadOnlyList<string> CgroupDirectories() =>
        Directory.EnumerateDirectories("/sys/fs/cgroup", "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

    /// <summary>Our own child processes, zombies included (a zombie means an exit status nobody read).</summary>
    public static IReadOnlyList<int> ChildPids()
    {
        var children = new List<int>();
        int self = Environment.ProcessId;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }
            try
            {
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == self)
                {
                    children.Add(pid);
                }
            }
            catch (IOException)
            {
            }
        }
        return children;
    }
}
