// The graph driver against the tools people use for the same job, interleaved round by round:
//   unpack: one generated layer of many small files, LayerUnpacker (in process) vs `tar -xf` (GNU tar)
//   load:   a docker-save tarball, ImageArchive.LoadAsync vs `skopeo copy docker-archive: oci:` + `umoci raw unpack`
// Wall time and CPU time (user+system; for the tools, of the child processes) per round; medians and ratios.
// Usage: image.sh [--rounds 5] [--size-mb 200] [--smoke]
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Lcd.Graph;

int rounds = Arg("--rounds", 5);
int sizeMb = Arg("--size-mb", 200);
bool smoke = args.Contains("--smoke");
if (smoke)
{
    rounds = 1;
    sizeMb = Math.Min(sizeMb, 8);
}
if (Environment.UserName != "root")
{
    Console.Error.WriteLine("image benchmark: run as root (it unpacks owners and device nodes)");
    return 2;
}
foreach (string tool in new[] { "/usr/bin/tar", "/usr/bin/skopeo", "/usr/bin/umoci" })
{
    if (!File.Exists(tool))
    {
        Console.Error.WriteLine($"image benchmark: {tool} is missing (apt-get install -y tar skopeo umoci)");
        return 2;
    }
}

string work = Directory.CreateTempSubdirectory("lcd-graph-bench-").FullName;
try
{
    // A tree of many small files (1-9 KiB, 500 per directory), tarred by GNU tar: the layer.
    string tree = Path.Combine(work, "tree");
    long total = 0;
    int files = 0;
    var random = new Random(42);
    byte[] buffer = new byte[9 * 1024];
    while (total < (long)sizeMb << 20)
    {
        string dir = Path.Combine(tree, $"d{files / 500:D4}");
        Directory.CreateDirectory(dir);
        int size = random.Next(1024, buffer.Length);
        random.NextBytes(buffer.AsSpan(0, size));
        File.WriteAllBytes(Path.Combine(dir, $"f{files:D6}"), buffer.AsSpan(0, size).ToArray());
        total += size;
        files++;
    }
    string layer = Path.Combine(work, "layer.tar");
    await Run("tar", "-cf", layer, "-C", tree, ".");
    Directory.Delete(tree, recursive: true);
    Console.WriteLine($"layer: {files} files, {total >> 20} MiB of data, tar {new FileInfo(layer).Length >> 20} MiB");

    // The docker-save tarball of an image with that layer (skopeo writes it, plain layers, as docker save).
    string graph = Path.Combine(work, "graph-src");
    using (var store = new ImageStore(new GraphOptions { Root = graph }))
    {
        string layerTree = Path.Combine(work, "layer-tree");
        LayerUnpacker.Unpack(File.OpenRead(layer), layerTree);
        ImageRecord image = await ImageBuilder.BuildAsync(store, null, layerTree, new Lcd.Graph.Oci.ContainerConfig { Cmd = ["sh"] }, "bench", [ImageReference.Parse("bench:1")]);
        await using (var saved = File.Create(Path.Combine(work, "ours.tar")))
        {
            await ImageArchive.SaveAsync(store, ["bench:1"], saved);
        }
        Directory.Delete(layerTree, recursive: true);
    }
    Directory.Delete(graph, recursive: true);
    string archive = Path.Combine(work, "docker-save.tar");
    await Run("skopeo", "copy", "--quiet", $"docker-archive:{Path.Combine(work, "ours.tar")}", $"docker-archive:{archive}:bench:1");
    File.Delete(Path.Combine(work, "ours.tar"));

    // Warm-up (JIT, page cache), not counted.
    LayerUnpacker.Unpack(File.OpenRead(layer), Path.Combine(work, "warm"));
    Directory.Delete(Path.Combine(work, "warm"), recursive: true);

    var results = new Dictionary<string, List<(double Wall, double Cpu)>>();
    void Add(string name, (double, double) sample) => (results.TryGetValue(name, out var list) ? list : results[name] = []).Add(sample);
    for (int round = 0; round < rounds; round++)
    {
        string target = Path.Combine(work, "out");
        Add("unpack: LayerUnpacker", Measure(() => LayerUnpacker.Unpack(File.OpenRead(layer), target)));
        Directory.Delete(target, recursive: true);
        Directory.CreateDirectory(target);
        Add("unpack: tar -xf", await MeasureChild(() => Run("tar", "-xf", layer, "-C", target)));
        Directory.Delete(target, recursive: true);

        string root = Path.Combine(work, "graph");
        Add("load: ImageArchive.LoadAsync", Measure(() =>
        {
            using var store = new ImageStore(new GraphOptions { Root = root });
            ImageArchive.LoadAsync(store, archive).GetAwaiter().GetResult();
        }));
        Directory.Delete(root, recursive: true);
        string oci = Path.Combine(work, "oci");
        Add("load: skopeo copy + umoci raw unpack", await MeasureChild(async () =>
        {
            await Run("skopeo", "copy", "--quiet", $"docker-archive:{archive}", $"oci:{oci}:bench");
            await Run("umoci", "raw", "unpack", "--image", $"{oci}:bench", Path.Combine(work, "umoci-rootfs"));
        }));
        Directory.Delete(oci, recursive: true);
        Directory.Delete(Path.Combine(work, "umoci-rootfs"), recursive: true);
    }

    Console.WriteLine($"{rounds} rounds, medians (wall s / cpu s):");
    foreach ((string name, var samples) in results)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-40} {Median(samples.Select(s => s.Wall)),7:F3} s wall  {Median(samples.Select(s => s.Cpu)),7:F3} s cpu"));
    }
    double Ratio(string a, string b, Func<(double Wall, double Cpu), double> f) => Median(results[a].Select(f)) / Median(results[b].Select(f));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"ratios: unpack LayerUnpacker/tar {Ratio("unpack: LayerUnpacker", "unpack: tar -xf", s => s.Wall):F2}x wall, {Ratio("unpack: LayerUnpacker", "unpack: tar -xf", s => s.Cpu):F2}x cpu; " +
        $"load ours/(skopeo+umoci) {Ratio("load: ImageArchive.LoadAsync", "load: skopeo copy + umoci raw unpack", s => s.Wall):F2}x wall, {Ratio("load: ImageArchive.LoadAsync", "load: skopeo copy + umoci raw unpack", s => s.Cpu):F2}x cpu"));
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

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static (double Wall, double Cpu) Measure(Action action)
{
    double cpu0 = Usage.Cpu(Usage.RUSAGE_SELF);
    var watch = Stopwatch.StartNew();
    action();
    return (watch.Elapsed.TotalSeconds, Usage.Cpu(Usage.RUSAGE_SELF) - cpu0);
}

static async Task<(double Wall, double Cpu)> MeasureChild(Func<Task> action)
{
    double cpu0 = Usage.Cpu(Usage.RUSAGE_CHILDREN);
    var watch = Stopwatch.StartNew();
    await action();
    return (watch.Elapsed.TotalSeconds, Usage.Cpu(Usage.RUSAGE_CHILDREN) - cpu0);
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

/// <summary>getrusage(2): CPU seconds (user + system) of this process or of its waited-for children.</summary>
internal static unsafe partial class Usage
{
    public const int RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1;

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int getrusage(int who, long* usage);

    public static double Cpu(int who)
    {
        long* usage = stackalloc long[18];
        _ = getrusage(who, usage);
        return usage[0] + (usage[1] / 1e6) + usage[2] + (usage[3] / 1e6);
    }
}
