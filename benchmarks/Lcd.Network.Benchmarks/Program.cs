// The network driver's benchmark (issue 19). Two comparisons, interleaved round by round, medians:
// 1. attach + detach of a container to a bridge network through the driver (netns file, loopback,
//    bridge + host-local, portmap, firewall; DEL in reverse), against cni-direct.sh running the same
//    plugins with the same config from a shell: the driver's overhead over the plugins' own time.
// 2. nc of N MB between the same two busybox containers over three network paths, one of each per round,
//    the starting one rotated: the driver's bridge, a plain bridge made with `ip`, a plain veth pair (the
//    same processes, cgroups and rootfs: only the network path differs). Per-round samples and medians.
// Wall time and CPU time: for attach+detach getrusage (this process and its waited children, the plugins
// included); for the transfers also the system-wide busy time from /proc/stat, which holds the kernel's
// softirq work (the packets' path) that getrusage charges to nobody of ours.
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
int throughputRounds = Option("--throughput-rounds", 7);
bool smoke = args.Contains("--smoke");
// The sender (dd | nc) on CPU 0, the receiver (nc | wc) on CPU 1 (cpuset), in every variant, so the
// scheduler's placement of the four processes on two CPUs does not differ from transfer to transfer
// (unpinned, it moved a transfer's time by 30%); --no-pin leaves the placement to the scheduler.
bool pin = !args.Contains("--no-pin") && Environment.ProcessorCount >= 2;
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
// The plain variants' namespaces: files in the benchmark's directory held by a bind mount, made and
// removed by the driver's own NetnsFile (not `ip netns add`, which also makes /run/netns a shared
// bind mount of itself for good, a change to the host nobody undoes).
string netnsDir = Path.Combine(work, "netns");
string ns1 = Path.Combine(netnsDir, "a"), ns2 = Path.Combine(netnsDir, "b"), ns3 = Path.Combine(netnsDir, "c"), ns4 = Path.Combine(netnsDir, "d");
string[] namespaces = [ns1, ns2, ns3, ns4];
string? subnet = null;
var addresses = new HashSet<string>(StringComparer.Ordinal); // every container address the driver gave out
int failures = 0;
var made = new List<IContainer>();
try
{
    await driver.StartAsync(_ => true);
    await driver.CreateNetworkAsync(new NetworkCreateOptions { Name = network });
    subnet = driver.InspectNetwork(network).Subnet;
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
            addresses.UnionWith((await driver.AttachAsync($"a{i}", new AttachOptions { Networks = [network] })).Endpoints.Select(e => e.IpAddress));
            await driver.DetachAsync($"a{i}");
        }));
        direct.Add(await Measure(() => Run("bash", script, confs, $"d{i}", Path.Combine(work, $"netns-d{i}"))));
    }
    Report("attach+detach (ms)", ours, direct, "driver", "cni-direct.sh");

    // 2. throughput: nc between the same two containers over three network paths, one transfer of each per
    // round, the starting variant rotated round by round (variant i%3 first) so none always runs first:
    //   driver bridge: the driver's network (bridge plugin, host-local, firewall plugin chains, isolation,
    //                  masquerade), attached for the round and detached after it;
    //   ip bridge:     two namespaces joined by a bridge made with `ip` in the host's namespace (two veth
    //                  pairs, no address on the bridge, no plugin, no rule): the kernel's bridge as this
    //                  host configures it (br_netfilter, conntrack: see the keeper below), without the
    //                  driver's rules for the two containers;
    //   veth:          two namespaces joined by one veth pair made with `ip`.
    // driver/ip bridge is the driver's own cost, ip bridge/veth the kernel bridge's (with br_netfilter).
    string rootfs = BusyboxRootfs.Create(Path.Combine(work, "rootfs"));
    Directory.CreateDirectory(netnsDir);
    foreach (string ns in namespaces)
    {
        NetnsFile.Create(ns);
    }
    await Run("ip", "link", "add", $"{prefix}x", "netns", ns1, "type", "veth", "peer", "name", $"{prefix}y", "netns", ns2);
    await Run("nsenter", $"--net={ns1}", "ip", "addr", "add", "192.168.253.1/30", "dev", $"{prefix}x");
    await Run("nsenter", $"--net={ns2}", "ip", "addr", "add", "192.168.253.2/30", "dev", $"{prefix}y");
    await Run("ip", "link", "add", $"{prefix}br", "type", "bridge");
    await Run("ip", "link", "add", $"{prefix}p", "type", "veth", "peer", "name", $"{prefix}q", "netns", ns3);
    await Run("ip", "link", "add", $"{prefix}r", "type", "veth", "peer", "name", $"{prefix}s", "netns", ns4);
    await Run("nsenter", $"--net={ns3}", "ip", "addr", "add", "192.168.252.1/30", "dev", $"{prefix}q");
    await Run("nsenter", $"--net={ns4}", "ip", "addr", "add", "192.168.252.2/30", "dev", $"{prefix}s");
    foreach (string port in new[] { $"{prefix}p", $"{prefix}r" })
    {
        await Run("ip", "link", "set", port, "master", $"{prefix}br", "up");
    }
    await Run("ip", "link", "set", $"{prefix}br", "up");
    foreach ((string ns, string dev) in new[] { (ns1, $"{prefix}x"), (ns2, $"{prefix}y"), (ns3, $"{prefix}q"), (ns4, $"{prefix}s") })
    {
        await Run("nsenter", $"--net={ns}", "ip", "link", "set", "lo", "up");
        await Run("nsenter", $"--net={ns}", "ip", "link", "set", dev, "up");
    }
    string send = $"dd if=/dev/zero bs=1048576 count={megabytes} 2>/dev/null | nc {{0}} 5001";
    const string Receive = "sleep 100000 | nc -l -p 5001 | wc -c";

    // A receiving and a sending container; the time from the sender's start to its exit.
    async Task<Sample> Transfer(string id, Action<RuntimeSpec> serverNet, Action<RuntimeSpec> clientNet, string address)
    {
        RuntimeSpec receiveSpec = Spec(rootfs, "sh", "-c", Receive);
        serverNet(receiveSpec);
        Pin(receiveSpec, "1");
        IContainer serving = await factory.CreateAsync($"{id}s", receiveSpec, new ContainerOptions { Stdout = StdioMode.Pipe });
        made.Add(serving);
        await serving.StartAsync();
        await WaitListening(serving.InitProcess.Pid);
        RuntimeSpec sendSpec = Spec(rootfs, "sh", "-c", string.Format(CultureInfo.InvariantCulture, send, address));
        clientNet(sendSpec);
        Pin(sendSpec, "0");
        IContainer sending = await factory.CreateAsync($"{id}c", sendSpec);
        made.Add(sending);
        CpuStat before = CpuStat.Read();
        double ksoftirqd = Ksoftirqd.CpuMilliseconds();
        double containersCpu = await ContainerCpuMilliseconds(serving) + await ContainerCpuMilliseconds(sending);
        long packets = ReceivedPackets(serving.InitProcess.Pid);
        long start = Stopwatch.GetTimestamp();
        await sending.StartAsync();
        ExitStatus status = await sending.InitProcess.WaitForExitAsync();
        double wall = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        containersCpu = await ContainerCpuMilliseconds(serving) + await ContainerCpuMilliseconds(sending) - containersCpu;
        ksoftirqd = Ksoftirqd.CpuMilliseconds() - ksoftirqd;
        packets = ReceivedPackets(serving.InitProcess.Pid) - packets;
        CpuStat after = CpuStat.Read();
        if (status.Code != 0)
        {
            throw new InvalidOperationException($"{id}: the sending container exited {status}");
        }
        string received = (await ReadLineAsync(serving.InitProcess.StandardOutput!)).Trim();
        Check(received == (megabytes * 1048576L).ToString(CultureInfo.InvariantCulture), $"{id}: the receiving container counted {received} bytes");
        foreach (IContainer c in new[] { sending, serving })
        {
            await c.DestroyAsync();
            await c.DisposeAsync();
            made.Remove(c);
        }
        return new Sample(wall, containersCpu + ksoftirqd, after.BusyMs - before.BusyMs, after.SoftirqMs - before.SoftirqMs, packets);
    }
    void Pin(RuntimeSpec spec, string cpus)
    {
        if (pin)
        {
            spec.Linux!.Resources ??= new LinuxResources();
            spec.Linux.Resources.Cpu = new LinuxCpu { Cpus = cpus };
        }
    }
    var variants = new (string Name, Func<int, Task<Sample>> Run)[]
    {
        ("driver bridge", async i =>
        {
            NetworkSandbox server = await driver.AttachAsync($"srv{i}", new AttachOptions { Networks = [network] });
            NetworkSandbox client = await driver.AttachAsync($"cli{i}", new AttachOptions { Networks = [network] });
            addresses.UnionWith(server.Endpoints.Concat(client.Endpoints).Select(e => e.IpAddress));
            Sample sample = await Transfer($"{prefix}d{i}", s => server.ApplyTo(s), s => client.ApplyTo(s), server.Endpoints[0].IpAddress);
            await driver.DetachAsync($"cli{i}");
            await driver.DetachAsync($"srv{i}");
            return sample;
        }),
        ("ip bridge", i => Transfer($"{prefix}i{i}", s => JoinNetns(s, ns3), s => JoinNetns(s, ns4), "192.168.252.1")),
        ("veth", i => Transfer($"{prefix}v{i}", s => JoinNetns(s, ns1), s => JoinNetns(s, ns2), "192.168.253.1")),
    };
    var samples = variants.Select(_ => new List<Sample>()).ToArray();
    // One idle container attachment on the driver's network for the whole phase, as on any host that runs
    // the driver: its masquerade and firewall rules make the kernel track connections (conntrack hooks are
    // registered in a namespace only while a rule needs them), and br_netfilter then sends every bridged
    // packet of every bridge on the host through conntrack. Without it, the plain bridge's packets were
    // never tracked and the driver's bridge paid for conntrack alone.
    NetworkSandbox keeper = await driver.AttachAsync("keeper", new AttachOptions { Networks = [network] });
    addresses.UnionWith(keeper.Endpoints.Select(e => e.IpAddress));
    CpuStat idleStart = CpuStat.Read();
    await Task.Delay(smoke ? 200 : 2000);
    CpuStat idleEnd = CpuStat.Read();
    Console.WriteLine(FormattableString.Invariant($"nc {megabytes} MB, {throughputRounds} rounds{(pin ? ", sender pinned to CPU 0 and receiver to CPU 1" : "")}; before them, with nothing of ours running, the host was {(idleEnd.BusyMs - idleStart.BusyMs) / (idleEnd.TotalMs - idleStart.TotalMs) * 100:0}% busy; load average {LoadAverage()}"));
    Console.WriteLine("cpu = both containers' cgroup CPU time (cpuacct: their processes, with the softirq work run in their context, as this kernel has no IRQ time accounting) + the ksoftirqd threads', over the transfer; busy = system-wide user+nice+system+irq+softirq from /proc/stat over the transfer (every CPU: only ours when the host is otherwise idle); softirq = its softirq part");
    for (int i = 0; i < throughputRounds; i++)
    {
        var line = new List<string>();
        for (int k = 0; k < variants.Length; k++)
        {
            int v = (i + k) % variants.Length;
            Sample sample = await variants[v].Run(i);
            samples[v].Add(sample);
            line.Add(FormattableString.Invariant($"{variants[v].Name} {sample.Wall / 1000:0.00} s (cpu {sample.Cpu / 1000:0.00}, busy {sample.Busy / 1000:0.00}, softirq {sample.Softirq / 1000:0.00}, {sample.Packets / 1000} k packets)"));
        }
        Console.WriteLine($"round {i + 1}: {string.Join(" | ", line)}");
    }
    Console.WriteLine($"nc {megabytes} MB, median of {throughputRounds} (s):");
    for (int v = 0; v < variants.Length; v++)
    {
        List<Sample> s = samples[v];
        Console.WriteLine(FormattableString.Invariant($"  {variants[v].Name,-14} wall {Median(s.Select(x => x.Wall)) / 1000:0.00} (min {s.Min(x => x.Wall) / 1000:0.00}, max {s.Max(x => x.Wall) / 1000:0.00})  cpu {Median(s.Select(x => x.Cpu)) / 1000:0.00}  busy {Median(s.Select(x => x.Busy)) / 1000:0.00}  softirq {Median(s.Select(x => x.Softirq)) / 1000:0.00}  packets {Median(s.Select(x => (double)x.Packets)) / 1000:0}k  {megabytes / Median(s.Select(x => x.Wall)) * 1000:0} MB/s"));
    }
    foreach ((int a, int b) in new[] { (0, 1), (1, 2), (0, 2) })
    {
        // The ratio of the medians, and the median of the ratios within a round (the pairs ran back to back).
        string Ratio(Func<Sample, double> f) => FormattableString.Invariant(
            $"{Median(samples[a].Select(f)) / Median(samples[b].Select(f)):0.000} (per round: median {Median(samples[a].Zip(samples[b], (x, y) => f(x) / f(y))):0.000}, {string.Join(' ', samples[a].Zip(samples[b], (x, y) => (f(x) / f(y)).ToString("0.00", CultureInfo.InvariantCulture)))})");
        Console.WriteLine($"  {variants[a].Name} / {variants[b].Name}: wall {Ratio(x => x.Wall)}; cpu {Ratio(x => x.Cpu)}; busy {Ratio(x => x.Busy)}");
    }
    // busybox nc writes 1 KiB at a time, and TCP either sends each write as its own segment (the ACK came
    // back before the next write) or coalesces them while data is unacknowledged: a transfer moves 1 GiB
    // in ~20 k or ~1 M packets, whichever the timing falls into, and that moves its time by up to 2x in
    // every variant. So besides the medians, per variant the least-squares line time = base + per-packet
    // cost x packets over its transfers, and the variants compared at the same packet counts.
    var fits = new List<(double BaseWall, double PacketWall, double BaseCpu, double PacketCpu)>();
    foreach (List<Sample> s in samples)
    {
        (double a, double b) wallFit = Fit(s.Select(x => ((double)x.Packets, x.Wall)).ToList());
        (double a, double b) cpuFit = Fit(s.Select(x => ((double)x.Packets, x.Cpu)).ToList());
        fits.Add((wallFit.a, wallFit.b, cpuFit.a, cpuFit.b));
    }
    if (fits.All(f => !double.IsNaN(f.PacketWall)))
    {
        for (int v = 0; v < variants.Length; v++)
        {
            Console.WriteLine(FormattableString.Invariant($"  {variants[v].Name,-14} fit: wall {fits[v].BaseWall / 1000:0.00} s + {fits[v].PacketWall * 1000:0.0} us/packet; cpu {fits[v].BaseCpu / 1000:0.00} s + {fits[v].PacketCpu * 1000:0.0} us/packet"));
        }
        foreach (long at in new long[] { 30_000, 1_000_000 })
        {
            double[] wall = [.. fits.Select(f => f.BaseWall + f.PacketWall * at)], cpu = [.. fits.Select(f => f.BaseCpu + f.PacketCpu * at)];
            Console.WriteLine(FormattableString.Invariant($"  at {at / 1000} k packets: driver bridge / ip bridge wall {wall[0] / wall[1]:0.000} cpu {cpu[0] / cpu[1]:0.000}; ip bridge / veth wall {wall[1] / wall[2]:0.000} cpu {cpu[1] / cpu[2]:0.000}; driver bridge / veth wall {wall[0] / wall[2]:0.000} cpu {cpu[0] / cpu[2]:0.000}"));
        }
    }
    await driver.DetachAsync("keeper");
    Console.WriteLine($"load average after: {LoadAverage()}");
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
    // The bridge's ports, each with its peer, then the bridge (a namespace's links are destroyed
    // asynchronously after `ip netns delete`: the leftover check could still see them).
    foreach (string link in new[] { $"{prefix}p", $"{prefix}r", $"{prefix}br" })
    {
        await RunChecked(["ip", "link", "delete", link], ignoreFailure: true);
    }
    foreach (string ns in namespaces.Where(File.Exists))
    {
        NetnsFile.Remove(ns);
    }
    Directory.Delete(work, recursive: true);
}
// Nothing of the run may be left: no mount, no namespace, no link (bridges, veths), no iptables rule naming
// one of our bridges or networks, the network's subnet or an address the driver gave out.
string[] markers = [prefix, .. subnet is null ? Array.Empty<string>() : [subnet], .. addresses.Select(a => $"{a}/32")];
List<string> rulesLeft = [.. (await Output("iptables-save")).Split('\n').Where(l => l.StartsWith("-A ", StringComparison.Ordinal) && markers.Any(m => l.Contains(m, StringComparison.Ordinal)))];
Check(!File.ReadAllText("/proc/self/mountinfo").Contains(work, StringComparison.Ordinal), "a mount under the benchmark's directory is left");
string[] linksLeft = [.. Directory.GetDirectories("/sys/class/net").Select(Path.GetFileName).OfType<string>().Where(d => d.StartsWith(prefix, StringComparison.Ordinal))];
Check(linksLeft.Length == 0, $"links of the benchmark are left: {string.Join(' ', linksLeft)}");
Check(rulesLeft.Count == 0, $"iptables rules of the benchmark are left:{string.Concat(rulesLeft.Select(r => "\n  " + r))}");
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

static async Task<string> Output(params string[] command)
{
    using Process process = Process.Start(new ProcessStartInfo(command[0], command[1..]) { RedirectStandardOutput = true })!;
    string output = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{string.Join(' ', command)}: exit {process.ExitCode}");
}

// The packets the namespace of a process received on its links other than lo (/proc/PID/net/dev: the
// interface, then receive bytes and packets). busybox nc writes 1 KiB at a time: how many of them TCP
// coalesces into one segment (Nagle, while data is unacknowledged) decides the per-packet work.
static long ReceivedPackets(int pid) => File.ReadLines($"/proc/{pid}/net/dev").Skip(2)
    .Select(l => l.Split([':', ' '], StringSplitOptions.RemoveEmptyEntries))
    .Where(f => f.Length > 2 && f[0] != "lo")
    .Sum(f => long.Parse(f[2], CultureInfo.InvariantCulture));

static async Task<double> ContainerCpuMilliseconds(IContainer container) => (await container.GetStatsAsync()).Cpu.TotalUsage / 1e6;

static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

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

// The least-squares line y = a + b x; NaN when the x do not vary (one round, or all in one mode).
static (double A, double B) Fit(List<(double X, double Y)> points)
{
    double mx = points.Average(p => p.X), my = points.Average(p => p.Y);
    double sxx = points.Sum(p => (p.X - mx) * (p.X - mx)), sxy = points.Sum(p => (p.X - mx) * (p.Y - my));
    return sxx < 1 ? (double.NaN, double.NaN) : (my - sxy / sxx * mx, sxy / sxx);
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

/// <summary>One transfer, in ms: wall time; CPU of both containers' cgroups plus the ksoftirqd threads; system-wide busy and softirq CPU time (/proc/stat); the packets the receiver's namespace got.</summary>
internal readonly record struct Sample(double Wall, double Cpu, double Busy, double Softirq, long Packets);

/// <summary>
/// The first line of /proc/stat: the time of all CPUs in USER_HZ ticks (100 per second on every Linux
/// architecture). Busy is user+nice+system+irq+softirq; idle, iowait and steal (the hypervisor's) are not.
/// Guest time is already counted in user.
/// </summary>
internal readonly record struct CpuStat(double BusyMs, double SoftirqMs, double TotalMs)
{
    public static CpuStat Read()
    {
        string line = File.ReadLines("/proc/stat").First();
        long[] t = [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture))];
        (long user, long nice, long system, long idle, long iowait, long irq, long softirq, long steal) = (t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]);
        return new CpuStat((user + nice + system + irq + softirq) * 10.0, softirq * 10.0, (user + nice + system + idle + iowait + irq + softirq + steal) * 10.0);
    }
}

/// <summary>The CPU time of the ksoftirqd threads (softirq work the kernel deferred out of the tasks that raised it), in ms.</summary>
internal static class Ksoftirqd
{
    public static double CpuMilliseconds()
    {
        double ms = 0;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (!int.TryParse(Path.GetFileName(dir), out _) || !File.ReadAllText(Path.Combine(dir, "comm")).StartsWith("ksoftirqd/", StringComparison.Ordinal))
                {
                    continue;
                }
                // utime and stime are the 14th and 15th fields, after the comm in parentheses.
                string stat = File.ReadAllText(Path.Combine(dir, "stat"));
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ms += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
            }
            catch (IOException)
            {
                // a process that exited meanwhile
            }
        }
        return ms;
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
