using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Lcd.Tests.Infrastructure;

/// <summary>
/// A live lcd with private directories and a private socket under a temp directory: started by a
/// test, stopped (SIGTERM) and removed at its end. $LCD names the binary (CI: the published one),
/// else the build's lcd next to this assembly.
/// </summary>
public sealed class LcdDaemon : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly bool _ownsDir;

    public string Dir { get; }
    public string Socket => Path.Combine(Dir, "lcd.sock");
    public string DataRoot => Path.Combine(Dir, "data");
    public string ExecRoot => Path.Combine(Dir, "exec");
    public string PidFile => Path.Combine(Dir, "lcd.pid");
    public string Host => "unix://" + Socket;

    /// <summary>This daemon's bridges are PREFIX0 (the default network) and PREFIX-ID: unique per directory, so daemons side by side keep apart.</summary>
    public string BridgePrefix => BridgePrefixFor(Dir);

    /// <summary>The default network's subnet (--bip), unique per directory too.</summary>
    public string DefaultSubnet => DefaultSubnetFor(Dir);

    /// <summary>The subnet 10.X.Y.0/24 <paramref name="offset"/> /24s after <see cref="DefaultSubnet"/>: a user network's, unique per test daemon.</summary>
    public string SubnetNear(int offset)
    {
        string[] parts = DefaultSubnet.Split('.');
        return $"10.{parts[1]}.{(int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) + offset) % 256}.0/24";
    }

    private static byte[] DirHash(string dir) => System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(dir));

    private static string BridgePrefixFor(string dir) => "lt" + Convert.ToHexStringLower(DirHash(dir))[..5];

    private static string DefaultSubnetFor(string dir)
    {
        byte[] hash = DirHash(dir);
        return $"10.{128 + (hash[3] % 120)}.{hash[4]}.0/24";
    }
    public int Pid => _process.Id;

    /// <summary>What the daemon printed so far (its log).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string Binary => Environment.GetEnvironmentVariable("LCD") is { Length: > 0 } configured
        ? Path.GetFullPath(configured)
        : Path.Combine(AppContext.BaseDirectory, "lcd");

    private LcdDaemon(string dir, bool ownsDir, Process process)
    {
        Dir = dir;
        _ownsDir = ownsDir;
        _process = process;
    }

    /// <summary>Starts lcd on a fresh temp directory with the offline busybox image in its store (busybox:latest, from Debian's busybox-static).</summary>
    public static async Task<LcdDaemon> StartWithBusyboxAsync()
    {
        Require.Root();
        Require.Busybox();
        string dir = Directory.CreateTempSubdirectory("lcd-test-").FullName;
        using (var images = new Lcd.Graph.ImageStore(new Lcd.Graph.GraphOptions { Root = Path.Combine(dir, "data", "graph") }))
        {
            await Lcd.Graph.BusyboxImage.BuildAsync(images);
        }
        return await StartAsync(dir, owns: true);
    }

    /// <summary>Starts lcd on a fresh temp directory (or <paramref name="dir"/>, kept) and waits until /_ping answers.</summary>
    public static Task<LcdDaemon> StartAsync(string? dir = null, params string[] extraArgs) =>
        StartAsync(dir ?? Directory.CreateTempSubdirectory("lcd-test-").FullName, owns: dir is null, extraArgs);

    /// <summary>A stopped daemon's successor on the same directories; it owns them as the first did (its dispose removes them).</summary>
    public static Task<LcdDaemon> RestartAsync(LcdDaemon stopped, params string[] extraArgs) =>
        StartAsync(stopped.Dir, stopped._ownsDir, extraArgs);

    private static async Task<LcdDaemon> StartAsync(string dir, bool owns, params string[] extraArgs)
    {
        Require.Root();
        var psi = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in (string[])["-H", "unix://" + Path.Combine(dir, "lcd.sock"), "--data-root", Path.Combine(dir, "data"),
                     "--exec-root", Path.Combine(dir, "exec"), "--pidfile", Path.Combine(dir, "lcd.pid"),
                     "--config-file", WriteEmptyConfig(dir), "--log-level", "debug",
                     "--bridge-prefix", BridgePrefixFor(dir), "--bip", DefaultSubnetFor(dir),
                     // A test's daemon takes its containers with it when it stops, also after a failed test.
                     "--live-restore=false", .. extraArgs])
        {
            psi.ArgumentList.Add(arg);
        }
        var process = Process.Start(psi)!;
        var daemon = new LcdDaemon(dir, owns, process);
        process.OutputDataReceived += (_, e) => daemon.Append(e.Data);
        process.ErrorDataReceived += (_, e) => daemon.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = daemon.CreateHttpClient();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                if (owns)
                {
                    Directory.Delete(dir, recursive: true); // nothing of a daemon that never answered stays
                }
                throw new InvalidOperationException($"lcd exited with {process.ExitCode} before it answered: {daemon.Output}");
            }
            try
            {
                using HttpResponseMessage ping = await http.GetAsync("/_ping");
                if (ping.IsSuccessStatusCode)
                {
                    return daemon;
                }
            }
            catch (HttpRequestException)
            {
            }
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                await daemon.DisposeAsync();
                throw new TimeoutException($"lcd did not answer /_ping within 30 s: {daemon.Output}");
            }
            await Task.Delay(50);
        }
    }

    private static string WriteEmptyConfig(string dir)
    {
        string path = Path.Combine(dir, "daemon.json");
        if (!File.Exists(path))
        {
            File.WriteAllText(path, "{}");
        }
        return path;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <summary>An HttpClient that talks to this daemon's socket (base address http://lcd).</summary>
    public HttpClient CreateHttpClient() => CreateHttpClient(Socket);

    public static HttpClient CreateHttpClient(string socket) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancellationToken);
                return new NetworkStream(s, ownsSocket: true);
            }
            catch
            {
                s.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = new Uri("http://lcd") };

    /// <summary>Sends SIGKILL, as a crash would, and waits for the process to end.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>Sends SIGTERM and waits for a clean exit; returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            Interop.Signals.Kill(_process.Id, Interop.Signals.SIGTERM);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
                throw new TimeoutException($"lcd did not stop within 30 s of SIGTERM: {Output}");
            }
        }
        return _process.ExitCode;
    }

    /// <summary>Mount points at or below <paramref name="dir"/> in the host's mount table.</summary>
    public static List<string> MountsUnder(string dir) =>
        File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(m => m == dir || m.StartsWith(dir + "/", StringComparison.Ordinal)).ToList();

    /// <summary>
    /// What the network driver keeps for a daemon's lifetime goes with the test's daemon: its default
    /// bridge (dockerd keeps docker0 too) and, for a directory this daemon owns, whatever a failed test
    /// left (sandboxes, user networks). A directory a later daemon takes over keeps its sandboxes.
    /// </summary>
    private async Task RemoveNetworksAsync()
    {
        string root = Path.Combine(DataRoot, "network");
        if (!Directory.Exists(root))
        {
            return;
        }
        string sandboxes = Path.Combine(root, "sandboxes");
        bool inUse = Directory.Exists(sandboxes) && Directory.EnumerateDirectories(sandboxes).Any();
        if (inUse && !_ownsDir)
        {
            return;
        }
        using var driver = new Lcd.Network.NetworkDriver(new Lcd.Network.NetworkDriverOptions { RootDirectory = root, BridgePrefix = BridgePrefix });
        await driver.ReconcileAsync(_ => false);
        if (_ownsDir)
        {
            foreach (Lcd.Network.Networks.NetworkDefinition network in driver.ListNetworks().Where(n => !n.IsDefault))
            {
                await driver.RemoveNetworkAsync(network.Id);
            }
        }
        if (driver.ListNetworks().Any(n => n.IsDefault))
        {
            await driver.RemoveDefaultNetworkAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _process.Dispose();
            await RemoveNetworksAsync(); // also when the stop failed: the process is gone either way
            if (Environment.GetEnvironmentVariable("LCD_TEST_LOG") is { Length: > 0 } log)
            {
                File.AppendAllText(log, Output); // the daemon's log, kept for a failing run
            }
        }
        if (_ownsDir)
        {
            // Nothing of lcd's may outlive it: a mount left under its directories fails the test (after it is cleaned up).
            List<string> mounts = MountsUnder(Dir);
            foreach (string mount in mounts.OrderByDescending(m => m.Length))
            {
                Interop.Signals.Unmount(mount);
            }
            Directory.Delete(Dir, recursive: true);
            if (mounts.Count > 0)
            {
                throw new InvalidOperationException($"lcd left mounts behind: {string.Join(", ", mounts)}");
            }
        }
    }
}
