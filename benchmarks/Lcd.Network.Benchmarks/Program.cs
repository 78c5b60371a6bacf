// The network driver's benchmark (issue 19). Two comparisons, interleaved round by round, medians:
// 1. attach + detach of a container to a bridge network through the driver (netns file, loopback,
//    bridge + host-local, portmap, firewall; DEL in reverse), against cni-direct.sh running the same
//    plugins with the same config from a shell: the driver's overhead over the plugins' own time.
// 2. nc of N MB between two busybox containers on the driver's bridge, against the same two containers
//    in two plain network namespaces joined by a veth pair made with `ip` (the same processes, cgroups
//    and rootfs: only the network path differs).
// Wall time and CPU time (getrusage: this process and its waited children, the plugins included).
using System.Diagnostics;
using Process = System.Diagnostics.Process;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using LibContainer;
using LibContainer.Samples;
using LibContainer.Spec;
using Lcd.Network;
using Lcd.Network.Cni;
using Lcd.Network.Sandboxes;

int rounds = Option("--rounds", 20);
int megabytes = Option("--megabytes", 1024);
int throughputRounds = Option("--throughput-rounds", 3);
bool smoke = args.Contains("--smoke");
if (smoke)
{
    (rounds, megabytes, throughputRounds) = (2, 16, 1);
}
string script = args[Array.IndexOf(args, "--script") + 1];
if (Environment.UserName != "root" || !File.Exists("/usr/lib/cni/bridge") || !BusyboxRootfs.IsAvailable())
{
    Console.Error.WriteLine("network benchmark: needs root, /usr/lib/cni (containernetworking-plugins) and /bin/busybox (busybox-static)");
    return 2;
}

string work = Directory.CreateTempSubdirectory("lcd-netbench-").FullName;
string prefix = $"lb{Guid.NewGuid():N}"[..6];
using var driver = new NetworkDriver(new NetworkDriverOptions { RootDirectory = Path.Combine(work, "net"), BridgePrefix = prefix, SubnetPool = "10.214.0.0/16", FallbackNameservers = [] });
var factory = new ContainerFactory(new ContainerFactoryOptions { StateRoot = Path.Combine(work, "state") });
string network = $"{prefix}-bench";
string ns1 = $"{prefix}-a", ns2 = $"{prefix}-b";
bool netnsWasMounted = true;
int failures = 0;
var made = new List<IContainer>();
try
{
    await driver.StartAsync(_ => true);
    await driver.CreateNetworkAsync(new NetworkCreateOptions { Name = network });
    string confs = Path.Combine(work, "confs");
    WriteConfigs(driver.GetConfigList(network, publishesPorts: false), confs); // the chain an attachment without published ports runs

    // 1. attach + detach
    var ours = new List<(double Wall, double Cpu)>();
    var direct = new List<(double Wall, double Cpu)>();
    await driver.AttachAsync("warm", new AttachOptions { Networks = [network] }); // the bridge and the plugins' chains exist from here on
    await driver.DetachAsync("warm");
    for (int i = 0; i < rounds; i++)
    {
        ours.Add(await Measure(async () =>
        {
            await driver.AttachAsync($"a{i}", new AttachOptions { Networks = [network] });
            await driver.DetachAsync($"a{i}");
        }));
        direct.Add(await Measure(() => Run("bash", script, confs, $"d{i}", Path.Combine(work, $"netns-d{i}"))));
    }
    Report("attach+detach (ms)", ours, direct, "driver", "cni-direct.sh");

    // 2. throughput
    string rootfs = BusyboxRootfs.Create(Path.Combine(work, "rootfs"));
    var containers = new List<(double Wall, double Cpu)>();
    var veth = new List<(double Wall, double Cpu)>();
    netnsWasMounted = IsMountPoint("/run/netns");
    await Run("ip", "netns", "add", ns1);
    await Run("ip", "netns", "add", ns2);
    await Run("ip", "link", "add", $"{prefix}x", "netns", ns1, "type", "veth", "peer", "name", $"{prefix}y", "netns", ns2);
    await Run("ip", "-n", ns1, "addr", "add", "192.168.253.1/30", "dev", $"{prefix}x");
    await Run("ip", "-n", ns2, "addr", "add", "192.168.253.2/30", "dev", $"{prefix}y");
    foreach ((string ns, string dev) in new[] { (ns1, $"{prefix}x"), (ns2, $"{prefix}y") })
    {
        await Run("ip", "-n", ns, "link", "set", "lo", "up");
        await Run("ip", "-n", ns, "link", "set", dev, "up");
    }
    string send = $"dd if=/dev/zero bs=1048576 count={megabytes} 2>/dev/null | nc {{0}} 5001";
    const string Receive = "sleep 100000 | nc -l -p 5001 | wc -c";

    // A receiving and a sending container; the time from the sender's start to its exit.
    async Task<(double Wall, double Cpu)> Transfer(string id, Action<RuntimeSpec> serverNet, Action<RuntimeSpec> clientNet, string address)
    {
        RuntimeSpec receiveSpec = Spec(rootfs, "sh", "-c", Receive);
        serverNet(receiveSpec);
        IContainer serving = await factory.CreateAsync($"{id}s", receiveSpec, new ContainerOptions { Stdout = StdioMode.Pipe });
        made.Add(serving);
        await serving.StartAsync();
        await WaitListening(serving.InitProcess.Pid);
        RuntimeSpec sendSpec = Spec(rootfs, "sh", "-c", string.Format(CultureInfo.InvariantCulture, send, address));
        clientNet(sendSpec);
        IContainer sending = await factory.CreateAsync($"{id}c", sendSpec);
        made.Add(sending);
        (double Wall, double Cpu) time = await Measure(async () =>
        {
            await sending.StartAsync();
            ExitStatus status = await sending.InitProcess.WaitForExitAsync();
            if (status.Code != 0)
            {
                throw new InvalidOperationException($"the sending container exited {status}");
            }
        });
        string received = (await ReadLineAsync(serving.InitProcess.StandardOutput!)).Trim();
        Check(received == (megabytes * 1048576L).ToString(CultureInfo.InvariantCulture), $"{id}: the receiving container counted {received} bytes");
        foreach (IContainer c in new[] { sending, serving })
        {
            await c.DestroyAsync();
            await c.DisposeAsync();
            made.Remove(c);
        }
        return time;
    }
    for (int i = 0; i < throughputRounds; i++)
    {
        // Containers on the bridge, then the same containers in two plain namespaces joined by a veth:
        // the same processes, cgroups and rootfs, only the network path differs.
        NetworkSandbox server = await driver.AttachAsync($"srv{i}", new AttachOptions { Networks = [network] });
        NetworkSandbox client = await driver.AttachAsync($"cli{i}", new AttachOptions { Networks = [network] });
        containers.Add(await Transfer($"{prefix}b{i}", s => server.ApplyTo(s), s => client.ApplyTo(s), server.Endpoints[0].IpAddress));
        await driver.DetachAsync($"cli{i}");
        await driver.DetachAsync($"srv{i}");
        veth.Add(await Transfer($"{prefix}v{i}", s => JoinNetns(s, $"/run/netns/{ns1}"), s => JoinNetns(s, $"/run/netns/{ns2}"), "192.168.253.1"));
    }
    Report($"nc {megabytes} MB (ms)", containers, veth, "containers on the bridge", "containers in netns + veth");
    double mbps = megabytes / Median(containers.Select(c => c.Wall)) * 1000;
    Console.WriteLine(FormattableString.Invariant($"throughput: containers {mbps:0} MB/s, veth {megabytes / Median(veth.Select(c => c.Wall)) * 1000:0} MB/s"));
}
finally
{
    foreach (IContainer c in made)
    {
        await c.DestroyAsync();
    }
    foreach (NetworkSandbox sandbox in driver.ListSandboxes())
    {
        await driver.DetachAsync(sandbox.ContainerId);
    }
    await driver.RemoveNetworkAsync(network);
    await driver.RemoveDefaultNetworkAsync();
    await RunChecked(["ip", "netns", "delete", ns1], ignoreFailure: true);
    await RunChecked(["ip", "netns", "delete", ns2], ignoreFailure: true);
    // `ip netns add` makes /run/netns a shared bind mount of itself on first use and never undoes it.
    if (!netnsWasMounted && IsMountPoint("/run/netns") && !Directory.EnumerateFileSystemEntries("/run/netns").Any())
    {
        await RunChecked(["umount", "/run/netns"], ignoreFailure: true);
    }
    Directory.Delete(work, recursive: true);
}
bool clean = !File.ReadAllText("/proc/self/mountinfo").Contains(work, StringComparison.Ordinal)
    && (netnsWasMounted || !IsMountPoint("/run/netns"))
    && !Directory.GetDirectories("/sys/class/net").Any(d => Path.GetFileName(d).StartsWith(prefix, StringComparison.Ordinal));
Check(clean, "a netns mount or a link of the benchmark is left");
Console.WriteLine(failures == 0 ? $"network benchmark: ok (machine: {Machine()}, commit {Commit()})" : "network benchmark: FAILED");
return failures == 0 ? 0 : 1;

void Check(bool ok, string what)
{
    if (!ok)
    {
        Console.Error.WriteLine($"network benchmark: {what}");
        failures++;
    }
}

int Option(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static void WriteConfigs(NetworkConfigList list, string dir)
{
    Directory.CreateDirectory(dir);
    for (int i = 0; i < list.Plugins.Count; i++)
    {
        JsonObject plugin = list.Plugins[i].DeepClone().AsObject();
        plugin["cniVersion"] = list.CniVersion;
        plugin["name"] = list.Name;
        File.WriteAllText(Path.Combine(dir, $"plugin{i}-{plugin["type"]!.GetValue<string>()}.json"), plugin.ToJsonString());
    }
    File.WriteAllText(Path.Combine(dir, "loopback.json"), """{"cniVersion":"1.0.0","name":"lcd-loopback","type":"loopback"}""");
}

static bool IsMountPoint(string path) =>
    File.ReadLines("/proc/self/mountinfo").Any(l => l.Split(' ')[4] == path);

static RuntimeSpec Spec(string rootfs, params string[] args)
{
    RuntimeSpec spec = RuntimeSpec.CreateDefault();
    spec.Root = new Root { Path = rootfs, Readonly = true };
    spec.Process!.Terminal = false;
    spec.Process.Args = [.. args];
    return spec;
}

static void JoinNetns(RuntimeSpec spec, string path)
{
    spec.Linux!.Namespaces!.RemoveAll(n => n.Type == "network");
    spec.Linux.Namespaces.Add(new LinuxNamespace { Type = "network", Path = path });
}

static async Task<(double Wall, double Cpu)> Measure(Func<Task> action)
{
    double cpu = Rusage.CpuMilliseconds();
    long start = Stopwatch.GetTimestamp();
    await action();
    return (Stopwatch.GetElapsedTime(start).TotalMilliseconds, Rusage.CpuMilliseconds() - cpu);
}

static Task Run(params string[] command) => RunChecked(command, ignoreFailure: false);

static async Task RunChecked(string[] command, bool ignoreFailure)
{
    using Process process = Process.Start(new ProcessStartInfo(command[0], command[1..]) { RedirectStandardError = true })!;
    string error = await process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0 && !ignoreFailure)
    {
        throw new InvalidOperationException($"{string.Join(' ', command)}: exit {process.ExitCode}: {error}");
    }
}

static async Task<string> ReadLineAsync(Stream stream) => await new StreamReader(stream).ReadLineAsync() ?? "";

// The namespace's view of TCP sockets shows port 5001 (0x1389) in LISTEN (0A); busybox nc listens on IPv6, dual-stack.
static async Task WaitListening(int pid)
{
    for (int i = 0; i < 1000; i++)
    {
        if (File.ReadLines($"/proc/{pid}/net/tcp").Concat(File.ReadLines($"/proc/{pid}/net/tcp6")).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(f => f.Length > 3 && f[1].EndsWith(":1389", StringComparison.Ordinal) && f[3] == "0A"))
        {
            return;
        }
        await Task.Delay(10);
    }
    throw new TimeoutException("the receiver did not listen on 5001");
}

static void Report(string what, List<(double Wall, double Cpu)> ours, List<(double Wall, double Cpu)> theirs, string oursName, string theirsName)
{
    double wall = Median(ours.Select(o => o.Wall)), cpu = Median(ours.Select(o => o.Cpu));
    double wall2 = Median(theirs.Select(o => o.Wall)), cpu2 = Median(theirs.Select(o => o.Cpu));
    Console.WriteLine(FormattableString.Invariant($"{what}, median of {ours.Count}: {oursName} wall {wall:0.0} cpu {cpu:0.0} | {theirsName} wall {wall2:0.0} cpu {cpu2:0.0} | ratio wall {wall / wall2:0.000} cpu {cpu / cpu2:0.000}"));
}

static double Median(IEnumerable<double> values)
{
    double[] sorted = [.. values.Order()];
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

static string Machine() => File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";

static string Commit()
{
    try
    {
        using Process git = Process.Start(new ProcessStartInfo("git", ["rev-parse", "--short", "HEAD"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string head = git.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        return head;
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return "unknown";
    }
}

/// <summary>CPU time of this process and of its children it has waited for (the plugins, ip, the shell), in ms.</summary>
internal static partial class Rusage
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Timeval
    {
        public long Seconds;
        public long Microseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct RusageStruct
    {
        public Timeval User;
        public Timeval System;
        public fixed long Rest[14];
    }

    public static unsafe double CpuMilliseconds()
    {
        RusageStruct self, children;
        getrusage(0, &self);
        getrusage(-1, &children);
        return Ms(self.User) + Ms(self.System) + Ms(children.User) + Ms(children.System);
    }

    private static double Ms(Timeval t) => t.Seconds * 1000.0 + t.Microseconds / 1000.0;

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int getrusage(int who, void* usage);
}
