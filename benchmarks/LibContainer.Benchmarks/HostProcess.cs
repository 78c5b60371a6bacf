using System.Globalization;

namespace LibContainer.Benchmarks;

/// <summary>What the benchmark process itself looks like from /proc: its memory, its threads, its children.</summary>
internal static class HostProcess
{
    /// <summary>
    /// A moment's memory of this process: the managed heap after a full collection (and what the GC
    /// keeps committed), the resident set (anonymous and file-backed pages), and the thread count.
    /// </summary>
    internal readonly record struct MemorySnapshot(long ManagedBytes, long GcCommittedBytes, long RssBytes, long RssAnonBytes, long RssFileBytes, int Threads)
    {
        public static MemorySnapshot Take()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long managed = GC.GetTotalMemory(forceFullCollection: true);
            return new MemorySnapshot(managed, GC.GetGCMemoryInfo().TotalCommittedBytes,
                StatusKb("VmRSS") * 1024, StatusKb("RssAnon") * 1024, StatusKb("RssFile") * 1024, (int)StatusKb("Threads"));
        }
    }

    /// <summary>The children of this process (their parent pid is ours), with their names.</summary>
    public static IReadOnlyList<(int Pid, string Name)> Children()
    {
        var children = new List<(int, string)>();
        int me = Environment.ProcessId;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
            {
                continue;
            }
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue; // gone meanwhile
            }
            // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
            int open = stat.IndexOf('(', StringComparison.Ordinal);
            int close = stat.LastIndexOf(')');
            string[] fields = stat[(close + 2)..].Split(' ');
            if (fields.Length > 1 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int parent) && parent == me)
            {
                children.Add((pid, stat[(open + 1)..close]));
            }
        }
        return children;
    }

    /// <summary>A "Name: value [kB]" line of /proc/self/status, as a number.</summary>
    private static long StatusKb(string name)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(name + ":", StringComparison.Ordinal))
            {
                string value = line[(name.Length + 1)..].Trim();
                int space = value.IndexOf(' ', StringComparison.Ordinal);
                return long.Parse(space < 0 ? value : value[..space], CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"/proc/self/status has no {name}");
    }
}
