using System.Globalization;

namespace LibContainer.Processes;

/// <summary>Finds a container's processes in /proc: by pid namespace when it has its own, else by descent from its init.</summary>
internal static class ProcessTree
{
    public static IReadOnlyList<int> Find(int initPid, bool ownPidNamespace)
    {
        if (ownPidNamespace)
        {
            string? ns = ReadLink($"/proc/{initPid}/ns/pid");
            if (ns is null)
            {
                return [];
            }
            var members = AllPids().Where(pid => pid == initPid || ReadLink($"/proc/{pid}/ns/pid") == ns).ToList();
            members.Sort();
            return members;
        }
        return Descendants(initPid);
    }

    /// <summary>The init and everything below it, by parent pid.</summary>
    public static IReadOnlyList<int> Descendants(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (int pid in AllPids())
        {
            if (ProcStat.TryRead(pid) is { } stat)
            {
                if (!children.TryGetValue(stat.ParentPid, out List<int>? list))
                {
                    children[stat.ParentPid] = list = [];
                }
                list.Add(pid);
            }
        }
        var result = new List<int> { root };
        for (int i = 0; i < result.Count; i++)
        {
            if (children.TryGetValue(result[i], out List<int>? kids))
            {
                result.AddRange(kids);
            }
        }
        result.Sort();
        return result;
    }

    /// <summary>
    /// This process's children that are zombies in the pid namespace <paramref name="pidNamespace"/>
    /// (a /proc/pid/ns/pid link text), from /proc/self/task/*/children: no walk of all of /proc.
    /// </summary>
    public static IEnumerable<ProcStat> ZombieChildrenIn(string pidNamespace)
    {
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string? children = Interop.Sys.TryReadText(Path.Combine(task, "children"));
            foreach (string item in (children ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) &&
                    ProcStat.TryRead(pid) is { HasExited: true } stat && ReadLink($"/proc/{pid}/ns/pid") == pidNamespace)
                {
                    yield return stat;
                }
            }
        }
    }

    private static IEnumerable<int> AllPids()
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                yield return pid;
            }
        }
    }

    internal static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
