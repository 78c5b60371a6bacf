using LibContainer.Samples;
using LibContainer.Spec;

namespace LibContainer.Benchmarks;

/// <summary>
/// One busybox OCI bundle (rootfs + config.json running /bin/true, or other arguments) in a temp
/// directory, with a state root for each runtime beside it. <see cref="Dispose"/> removes all of it.
/// </summary>
internal sealed class BenchmarkBundle : IDisposable
{
    /// <summary>Every container id starts with this, then our pid: leftovers can be found by name.</summary>
    public const string IdPrefix = "lcbench-";

    private long _next;

    private BenchmarkBundle(string workDir)
    {
        WorkDir = workDir;
        BundleDir = Path.Combine(workDir, "bundle");
        ConfigPath = Path.Combine(BundleDir, "config.json");
        LibContainerStateRoot = Path.Combine(workDir, "state-libcontainer");
        RuncRoot = Path.Combine(workDir, "state-runc");
        CrunRoot = Path.Combine(workDir, "state-crun");
    }

    public string WorkDir { get; }

    public string BundleDir { get; }

    public string ConfigPath { get; }

    public string LibContainerStateRoot { get; }

    public string RuncRoot { get; }

    public string CrunRoot { get; }

    /// <summary>What every id of this process starts with (<c>lcbench-&lt;pid&gt;-</c>); compare.sh names runc's and crun's containers with it too.</summary>
    public static string IdStem => $"{IdPrefix}{Environment.ProcessId}-";

    /// <summary>
    /// Builds the bundle: the default spec (as <c>runc spec</c>), read-only root, no terminal, and
    /// <paramref name="args"/> (default <c>/bin/true</c>). ociVersion 1.0.2 (what runc 1.1 writes):
    /// crun 1.8 rejects 1.2.0 ("unknown version specified") and the spec uses nothing newer.
    /// </summary>
    public static BenchmarkBundle Create(params string[] args)
    {
        var bundle = new BenchmarkBundle(Directory.CreateTempSubdirectory("lcbench-").FullName);
        try
        {
            BusyboxRootfs.Create(Path.Combine(bundle.BundleDir, "rootfs"));
            RuntimeSpec spec = RuntimeSpec.CreateDefault();
            spec.OciVersion = "1.0.2";
            spec.Root = new Root { Path = "rootfs", Readonly = true };
            spec.Process!.Terminal = false;
            spec.Process.Args = args.Length > 0 ? [.. args] : ["/bin/true"];
            File.WriteAllText(bundle.ConfigPath, spec.ToJson());
            foreach (string root in new[] { bundle.LibContainerStateRoot, bundle.RuncRoot, bundle.CrunRoot })
            {
                Directory.CreateDirectory(root);
            }
            return bundle;
        }
        catch
        {
            bundle.Dispose();
            throw;
        }
    }

    /// <summary>A container id not used before in this process.</summary>
    public string NextId() => IdStem + Interlocked.Increment(ref _next).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// What the containers made so far left behind: entries in a state root, cgroups named after one of
    /// our ids, mounts under the work directory, and unreaped (zombie) children of this process.
    /// </summary>
    public IReadOnlyList<string> FindLeftovers()
    {
        var found = new List<string>();
        foreach (string root in new[] { LibContainerStateRoot, RuncRoot, CrunRoot })
        {
            if (Directory.Exists(root))
            {
                found.AddRange(Directory.EnumerateFileSystemEntries(root).Select(e => $"state entry {e}"));
            }
        }
        var walk = new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 6, IgnoreInaccessible = true, AttributesToSkip = 0 };
        if (Directory.Exists("/sys/fs/cgroup"))
        {
            found.AddRange(Directory.EnumerateDirectories("/sys/fs/cgroup", IdStem + "*", walk).Select(d => $"cgroup {d}"));
        }
        found.AddRange(File.ReadLines("/proc/self/mountinfo").Where(l => l.Contains(WorkDir, StringComparison.Ordinal)).Select(l => $"mount {l}"));
        found.AddRange(ZombieChildren().Select(pid => $"unreaped child pid {pid}"));
        return found;
    }

    public void Dispose()
    {
        if (Directory.Exists(WorkDir))
        {
            Directory.Delete(WorkDir, recursive: true);
        }
    }

    private static IEnumerable<int> ZombieChildren()
    {
        string me = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
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
            // "pid (comm) S ppid ...": comm may hold spaces, so split after the last ')'.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 1 && fields[0] == "Z" && fields[1] == me)
            {
                yield return pid;
            }
        }
    }
}
