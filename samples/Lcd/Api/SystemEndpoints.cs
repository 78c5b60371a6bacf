using System.Globalization;

using Lcd.Containers;
using Lcd.Daemon;

namespace Lcd.Api;

/// <summary>/_ping, /version and /info: what `docker version`, `docker info` and every client's negotiation ask first.</summary>
internal static class SystemEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapMethods("/_ping", ["GET", "HEAD"], (HttpContext context) =>
        {
            // dockerd's headers: the CLI downgrades to API-Version, and reads the OS type and experimental flag.
            IHeaderDictionary headers = context.Response.Headers;
            headers["Docker-Experimental"] = "false";
            headers["Ostype"] = "linux";
            headers["Cache-Control"] = "no-cache, no-store, must-revalidate";
            headers["Pragma"] = "no-cache";
            return HttpMethods.IsHead(context.Request.Method)
                ? Results.Ok()
                : Results.Text("OK", "text/plain; charset=utf-8");
        });

        app.MapGet("/version", () => new VersionResponse
        {
            Platform = new PlatformName("lcd (LibContainer daemon)"),
            Components =
            [
                new VersionComponent("Engine", DaemonInfo.Version, new Dictionary<string, string>
                {
                    ["ApiVersion"] = ApiVersion.Current,
                    ["MinAPIVersion"] = ApiVersion.Minimum,
                    ["Os"] = "linux",
                    ["Arch"] = DaemonInfo.Arch,
                    ["KernelVersion"] = DaemonInfo.KernelVersion,
                    ["GoVersion"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
                    ["GitCommit"] = "",
                    ["Experimental"] = "false",
                    ["BuildTime"] = "",
                }),
                new VersionComponent("libcontainer", DaemonInfo.LibraryVersion, null),
            ],
            Version = DaemonInfo.Version,
            ApiVersion = ApiVersion.Current,
            MinAPIVersion = ApiVersion.Minimum,
            GitCommit = "",
            GoVersion = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            Os = "linux",
            Arch = DaemonInfo.Arch,
            KernelVersion = DaemonInfo.KernelVersion,
            BuildTime = "",
        });

        app.MapGet("/info", (DaemonOptions options, EngineIdentity identity) => Info(options, identity));
    }

    private static InfoResponse Info(DaemonOptions options, EngineIdentity identity)
    {
        static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);
        bool swap = HostLimits.SwapLimit;
        bool forwarding = File.Exists("/proc/sys/net/ipv4/ip_forward") && File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim() == "1";
        bool v1 = Directory.Exists("/sys/fs/cgroup/memory") || Directory.Exists("/sys/fs/cgroup/cpu");
        var warnings = new List<string>();
        if (!swap)
        {
            warnings.Add("WARNING: No swap limit support");
        }
        if (!forwarding)
        {
            warnings.Add("WARNING: IPv4 forwarding is disabled");
        }
        return new InfoResponse
        {
            ID = identity.Id,
            Driver = "",
            DriverStatus = [],
            MemoryLimit = Exists("/sys/fs/cgroup/memory") || Exists("/sys/fs/cgroup/memory.max"),
            SwapLimit = swap,
            CpuCfsPeriod = Exists("/sys/fs/cgroup/cpu/cpu.cfs_period_us") || Exists("/sys/fs/cgroup/cpu.max"),
            CpuCfsQuota = Exists("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") || Exists("/sys/fs/cgroup/cpu.max"),
            CPUShares = Exists("/sys/fs/cgroup/cpu/cpu.shares") || Exists("/sys/fs/cgroup/cpu.weight"),
            CPUSet = Exists("/sys/fs/cgroup/cpuset") || Exists("/sys/fs/cgroup/cpuset.cpus.effective"),
            PidsLimit = Exists("/sys/fs/cgroup/pids") || Exists("/sys/fs/cgroup/pids.max"),
            IPv4Forwarding = forwarding,
            Debug = options.LogLevel == "debug",
            NFd = Directory.GetFileSystemEntries("/proc/self/fd").Length,
            NGoroutines = System.Diagnostics.Process.GetCurrentProcess().Threads.Count,
            SystemTime = DateTimeOffset.Now.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffK", CultureInfo.InvariantCulture),
            LoggingDriver = "",
            CgroupDriver = "cgroupfs",
            CgroupVersion = v1 ? "1" : "2",
            KernelVersion = DaemonInfo.KernelVersion,
            OperatingSystem = DaemonInfo.OperatingSystem.Pretty,
            OSVersion = DaemonInfo.OperatingSystem.Version,
            OSType = "linux",
            Architecture = DaemonInfo.Machine,
            IndexServerAddress = "https://index.docker.io/v1/",
            NCPU = Environment.ProcessorCount,
            MemTotal = DaemonInfo.MemTotal,
            DockerRootDir = options.DataRoot,
            Name = Environment.MachineName,
            Labels = [],
            ServerVersion = DaemonInfo.Version,
            Runtimes = new Dictionary<string, RuntimeEntry> { ["libcontainer"] = new RuntimeEntry("libcontainer (in process)") },
            DefaultRuntime = "libcontainer",
            Swarm = new SwarmInfo("inactive", "", "", false, ""),
            LiveRestoreEnabled = options.LiveRestore,
            Isolation = "",
            InitBinary = "",
            SecurityOptions = [],
            Warnings = warnings,
        };
    }
}
