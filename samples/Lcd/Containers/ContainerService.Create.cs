using System.Globalization;
using Lcd.Api;
using Lcd.Graph;
using LibContainer.Spec;
using ImageConfig = Lcd.Graph.Oci.ImageConfig;

namespace Lcd.Containers;

public sealed partial class ContainerService
{
    /// <summary>Docker's default capabilities (moby oci/caps/defaults.go): more than runc spec's three.</summary>
    internal static readonly string[] DefaultCapabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    /// <summary>
    /// docker create: the record and the root filesystem; the library's container is made at start, as
    /// dockerd makes it. <paramref name="warnings"/> gets what dockerd would warn of (the create response's Warnings).
    /// </summary>
    public async Task<ContainerEntry> CreateAsync(string? name, ContainerCreateRequest request, CancellationToken cancellationToken, List<string>? warnings = null)
    {
        if (string.IsNullOrEmpty(request.Image))
        {
            throw ApiException.BadRequest("Config cannot be empty in order to create a container");
        }
        if (!string.IsNullOrEmpty(name) && !ValidName().IsMatch(name))
        {
            throw ApiException.BadRequest($"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        HostConfig host = request.HostConfig ?? new HostConfig();
        if (host.Memory > 0 && host.MemorySwap == 0)
        {
            host.MemorySwap = host.Memory * 2; // dockerd's adaptContainerSettings: swap as much as the limit again
        }
        HostLimits.DropUnsupportedSwap(host, HostLimits.SwapLimit, warnings ?? []);
        ValidateSettings(request, host); // as dockerd: the settings before the image
        ImageRecord image = Images.Find(request.Image) ?? throw ApiException.NotFound($"No such image: {request.Image}");
        ValidateRestartPolicy(host);
        if (host.Init == true)
        {
            // Chosen: dockerd's --init bind-mounts its docker-init (tini) as pid 1; lcd ships no such binary.
            throw ApiException.BadRequest("--init: lcd has no docker-init (tini) to run as the container's pid 1; run without --init, or use an image with an init as its entrypoint");
        }
        // As dockerd merges them: no driver named is the daemon's; with the daemon's driver, its options fill what the container leaves unset.
        LogConfig log = host.LogConfig ??= new LogConfig();
        log.Type = string.IsNullOrEmpty(log.Type) ? _logDriver : log.Type;
        log.Config ??= new Dictionary<string, string>(StringComparer.Ordinal);
        if (log.Type == _logDriver)
        {
            foreach ((string key, string value) in _logOpts)
            {
                log.Config.TryAdd(key, value);
            }
        }
        try
        {
            _ = LogOptions.Parse(log.Type, log.Config);
        }
        catch (ArgumentException ex)
        {
            throw ApiException.BadRequest(ex.Message);
        }
        string id = NewId();
        string fullName = string.IsNullOrEmpty(name) ? GenerateName() : name.StartsWith('/') ? name : "/" + name;
        string dir = Path.Combine(_root, id);
        var record = new ContainerRecord
        {
            Id = id,
            Name = fullName,
            Created = Now(),
            Image = image.Id,
            Config = request,
            HostConfig = host,
            State = new ContainerStateJson { Status = "created" },
            Path = "",
            Args = [],
            LogPath = Path.Combine(dir, id + "-json.log"),
        };
        var entry = new ContainerEntry(record, dir);
        lock (_lock)
        {
            ContainerEntry? holder = _byId.Values.FirstOrDefault(e => e.Record.Name == fullName);
            if (holder is not null)
            {
                throw ApiException.Conflict($"Conflict. The container name \"{fullName}\" is already in use by container \"{holder.Record.Id}\". You have to remove (or rename) that container to be able to reuse that name.");
            }
            _byId[id] = entry; // holds the name while the rest is made
        }
        try
        {
            System.IO.Directory.CreateDirectory(dir);
            string rootfs = Rootfs.Create(id, image);
            ImageRunSpec run = BuildSpec(record, Images.GetConfig(image), rootfs);
            record.Args.AddRange(run.Spec.Process!.Args!.Skip(1));
            record = record with { Path = run.Spec.Process.Args![0] };
            record.Networks = ResolveNetworks(request, host);
            RootfsUse? mounted = null; // mounted only when the image's content is copied into a new volume
            try
            {
                record.MountPoints = await ResolveMountsAsync(record, run.Volumes, () => (mounted ??= Rootfs.Use(id)).Path, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                mounted?.Dispose();
            }
            entry = new ContainerEntry(record, dir);
            lock (_lock)
            {
                _byId[id] = entry;
            }
            await SaveAsync(entry, cancellationToken).ConfigureAwait(false);
            Log.ContainerCreated(_logger, id, fullName, request.Image);
            Publish(entry, "create");
            return entry;
        }
        catch (Exception ex)
        {
            lock (_lock)
            {
                _byId.Remove(id);
            }
            try
            {
                Rootfs.Remove(id);
            }
            catch (GraphException)
            {
            }
            if (System.IO.Directory.Exists(dir))
            {
                System.IO.Directory.Delete(dir, recursive: true);
            }
            throw ex is GraphException ? ApiException.BadRequest(ex.Message) : ex;
        }
    }

    /// <summary>The runtime spec of a container: the image's config, the request's overrides, Docker's defaults and HostConfig's limits.</summary>
    internal static ImageRunSpec BuildSpec(ContainerRecord record, ImageConfig image, string rootfs)
    {
        ContainerConfig config = record.Config;
        HostConfig host = record.HostConfig;
        ImageRunSpec run = ImageSpec.Create(image, rootfs, new RunOptions
        {
            Entrypoint = config.Entrypoint,
            Cmd = config.Cmd,
            Env = config.Env,
            WorkingDir = config.WorkingDir,
            User = config.User,
            Tty = config.Tty,
            Hostname = string.IsNullOrEmpty(config.Hostname) ? record.Id[..12] : config.Hostname,
        });
        RuntimeSpec spec = run.Spec;
        spec.Root!.Readonly = host.ReadonlyRootfs;
        if (!string.IsNullOrEmpty(config.Domainname))
        {
            spec.Domainname = config.Domainname;
        }

        var caps = new List<string>(DefaultCapabilities);
        foreach (string add in host.CapAdd ?? [])
        {
            if (add.Equals("ALL", StringComparison.OrdinalIgnoreCase))
            {
                throw new GraphException("--cap-add ALL is not supported by lcd yet: name the capabilities");
            }
            string cap = CapName(add);
            if (!caps.Contains(cap))
            {
                caps.Add(cap);
            }
        }
        foreach (string drop in host.CapDrop ?? [])
        {
            if (drop.Equals("ALL", StringComparison.OrdinalIgnoreCase))
            {
                caps.Clear();
                continue;
            }
            caps.Remove(CapName(drop));
        }
        spec.Process!.Capabilities = new LinuxCapabilities { Bounding = [.. caps], Effective = [.. caps], Permitted = [.. caps] };

        spec.Linux ??= new Linux();
        var resources = spec.Linux.Resources ?? new LinuxResources();
        AddResources(resources, host);
        spec.Linux.Resources = resources;
        spec.Annotations ??= [];
        spec.Annotations["org.lcd.container.name"] = record.Name.TrimStart('/');
        return run;
    }

    /// <summary>
    /// HostConfig's limits as the spec's linux.resources (the one mapping: create's spec and docker
    /// update's live change both come from here). A zero is "not set"; a PidsLimit of 0 or less is unlimited.
    /// </summary>
    internal static void AddResources(LinuxResources resources, ContainerResources host)
    {
        if (host.Memory != 0 || host.MemorySwap != 0 || host.MemoryReservation != 0)
        {
            resources.Memory ??= new LinuxMemory();
            resources.Memory.Limit = host.Memory != 0 ? host.Memory : resources.Memory.Limit;
            resources.Memory.Swap = host.MemorySwap != 0 ? host.MemorySwap : resources.Memory.Swap;
            resources.Memory.Reservation = host.MemoryReservation != 0 ? host.MemoryReservation : resources.Memory.Reservation;
        }
        if (host.NanoCpus > 0)
        {
            const ulong Period = 100_000;
            resources.Cpu ??= new LinuxCpu();
            resources.Cpu.Period = Period;
            resources.Cpu.Quota = host.NanoCpus * (long)Period / 1_000_000_000;
        }
        if (host.CpuPeriod > 0)
        {
            resources.Cpu ??= new LinuxCpu();
            resources.Cpu.Period = (ulong)host.CpuPeriod;
        }
        if (host.CpuQuota != 0)
        {
            resources.Cpu ??= new LinuxCpu();
            resources.Cpu.Quota = host.CpuQuota;
        }
        if (host.CpuShares > 0)
        {
            resources.Cpu ??= new LinuxCpu();
            resources.Cpu.Shares = (ulong)host.CpuShares;
        }
        if (!string.IsNullOrEmpty(host.CpusetCpus))
        {
            resources.Cpu ??= new LinuxCpu();
            resources.Cpu.Cpus = host.CpusetCpus;
        }
        if (!string.IsNullOrEmpty(host.CpusetMems))
        {
            resources.Cpu ??= new LinuxCpu();
            resources.Cpu.Mems = host.CpusetMems;
        }
        if (host.PidsLimit is long pids)
        {
            resources.Pids = new LinuxPids { Limit = pids > 0 ? pids : -1 };
        }
    }

    /// <summary>
    /// What dockerd's verifyContainerSettings refuses at create, in its words, before anything is made: a
    /// malformed exposed port, a memory limit under 6 MB, CPUs out of range, an unknown capability. A
    /// stored record never holds what a later list or start would choke on.
    /// </summary>
    private static void ValidateSettings(ContainerCreateRequest request, HostConfig host)
    {
        foreach (string exposed in (request.ExposedPorts ?? []).Keys)
        {
            _ = Networking.ParsePortKey(exposed);
        }
        ValidateResources(host, update: false);
        foreach ((string field, List<string>? names) in new[] { ("CapAdd", host.CapAdd), ("CapDrop", host.CapDrop) })
        {
            foreach (string name in names ?? [])
            {
                if (!name.Equals("ALL", StringComparison.OrdinalIgnoreCase) && !LibContainer.Security.LinuxCapabilityNames.IsKnown(CapName(name)))
                {
                    throw ApiException.BadRequest($"invalid {field}: unknown capability: \"{name}\"");
                }
            }
        }
    }

    /// <summary>
    /// dockerd's verifyPlatformContainerResources, in its words (400): for create's HostConfig, and for
    /// docker update's body (<paramref name="update"/>: a swap limit may come without a memory limit).
    /// </summary>
    internal static void ValidateResources(ContainerResources host, bool update)
    {
        const long MinMemory = 6 * 1024 * 1024;
        if (host.Memory != 0 && host.Memory < MinMemory)
        {
            throw ApiException.BadRequest("Minimum memory limit allowed is 6MB");
        }
        if (host.Memory > 0 && host.MemorySwap > 0 && host.MemorySwap < host.Memory)
        {
            throw ApiException.BadRequest("Minimum memoryswap limit should be larger than memory limit, see usage");
        }
        if (host.Memory == 0 && host.MemorySwap > 0 && !update)
        {
            throw ApiException.BadRequest("You should always set the Memory limit when using Memoryswap limit, see usage");
        }
        if (host.MemoryReservation != 0 && host.MemoryReservation < MinMemory)
        {
            throw ApiException.BadRequest("Minimum memory reservation allowed is 6MB");
        }
        if (host.Memory > 0 && host.MemoryReservation > 0 && host.Memory < host.MemoryReservation)
        {
            throw ApiException.BadRequest("Minimum memory limit can not be less than memory reservation limit, see usage");
        }
        if (host.NanoCpus > 0 && host.CpuPeriod > 0)
        {
            throw ApiException.BadRequest("Conflicting options: Nano CPUs and CPU Period cannot both be set");
        }
        if (host.NanoCpus > 0 && host.CpuQuota > 0)
        {
            throw ApiException.BadRequest("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
        }
        int cpus = Environment.ProcessorCount;
        if (host.NanoCpus != 0 && (host.NanoCpus < 10_000_000 || host.NanoCpus > cpus * 1_000_000_000L))
        {
            throw ApiException.BadRequest($"Range of CPUs is from 0.01 to {cpus}.00, as there are only {cpus} CPUs available");
        }
        if (host.CpuShares < 0)
        {
            throw ApiException.BadRequest($"invalid CPU shares {host.CpuShares}: must not be negative");
        }
        if (host.CpuPeriod != 0 && (host.CpuPeriod < 1000 || host.CpuPeriod > 1_000_000))
        {
            throw ApiException.BadRequest("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
        }
        if (host.CpuQuota > 0 && host.CpuQuota < 1000)
        {
            throw ApiException.BadRequest("CPU cfs quota can not be less than 1ms (i.e. 1000)");
        }
        if (!string.IsNullOrEmpty(host.CpusetCpus) && !CpuList().IsMatch(host.CpusetCpus))
        {
            throw ApiException.BadRequest($"Invalid value {host.CpusetCpus} for cpuset cpus");
        }
        if (!string.IsNullOrEmpty(host.CpusetMems) && !CpuList().IsMatch(host.CpusetMems))
        {
            throw ApiException.BadRequest($"Invalid value {host.CpusetMems} for cpuset mems");
        }
    }

    /// <summary>A cpuset list as the kernel reads it ("0-3,7").</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$")]
    private static partial System.Text.RegularExpressions.Regex CpuList();

    private static string CapName(string name)
    {
        string upper = name.ToUpperInvariant();
        return upper.StartsWith("CAP_", StringComparison.Ordinal) ? upper : "CAP_" + upper;
    }

    internal static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
