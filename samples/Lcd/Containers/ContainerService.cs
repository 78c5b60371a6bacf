using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lcd.Api;
using Lcd.Daemon;
using Lcd.Graph;
using LibContainer;

namespace Lcd.Containers;

/// <summary>
/// The daemon core for containers (moby's daemon/: one file per verb): names, records on disk under
/// the data root, output and logs, exit codes. The graph driver gives each its root filesystem and
/// spec; the library (the exec driver) runs it.
/// </summary>
public sealed partial class ContainerService
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ContainerEntry> _byId = new(StringComparer.Ordinal);
    private readonly string _root;
    private readonly string _execRoot;
    private readonly string _logDriver;
    private readonly Dictionary<string, string> _logOpts;
    private readonly ILogger _logger;

    public ContainerService(DaemonOptions options, ImageStore images, RootfsDriver rootfs, IFactory factory, Lcd.Network.NetworkDriver network, Lcd.Volumes.VolumeStore volumes,
        EventBus events, ILogger<ContainerService> logger)
    {
        Network = network;
        Volumes = volumes;
        Events = events;
        Images = images;
        Rootfs = rootfs;
        Factory = factory;
        _logger = logger;
        _root = Path.Combine(options.DataRoot, "containers");
        _execRoot = Path.Combine(options.ExecRoot, "containers");
        _logDriver = options.LogDriver;
        _logOpts = options.LogOpts;
        System.IO.Directory.CreateDirectory(_root);
    }

    public ImageStore Images { get; }
    public RootfsDriver Rootfs { get; }
    public IFactory Factory { get; }
    public Lcd.Network.NetworkDriver Network { get; }
    public Lcd.Volumes.VolumeStore Volumes { get; }

    /// <summary>Where container events go (docker events).</summary>
    public EventBus Events { get; }

    [GeneratedRegex("^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex ValidName();

    /// <summary>Every container, newest first.</summary>
    public IReadOnlyList<ContainerEntry> List()
    {
        lock (_lock)
        {
            return _byId.Values.OrderByDescending(e => e.Record.Created, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>A container by full id, name (with or without its slash) or unique id prefix; 404 otherwise.</summary>
    public ContainerEntry Get(string reference)
    {
        lock (_lock)
        {
            if (_byId.TryGetValue(reference, out ContainerEntry? exact))
            {
                return exact;
            }
            string name = reference.StartsWith('/') ? reference : "/" + reference;
            ContainerEntry? byName = _byId.Values.FirstOrDefault(e => e.Record.Name == name);
            if (byName is not null)
            {
                return byName;
            }
            if (reference.Length > 0 && reference.All(char.IsAsciiHexDigitLower))
            {
                List<ContainerEntry> matches = _byId.Values.Where(e => e.Record.Id.StartsWith(reference, StringComparison.Ordinal)).ToList();
                if (matches.Count == 1)
                {
                    return matches[0];
                }
                if (matches.Count > 1)
                {
                    throw ApiException.BadRequest($"multiple IDs found with provided prefix: {reference}");
                }
            }
        }
        throw ApiException.NotFound($"No such container: {reference}");
    }

    /// <summary>Reads the records a previous run left (live restore: containers still running are picked up again).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        foreach (string dir in System.IO.Directory.EnumerateDirectories(_root))
        {
            string file = Path.Combine(dir, "config.v2.json");
            ContainerRecord? record;
            try
            {
                record = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false), ContainerJsonContext.Default.ContainerRecord);
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
                Log.ContainerRecordUnreadable(_logger, dir, ex);
                continue;
            }
            if (record is null)
            {
                continue;
            }
            var entry = new ContainerEntry(record, dir);
            lock (_lock)
            {
                _byId[record.Id] = entry;
            }
            if (record.State.Running)
            {
                await RestoreRunningAsync(entry, cancellationToken).ConfigureAwait(false);
            }
            if (!entry.IsRunning)
            {
                // A crash between an exit and its unmount, or an older daemon that kept root filesystems mounted.
                Rootfs.UnmountUnused(record.Id);
            }
        }
        await StartByPolicyAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static async Task SaveAsync(ContainerEntry entry, CancellationToken cancellationToken = default)
    {
        string file = Path.Combine(entry.Directory, "config.v2.json");
        string temp = file + ".tmp";
        await File.WriteAllBytesAsync(temp, JsonSerializer.SerializeToUtf8Bytes(entry.Record, ContainerJsonContext.Default.ContainerRecord), cancellationToken).ConfigureAwait(false);
        File.Move(temp, file, overwrite: true);
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static readonly string[] s_left = ["admiring", "brave", "calm", "eager", "focused", "gentle", "happy", "jolly", "keen", "lucid", "nifty", "quirky", "serene", "sharp", "stoic", "vibrant"];
    private static readonly string[] s_right = ["babbage", "curie", "dijkstra", "euler", "feynman", "gauss", "hopper", "knuth", "lovelace", "noether", "pascal", "ritchie", "shannon", "thompson", "turing", "wozniak"];

    private string GenerateName()
    {
        while (true)
        {
            string name = $"/{s_left[RandomNumberGenerator.GetInt32(s_left.Length)]}_{s_right[RandomNumberGenerator.GetInt32(s_right.Length)]}";
            lock (_lock)
            {
                if (!_byId.Values.Any(e => e.Record.Name == name))
                {
                    return name;
                }
            }
            name += RandomNumberGenerator.GetInt32(10);
        }
    }
}
