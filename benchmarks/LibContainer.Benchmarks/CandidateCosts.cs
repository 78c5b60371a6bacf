using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using LibContainer.Spec;

namespace LibContainer.Benchmarks;

/// <summary>
/// <c>--costs [--iterations N]</c>: what single steps of a lifecycle cost on this host, measured alone,
/// so the candidates in README.md ("Where the time goes") carry a number each: a cgroup directory per
/// hierarchy, one cgroup file write the way the library does it and the plain way, one atomic
/// state-file write, compiling a spec, and pausing through the v1 freezer against cgroup2's.
/// Everything is made in this process's own cgroups under names <c>lcbench-&lt;pid&gt;-cost*</c> and removed.
/// </summary>
internal static class CandidateCosts
{
    public const int DefaultIterations = 100;

    private const int O_WRONLY = 1, O_TRUNC = 0x200, O_CLOEXEC = 0x80000;

    public static async Task<int> RunAsync(int iterations)
    {
        using BenchmarkBundle bundle = BenchmarkBundle.Create("sleep", "3600");
        string name = BenchmarkBundle.IdStem + "cost";
        List<(string MountPoint, string Controllers, string OwnPath)> hierarchies = Hierarchies();
        var made = new List<string>();
        System.Diagnostics.Process? sleeper = null;
        try
        {
            Console.WriteLine($"costs on this host, median of {iterations} (microseconds):");
            Console.WriteLine();
            // A process to move: cgroup.procs writes are part of every create.
            sleeper = System.Diagnostics.Process.Start(new ProcessStartInfo("sleep", "3600") { UseShellExecute = false })!;
            byte[] pid = Encoding.UTF8.GetBytes(sleeper.Id.ToString(CultureInfo.InvariantCulture));
            int idleRounds = Math.Min(iterations, 20);
            Console.WriteLine($"| hierarchy | mkdir | mkdir, 50 ms after the last rmdir (median of {idleRounds}) | cgroup.procs write (move a process in) | rmdir |");
            Console.WriteLine("|---|---:|---:|---:|---:|");
            foreach ((string mount, string controllers, string own) in hierarchies)
            {
                string dir = Path.Join(mount, own, name);
                var mkdirs = new List<double>();
                var idleMkdirs = new List<double>();
                var moves = new List<double>();
                var rmdirs = new List<double>();
                for (int i = 0; i < iterations + idleRounds; i++)
                {
                    bool idle = i >= iterations;
                    if (idle)
                    {
                        // The kernel frees a removed cgroup asynchronously; some controllers flip a
                        // static key when their first child cgroup appears or the last one goes.
                        await Task.Delay(50);
                    }
                    long t0 = Stopwatch.GetTimestamp();
                    Directory.CreateDirectory(dir);
                    long t1 = Stopwatch.GetTimestamp();
                    if (controllers == "cpuset")
                    {
                        InheritCpuset(Path.Join(mount, own), dir);
                    }
                    long t2 = Stopwatch.GetTimestamp();
                    PlainWrite(Path.Combine(dir, "cgroup.procs"), pid);
                    long t3 = Stopwatch.GetTimestamp();
                    PlainWrite(Path.Combine(Path.Join(mount, own), "cgroup.procs"), pid); // back out, so rmdir can succeed
                    long t4 = Stopwatch.GetTimestamp();
                    Directory.Delete(dir);
                    long t5 = Stopwatch.GetTimestamp();
                    (idle ? idleMkdirs : mkdirs).Add(Us(t0, t1));
                    if (!idle)
                    {
                        moves.Add(Us(t2, t3));
                        rmdirs.Add(Us(t4, t5));
                    }
                }
                Console.WriteLine($"| {controllers} ({mount}) | {Median(mkdirs)} | {Median(idleMkdirs)} | {Median(moves)} | {Median(rmdirs)} |");
            }

            // One devices rule, as the library writes it (FileStream: open, fstatfs, flock, ftruncate,
            // lseek, pwrite, flock, close) and with plain open/write/close.
            (string devicesMount, _, string devicesOwn) = hierarchies.First(h => h.Controllers == "devices");
            string devices = Path.Join(devicesMount, devicesOwn, name);
            Directory.CreateDirectory(devices);
            made.Add(devices);
            string allow = Path.Combine(devices, "devices.allow");
            byte[] rule = Encoding.UTF8.GetBytes("c 1:3 rwm");
            var dotnet = new List<double>();
            var plain = new List<double>();
            for (int i = 0; i < iterations; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                using (var handle = File.OpenHandle(allow, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite))
                {
                    RandomAccess.Write(handle, rule, 0);
                }
                long t1 = Stopwatch.GetTimestamp();
                PlainWrite(allow, rule);
                long t2 = Stopwatch.GetTimestamp();
                dotnet.Add(Us(t0, t1));
                plain.Add(Us(t1, t2));
            }
            Console.WriteLine();
            Console.WriteLine($"one cgroup file write (devices.allow): as CgroupFiles.Write does it {Median(dotnet)}, open+write+close {Median(plain)}");

            // An atomic state file: write a temporary file, rename it over the old one (StateDirectory.Write).
            string stateDir = Path.Combine(bundle.LibContainerStateRoot, name);
            Directory.CreateDirectory(stateDir);
            string json = new string('x', 1200);
            var atomic = new List<double>();
            for (int i = 0; i < iterations; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                string temp = Path.Combine(stateDir, ".state.json.tmp");
                File.WriteAllText(temp, json);
                File.Move(temp, Path.Combine(stateDir, "state.json"), overwrite: true);
                atomic.Add(Us(t0, Stopwatch.GetTimestamp()));
            }
            Directory.Delete(stateDir, recursive: true);
            Console.WriteLine($"one atomic state.json write (1.2 KB, temp file + rename, {bundle.LibContainerStateRoot}): {Median(atomic)}");

            // Compile: validate the spec and build the plan (IFactory.Explain does just that).
            var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = bundle.LibContainerStateRoot });
            RuntimeSpec spec = RuntimeSpec.Load(bundle.ConfigPath);
            var options = new ContainerOptions { BundlePath = bundle.BundleDir };
            var compile = new List<double>();
            for (int i = 0; i < iterations; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                _ = factory.Explain(spec, options);
                compile.Add(Us(t0, Stopwatch.GetTimestamp()));
            }
            Console.WriteLine($"compile (validate + plan, IFactory.Explain): {Median(compile)}");

            // Freeze and thaw one sleeping process: the v1 freezer against cgroup2's cgroup.freeze.
            (string freezerMount, _, string freezerOwn) = hierarchies.First(h => h.Controllers == "freezer");
            (string unifiedMount, _, string unifiedOwn) = hierarchies.First(h => h.Controllers == "cgroup2");
            string v1 = Path.Join(freezerMount, freezerOwn, name);
            string v2 = Path.Join(unifiedMount, unifiedOwn, name);
            Directory.CreateDirectory(v1);
            made.Add(v1);
            Directory.CreateDirectory(v2);
            made.Add(v2);
            PlainWrite(Path.Combine(v1, "cgroup.procs"), pid);
            PlainWrite(Path.Combine(v2, "cgroup.procs"), pid);
            int rounds = Math.Min(iterations, 30);
            var v1Times = new List<double>();
            var v2Times = new List<double>();
            for (int i = 0; i < rounds; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                await SetAndWaitAsync(Path.Combine(v1, "freezer.state"), "FROZEN", () => File.ReadAllText(Path.Combine(v1, "freezer.state")).Trim() == "FROZEN");
                await SetAndWaitAsync(Path.Combine(v1, "freezer.state"), "THAWED", () => File.ReadAllText(Path.Combine(v1, "freezer.state")).Trim() == "THAWED");
                long t1 = Stopwatch.GetTimestamp();
                await SetAndWaitAsync(Path.Combine(v2, "cgroup.freeze"), "1", () => File.ReadAllText(Path.Combine(v2, "cgroup.events")).Contains("frozen 1", StringComparison.Ordinal));
                await SetAndWaitAsync(Path.Combine(v2, "cgroup.freeze"), "0", () => File.ReadAllText(Path.Combine(v2, "cgroup.events")).Contains("frozen 0", StringComparison.Ordinal));
                long t2 = Stopwatch.GetTimestamp();
                v1Times.Add(Us(t0, t1));
                v2Times.Add(Us(t1, t2));
            }
            Console.WriteLine($"freeze + thaw one process, until the kernel says so (median of {rounds}): v1 freezer.state {Median(v1Times)}, cgroup2 cgroup.freeze {Median(v2Times)}");
            return 0;
        }
        finally
        {
            if (sleeper is not null)
            {
                sleeper.Kill();
                await sleeper.WaitForExitAsync();
                sleeper.Dispose();
            }
            foreach (string dir in Enumerable.Reverse(made))
            {
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir);
                }
            }
        }
    }

    /// <summary>v1 cpuset takes no process while cpuset.cpus or cpuset.mems is empty: copy the parent's (as the library does).</summary>
    private static void InheritCpuset(string parent, string dir)
    {
        foreach (string file in new[] { "cpuset.cpus", "cpuset.mems" })
        {
            PlainWrite(Path.Combine(dir, file), Encoding.UTF8.GetBytes(File.ReadAllText(Path.Combine(parent, file)).Trim()));
        }
    }

    /// <summary>Writes, then polls (no sleeping: the point is what the kernel takes) until <paramref name="done"/>.</summary>
    private static async Task SetAndWaitAsync(string file, string value, Func<bool> done)
    {
        PlainWrite(file, Encoding.UTF8.GetBytes(value));
        long deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
        while (!done())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new InvalidOperationException($"{file}: the kernel did not reach {value} in 10 s");
            }
            await Task.Yield();
        }
    }

    /// <summary>The cgroup hierarchies mounted here: mount point, controllers ("cgroup2" for the unified one), our own cgroup in it.</summary>
    private static List<(string MountPoint, string Controllers, string OwnPath)> Hierarchies()
    {
        var own = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines("/proc/self/cgroup"))
        {
            string[] parts = line.Split(':', 3);
            own[parts[1].Length == 0 ? "cgroup2" : parts[1]] = parts[2];
        }
        var result = new List<(string, string, string)>();
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            string[] sides = line.Split(" - ");
            string[] left = sides[0].Split(' ');
            string[] right = sides[1].Split(' ');
            if (right[0] is "cgroup" or "cgroup2")
            {
                string controllers = right[0] == "cgroup2" ? "cgroup2"
                    : string.Join(',', right[2].Split(',').Where(o => o is not ("rw" or "ro") && (o.StartsWith("name=", StringComparison.Ordinal) || !o.Contains('=', StringComparison.Ordinal))));
                result.Add((left[4], controllers, own.GetValueOrDefault(controllers, "/")));
            }
        }
        return result;
    }

    private static void PlainWrite(string path, byte[] content)
    {
        int fd = Open(Encoding.UTF8.GetBytes(path + "\0"), O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
        {
            throw new IOException($"open {path}: errno {Marshal.GetLastPInvokeError()}");
        }
        try
        {
            if (Write(fd, content, content.Length) != content.Length)
            {
                throw new IOException($"write {path}: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static double Us(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMicroseconds;

    private static string Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2].ToString("0", CultureInfo.InvariantCulture);
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    private static extern nint Write(int fd, byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
