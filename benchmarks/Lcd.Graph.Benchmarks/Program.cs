// The graph driver against the tools people use for the same job, interleaved round by round:
//   unpack: one generated layer (many small files and a few large ones), gzip-compressed as registries serve
//           it: Compression.Decompress + LayerUnpacker (the store's path, in process) vs `tar -xzf` (GNU tar
//           and its gzip child); and the same layer uncompressed, LayerUnpacker vs `tar -xf`
//   load:   a docker-save tarball, ImageArchive.LoadAsync vs `skopeo copy docker-archive: oci:` + `umoci raw unpack`
// Wall time and CPU time (user+system; ours getrusage(SELF), the tools' getrusage(CHILDREN), which
// holds their children too: tar's gzip) per round; medians, ratios. The order of the variants
// alternates every round; before each variant the page cache's dirty pages are written (sync,
// untimed) so no variant pays for the previous one's writeback; nothing is dropped from the cache.
// Usage: image.sh [--rounds 5] [--size-mb 200] [--dir DIR] [--smoke] | image.sh --unpack-only BLOB TARGET
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Lcd.Graph;

// Profiling aid: one unpack of a given blob, nothing else (for strace -c -f, perf): image.sh --unpack-only BLOB TARGET
if (args.Length == 3 && args[0] == "--unpack-only")
{
    var once = Measure(() => UnpackOurs(args[1], args[2]));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"unpacked {args[1]} into {args[2]}: {once.Wall:F3} s wall, {once.Cpu:F3} s cpu"));
    return 0;
}
int rounds = Arg("--rounds", 5);
int sizeMb = Arg("--size-mb", 200);
bool smoke = args.Contains("--smoke");
if (smoke)
{
    rounds = 2;
    sizeMb = Math.Min(sizeMb, 8);
}
if (Environment.UserName != "root")
{
    Console.Error.WriteLine("image benchmark: run as root (it unpacks owners and device nodes)");
    return 2;
}
foreach (string tool in new[] { "/usr/bin/tar", "/usr/bin/gzip", "/usr/bin/skopeo", "/usr/bin/umoci" })
{
    if (!File.Exists(tool))
    {
        Console.Error.WriteLine($"image benchmark: {tool} is missing (apt-get install -y tar gzip skopeo umoci)");
        return 2;
    }
}
int dirIndex = Array.IndexOf(args, "--dir");
string parent = dirIndex >= 0 && dirIndex + 1 < args.Length ? args[dirIndex + 1] : Path.GetTempPath();

Console.WriteLine(Machine());
string work = Directory.CreateDirectory(Path.Combine(parent, $"lcd-graph-bench-{Guid.NewGuid():N}")).FullName;
try
{
    // The tree: 80% small files (1-9 KiB, 500 per directory), 20% large ones (8 MiB, or one smaller
    // at smoke size); content from a 16-symbol alphabet (seeded), so gzip halves it as it does binaries.
    string tree = Path.Combine(work, "tree");
    long smallBytes = ((long)sizeMb << 20) * 8 / 10, largeBytes = ((long)sizeMb << 20) - smallBytes;
    var random = new Random(42);
    int files = 0;
    long total = 0;
    byte[] Content(int size)
    {
        byte[] data = new byte[size];
        random.NextBytes(data);
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)('a' + (data[i] & 15));
        }
        return data;
    }
    while (total < smallBytes)
    {
        string dir = Path.Combine(tree, $"d{files / 500:D4}");
        Directory.CreateDirectory(dir);
        byte[] data = Content(random.Next(1024, 9 * 1024));
        File.WriteAllBytes(Path.Combine(dir, $"f{files:D6}"), data);
        total += data.Length;
        files++;
    }
    Directory.CreateDirectory(Path.Combine(tree, "large"));
    int large = 0;
    for (long left = largeBytes; left > 0; left -= 8 << 20)
    {
        byte[] data = Content((int)Math.Min(left, 8 << 20));
        File.WriteAllBytes(Path.Combine(tree, "large", $"blob{large++:D2}"), data);
        total += data.Length;
    }
    string layer = Path.Combine(work, "layer.tar");
    string layerGz = layer + ".gz";
    await Run("tar", "-cf", layer, "-C", tree, ".");
    await Run("tar", "-czf", layerGz, "-C", tree, ".");
    Directory.Delete(tree, recursive: true);
    Console.WriteLine($"layer: {files} small files and {large} large, {total >> 20} MiB of data; tar {new FileInfo(layer).Length >> 20} MiB, gzip {new FileInfo(layerGz).Length >> 20} MiB");

    // The docker-save tarball of an image with that layer (skopeo writes it, plain layers, as docker save).
    string graph = Path.Combine(work, "graph-src");
    using (var store = new ImageStore(new GraphOptions { Root = graph }))
    {
        string layerTree = Path.Combine(work, "layer-tree");
        using (FileStream input = File.OpenRead(layer))
        {
            LayerUnpacker.Unpack(input, layerTree);
        }
        await ImageBuilder.BuildAsync(store, null, layerTree, new Lcd.Graph.Oci.ContainerConfig { Cmd = ["sh"] }, "bench", [ImageReference.Parse("bench:1")]);
        await using (FileStream saved = File.Create(Path.Combine(work, "ours.tar")))
        {
            await ImageArchive.SaveAsync(store, ["bench:1"], saved);
        }
        Directory.Delete(layerTree, recursive: true);
    }
    Directory.Delete(graph, recursive: true);
    string archive = Path.Combine(work, "docker-save.tar");
    await Run("skopeo", "copy", "--quiet", $"docker-archive:{Path.Combine(work, "ours.tar")}", $"docker-archive:{archive}:bench:1");
    File.Delete(Path.Combine(work, "ours.tar"));

    // Warm-up (JIT, page cache of the inputs), not counted.
    string target = Path.Combine(work, "out");
    UnpackOurs(layerGz, target);
    Directory.Delete(target, recursive: true);

    var variants = new (string Name, string Peer, Func<Task<(double Wall, double Cpu)>> Run)[]
    {
        ("unpack gzip: ours", "unpack gzip: tar -xzf", () => Task.FromResult(Measure(() => UnpackOurs(layerGz, target)))),
        ("unpack gzip: tar -xzf", "", () => MeasureChild(() => Run("tar", "-xzf", layerGz, "-C", Directory.CreateDirectory(target).FullName))),
        ("unpack plain: ours", "unpack plain: tar -xf", () => Task.FromResult(Measure(() => UnpackOurs(layer, target)))),
        ("unpack plain: tar -xf", "", () => MeasureChild(() => Run("tar", "-xf", layer, "-C", Directory.CreateDirectory(target).FullName))),
        ("load: ImageArchive.LoadAsync", "load: skopeo copy + umoci raw unpack", () => Task.FromResult(Measure(() =>
        {
            using var store = new ImageStore(new GraphOptions { Root = target });
            ImageArchive.LoadAsync(store, archive).GetAwaiter().GetResult();
        }))),
        ("load: skopeo copy + umoci raw unpack", "", () => MeasureChild(async () =>
        {
            Directory.CreateDirectory(target);
            await Run("skopeo", "copy", "--quiet", $"docker-archive:{archive}", $"oci:{Path.Combine(target, "oci")}:bench");
            await Run("umoci", "raw", "unpack", "--image", $"{Path.Combine(target, "oci")}:bench", Path.Combine(target, "rootfs"));
        })),
    };
    var results = variants.ToDictionary(v => v.Name, _ => new List<(double Wall, double Cpu)>());
    for (int round = 0; round < rounds; round++)
    {
        // Pairs keep their order inside the round, alternating: ours first in even rounds, the peer first in odd ones.
        for (int pair = 0; pair < variants.Length; pair += 2)
        {
            foreach (int i in round % 2 == 0 ? new[] { pair, pair + 1 } : new[] { pair + 1, pair })
            {
                Sys.sync();
                results[variants[i].Name].Add(await variants[i].Run());
                Directory.Delete(target, recursive: true);
            }
        }
        Console.WriteLine($"round {round + 1}/{rounds}: " + string.Join(", ", results.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} {r.Value[^1].Wall:F2}s/{r.Value[^1].Cpu:F2}s"))));
    }

    Console.WriteLine();
    Console.WriteLine($"{rounds} rounds, medians; load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
    Console.WriteLine();
    Console.WriteLine("| variant | wall s (median) | wall s (min-max) | CPU s (median) | ratio wall | ratio CPU |");
    Console.WriteLine("|---|---|---|---|---|---|");
    foreach ((string name, string peer, _) in variants)
    {
        var samples = results[name];
        string ratio(Func<(double Wall, double Cpu), double> f) => peer.Length == 0 ? "1 (peer)"
            : string.Create(CultureInfo.InvariantCulture, $"**{Median(samples.Select(f)) / Median(results[peer].Select(f)):F2}x**");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {Median(samples.Select(s => s.Wall)):F3} | {samples.Min(s => s.Wall):F2}-{samples.Max(s => s.Wall):F2} | {Median(samples.Select(s => s.Cpu)):F3} | {ratio(s => s.Wall)} | {ratio(s => s.Cpu)} |"));
    }
    if (smoke)
    {
        Console.WriteLine("smoke: image benchmark ok");
    }
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

int Arg(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

// What the store does with a layer blob: magic-number decompression, then the safe unpack (hashing the diff id).
static void UnpackOurs(string blob, string target)
{
    using Stream tar = Compression.Decompress(File.OpenRead(blob));
    LayerUnpacker.Unpack(tar, target);
}

static string Machine()
{
    string cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
    string commit = "unknown";
    try
    {
        var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD") { RedirectStandardOutput = true, RedirectStandardError = true })!;
        commit = git.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
    }
    catch (System.ComponentModel.Win32Exception)
    {
    }
    return $"machine: {cpu}, {Environment.ProcessorCount} CPUs, kernel {Environment.OSVersion.Version}, .NET {Environment.Version}; commit {commit}; load average before: {File.ReadAllText("/proc/loadavg").Trim()}";
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static (double Wall, double Cpu) Measure(Action action)
{
    double cpu0 = Sys.Cpu(Sys.RUSAGE_SELF);
    var watch = Stopwatch.StartNew();
    action();
    return (watch.Elapsed.TotalSeconds, Sys.Cpu(Sys.RUSAGE_SELF) - cpu0);
}

static async Task<(double Wall, double Cpu)> MeasureChild(Func<Task> action)
{
    double cpu0 = Sys.Cpu(Sys.RUSAGE_CHILDREN);
    var watch = Stopwatch.StartNew();
    await action();
    return (watch.Elapsed.TotalSeconds, Sys.Cpu(Sys.RUSAGE_CHILDREN) - cpu0);
}

static async Task Run(string file, params string[] arguments)
{
    var start = new ProcessStartInfo(file) { RedirectStandardError = true };
    foreach (string a in arguments)
    {
        start.ArgumentList.Add(a);
    }
    using Process process = Process.Start(start)!;
    string stderr = await process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {stderr}");
    }
}

/// <summary>getrusage(2): CPU seconds (user + system) of this process or of its waited-for children; sync(2).</summary>
internal static unsafe partial class Sys
{
    public const int RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1;

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int getrusage(int who, long* usage);

    [LibraryImport("libc")]
    public static partial void sync();

    public static double Cpu(int who)
    {
        long* usage = stackalloc long[18];
        _ = getrusage(who, usage);
        return usage[0] + (usage[1] / 1e6) + usage[2] + (usage[3] / 1e6);
    }
}
