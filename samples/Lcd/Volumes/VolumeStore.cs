using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lcd.Api;

namespace Lcd.Volumes;

/// <summary>
/// Docker's "local" volume driver: each volume is a directory under the daemon's data root
/// (volumes/NAME/_data, with volume.json beside it). Names are Docker's ([a-zA-Z0-9][a-zA-Z0-9_.-]+),
/// so a name never leaves the volumes directory. Whether a volume is in use is the container
/// service's knowledge; this store only keeps the directories.
/// </summary>
public sealed partial class VolumeStore
{
    private readonly Lock _lock = new();
    private readonly ILogger _logger;

    public VolumeStore(DaemonOptions options, ILogger<VolumeStore> logger)
    {
        Root = Path.Combine(options.DataRoot, "volumes");
        _logger = logger;
        Directory.CreateDirectory(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute);
    }

    public string Root { get; }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex ValidName();

    public static bool IsValidName(string name) => ValidName().IsMatch(name);

    /// <summary>The directory a container mounts.</summary>
    public string DataPath(string name) => Path.Combine(Root, CheckName(name), "_data");

    /// <summary>
    /// docker volume create (or a -v NAME:/path that names a new one): an existing volume of that name
    /// is returned as it is, as dockerd does; <paramref name="created"/> says whether it is new.
    /// </summary>
    public VolumeRecord Create(string? name, Dictionary<string, string>? labels, Dictionary<string, string>? options, bool anonymous, out bool created)
    {
        name = string.IsNullOrEmpty(name) ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) : name;
        CheckName(name);
        if (options is { Count: > 0 })
        {
            throw ApiException.BadRequest($"volume '{name}': driver options ({string.Join(", ", options.Keys)}) are not supported by lcd's local driver");
        }
        lock (_lock)
        {
            if (Find(name) is VolumeRecord existing)
            {
                created = false;
                return existing;
            }
            string dir = Path.Combine(Root, name);
            var record = new VolumeRecord
            {
                Name = name,
                CreatedAt = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                Labels = labels ?? [],
                Anonymous = anonymous,
            };
            try
            {
                Directory.CreateDirectory(Path.Combine(dir, "_data"));
                string file = Path.Combine(dir, "volume.json");
                File.WriteAllBytes(file + ".tmp", JsonSerializer.SerializeToUtf8Bytes(record, VolumeRecordJsonContext.Default.VolumeRecord));
                File.Move(file + ".tmp", file, overwrite: true);
            }
            catch
            {
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, recursive: true);
                }
                throw;
            }
            Log.VolumeCreated(_logger, name);
            created = true;
            return record;
        }
    }

    public VolumeRecord? Find(string name)
    {
        if (!IsValidName(name))
        {
            return null;
        }
        string file = Path.Combine(Root, name, "volume.json");
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize(File.ReadAllBytes(file), VolumeRecordJsonContext.Default.VolumeRecord) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public VolumeRecord Get(string name) => Find(name) ?? throw ApiException.NotFound($"get {name}: no such volume");

    public IReadOnlyList<VolumeRecord> List() =>
        [.. Directory.EnumerateDirectories(Root).Select(d => Find(Path.GetFileName(d))).OfType<VolumeRecord>().OrderBy(v => v.Name, StringComparer.Ordinal)];

    /// <summary>Deletes the volume and its data (the caller checked that no container uses it).</summary>
    public void Remove(string name)
    {
        lock (_lock)
        {
            string dir = Path.Combine(Root, CheckName(name));
            if (!Directory.Exists(dir))
            {
                throw ApiException.NotFound($"get {name}: no such volume");
            }
            // Rename first: a crash midway leaves no half-removed volume under its name.
            string doomed = Path.Combine(Root, $".removing-{name}-{Guid.NewGuid():N}");
            Directory.Move(dir, doomed);
            Directory.Delete(doomed, recursive: true);
            Log.VolumeRemoved(_logger, name);
        }
    }

    /// <summary>The bytes under the volume's data (docker system df).</summary>
    public long Size(string name)
    {
        string data = DataPath(name);
        return Directory.Exists(data) ? DirectorySize(new DirectoryInfo(data)) : 0;
    }

    internal static long DirectorySize(DirectoryInfo dir)
    {
        long total = 0;
        try
        {
            foreach (FileSystemInfo entry in dir.EnumerateFileSystemInfos())
            {
                if (entry.LinkTarget is not null)
                {
                    continue;
                }
                total += entry is FileInfo file ? file.Length : DirectorySize((DirectoryInfo)entry);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone meanwhile: counted as far as it was there.
        }
        return total;
    }

    public VolumeJson ToJson(VolumeRecord record, VolumeUsageJson? usage = null) => new()
    {
        CreatedAt = record.CreatedAt,
        Labels = record.Labels,
        Mountpoint = DataPath(record.Name),
        Name = record.Name,
        Options = record.Options,
        UsageData = usage,
    };

    private static string CheckName(string name) => IsValidName(name)
        ? name
        : throw ApiException.BadRequest($"create {name}: \"{name}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
}
