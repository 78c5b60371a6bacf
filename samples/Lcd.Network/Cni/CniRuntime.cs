using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lcd.Network.Cni;

/// <summary>
/// Runs CNI 1.0 plugins as libcni does (containernetworking/cni <c>libcni/api.go</c>): ADD runs a config
/// list's plugins in order, each getting the previous one's result as <c>prevResult</c>; the final
/// result is cached per attachment (network, container, interface) so that CHECK and DEL get it; DEL
/// runs the plugins in reverse order with the cached config and result.
/// </summary>
public sealed class CniRuntime
{
    /// <summary>The version of the protocol this runtime speaks.</summary>
    public const string Version = "1.0.0";

    /// <summary>Debian's containernetworking-plugins.</summary>
    public static readonly IReadOnlyList<string> DefaultPluginDirs = ["/usr/lib/cni", "/opt/cni/bin"];

    private readonly string _cacheDir;
    private readonly string? _hostLockPath;
    private readonly ILogger _logger;

    /// <param name="hostLockPath">
    /// When set, every plugin runs holding a shared flock on this host-wide file, so that a removal of the
    /// plugins' idle global chains (which takes it exclusively) never falls between a plugin's iptables calls.
    /// </param>
    public CniRuntime(IReadOnlyList<string> pluginDirs, string cacheDir, TimeSpan? pluginTimeout = null, ILogger? logger = null, string? hostLockPath = null)
    {
        PluginDirs = pluginDirs;
        _cacheDir = cacheDir;
        _hostLockPath = hostLockPath;
        PluginTimeout = pluginTimeout ?? TimeSpan.FromSeconds(30);
        _logger = logger ?? NullLogger.Instance;
    }

    public IReadOnlyList<string> PluginDirs { get; }

    public TimeSpan PluginTimeout { get; }

    /// <summary>
    /// ADD: every plugin in order; the last one's result is cached and returned. When a plugin fails,
    /// the plugins are run again with DEL (as containerd tears down a failed setup), so nothing is
    /// left, and the plugin's error is thrown.
    /// </summary>
    public async Task<CniResult> AddAsync(NetworkConfigList list, CniRuntimeConf conf, CancellationToken cancellationToken = default)
    {
        Validate(list.Name, conf);
        JsonObject? previous = null;
        try
        {
            foreach (JsonObject plugin in list.Plugins)
            {
                JsonNode? output = await ExecAsync(list, plugin, "ADD", conf, previous, cancellationToken).ConfigureAwait(false);
                previous = output as JsonObject ?? throw new CniException($"CNI plugin '{Type(plugin)}' ADD on network '{list.Name}' printed no result");
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.CniAddFailed(list.Name, conf.ContainerId, conf.IfName, e.Message);
            await DeleteQuietlyAsync(list, conf, previous).ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException)
        {
            await DeleteQuietlyAsync(list, conf, previous).ConfigureAwait(false);
            throw;
        }
        var entry = new CniCacheEntry
        {
            ContainerId = conf.ContainerId,
            IfName = conf.IfName,
            NetworkName = list.Name,
            NetNs = conf.NetNs,
            Config = list.ToJson(),
            CapabilityArgs = conf.CapabilityArgs?.DeepClone().AsObject(),
            CniArgs = conf.Args.Count == 0 ? null : [.. conf.Args.Select(a => new List<string> { a.Key, a.Value })],
            Result = previous,
        };
        WriteCache(entry);
        return previous.Deserialize(CniJsonContext.Default.CniResult)!;
    }

    /// <summary>
    /// DEL: the plugins in reverse order, with the config list and result ADD cached (the given list
    /// when nothing is cached, as after a failed ADD). The cache entry goes when every plugin succeeded.
    /// </summary>
    public async Task DeleteAsync(NetworkConfigList? list, CniRuntimeConf conf, CancellationToken cancellationToken = default)
    {
        CniCacheEntry? cached = list is null ? null : ReadCache(list.Name, conf.ContainerId, conf.IfName);
        await DeleteAsync(cached, list, conf, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>DEL of a cached attachment (its config list and result come from the cache).</summary>
    public async Task DeleteCachedAsync(string network, string containerId, string ifName, string netns, CancellationToken cancellationToken = default)
    {
        CniCacheEntry cached = ReadCache(network, containerId, ifName)
            ?? throw new CniException($"no cached CNI result for network '{network}', container '{containerId}', interface '{ifName}'");
        var conf = new CniRuntimeConf { ContainerId = containerId, IfName = ifName, NetNs = netns, CapabilityArgs = cached.CapabilityArgs, Args = Args(cached) };
        await DeleteAsync(cached, null, conf, cancellationToken).ConfigureAwait(false);
    }

    private async Task DeleteAsync(CniCacheEntry? cached, NetworkConfigList? list, CniRuntimeConf conf, CancellationToken cancellationToken)
    {
        NetworkConfigList effective = cached is not null ? NetworkConfigList.Parse(cached.Config) : list ?? throw new ArgumentNullException(nameof(list));
        Validate(effective.Name, conf);
        if (cached?.CapabilityArgs is not null && conf.CapabilityArgs is null)
        {
            conf = conf with { CapabilityArgs = cached.CapabilityArgs };
        }
        foreach (JsonObject plugin in effective.Plugins.Reverse())
        {
            await ExecAsync(effective, plugin, "DEL", conf, cached?.Result, cancellationToken).ConfigureAwait(false);
        }
        File.Delete(CachePath(effective.Name, conf.ContainerId, conf.IfName));
    }

    /// <summary>CHECK: every plugin in order with the cached result; a plugin that finds the attachment broken throws.</summary>
    public async Task CheckAsync(string network, CniRuntimeConf conf, CancellationToken cancellationToken = default)
    {
        CniCacheEntry cached = ReadCache(network, conf.ContainerId, conf.IfName)
            ?? throw new CniException($"no cached CNI result for network '{network}', container '{conf.ContainerId}', interface '{conf.IfName}': CHECK needs what ADD returned");
        NetworkConfigList list = NetworkConfigList.Parse(cached.Config);
        conf = conf with { CapabilityArgs = conf.CapabilityArgs ?? cached.CapabilityArgs };
        foreach (JsonObject plugin in list.Plugins)
        {
            await ExecAsync(list, plugin, "CHECK", conf, cached.Result, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>VERSION: the CNI versions a plugin supports.</summary>
    public async Task<IReadOnlyList<string>> VersionAsync(string pluginType, CancellationToken cancellationToken = default)
    {
        string path = FindPlugin(pluginType);
        byte[] stdin = Encoding.UTF8.GetBytes($$"""{"cniVersion":"{{Version}}"}""");
        ChildProcess.Output output = await ChildProcess.RunAsync(path, [], [new("CNI_COMMAND", "VERSION"), new("CNI_PATH", string.Join(':', PluginDirs))], stdin, PluginTimeout, cancellationToken).ConfigureAwait(false);
        ThrowIfFailed(pluginType, "VERSION", "", output);
        CniVersionResult result = Parse(output.Stdout, CniJsonContext.Default.CniVersionResult, pluginType, "VERSION");
        return result.SupportedVersions;
    }

    /// <summary>The result ADD returned for an attachment, or null.</summary>
    public CniResult? GetCachedResult(string network, string containerId, string ifName) =>
        ReadCache(network, containerId, ifName)?.Result.Deserialize(CniJsonContext.Default.CniResult);

    /// <summary>Every attachment in the cache: (network, container, interface, netns).</summary>
    public IEnumerable<(string Network, string ContainerId, string IfName, string? NetNs)> ListCached()
    {
        string dir = Path.Combine(_cacheDir, "results");
        if (!Directory.Exists(dir))
        {
            yield break;
        }
        foreach (string file in Directory.EnumerateFiles(dir))
        {
            CniCacheEntry? entry = JsonSerializer.Deserialize(File.ReadAllBytes(file), CniJsonContext.Default.CniCacheEntry);
            if (entry is not null)
            {
                yield return (entry.NetworkName, entry.ContainerId, entry.IfName, entry.NetNs);
            }
        }
    }

    /// <summary>Where a plugin's binary is, searched in <see cref="PluginDirs"/> as CNI_PATH is.</summary>
    public string FindPlugin(string type)
    {
        foreach (string dir in PluginDirs)
        {
            string path = Path.Combine(dir, type);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new CniException($"CNI plugin '{type}' not found in {string.Join(':', PluginDirs)}: install containernetworking-plugins (apt-get install -y containernetworking-plugins)");
    }

    private async Task<JsonNode?> ExecAsync(NetworkConfigList list, JsonObject plugin, string command, CniRuntimeConf conf, JsonObject? previous, CancellationToken cancellationToken)
    {
        string type = Type(plugin);
        string path = FindPlugin(type);
        JsonObject config = plugin.DeepClone().AsObject();
        config["cniVersion"] = list.CniVersion;
        config["name"] = list.Name;
        if (previous is not null)
        {
            config["prevResult"] = previous.DeepClone();
        }
        // libcni's injectRuntimeConfig: a capability the plugin declares and the runtime has a value for.
        if (config["capabilities"] is JsonObject capabilities && conf.CapabilityArgs is not null)
        {
            JsonObject runtimeConfig = config["runtimeConfig"] as JsonObject ?? [];
            foreach ((string capability, JsonNode? enabled) in capabilities)
            {
                if (enabled?.GetValueKind() == JsonValueKind.True && conf.CapabilityArgs[capability] is JsonNode value)
                {
                    runtimeConfig[capability] = value.DeepClone();
                }
            }
            config["runtimeConfig"] = runtimeConfig;
        }
        byte[] stdin = Encoding.UTF8.GetBytes(config.ToJsonString());
        KeyValuePair<string, string>[] environment =
        [
            new("CNI_COMMAND", command),
            new("CNI_CONTAINERID", conf.ContainerId),
            new("CNI_NETNS", conf.NetNs),
            new("CNI_IFNAME", conf.IfName),
            new("CNI_ARGS", string.Join(';', conf.Args.Select(a => $"{a.Key}={a.Value}"))),
            new("CNI_PATH", string.Join(':', PluginDirs)),
        ];
        using HostChainsLock? hold = _hostLockPath is null ? null : await HostChainsLock.SharedAsync(_hostLockPath, cancellationToken).ConfigureAwait(false);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        ChildProcess.Output output;
        try
        {
            output = await ChildProcess.RunAsync(path, [], environment, stdin, PluginTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (CniException e)
        {
            throw new CniException($"CNI plugin '{type}' {command} on network '{list.Name}': {e.Message}", e);
        }
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.CniPluginRan(type, command, list.Name, conf.ContainerId, conf.IfName, output.ExitCode, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        ThrowIfFailed(type, command, list.Name, output);
        if (command != "ADD" || output.Stdout.Length == 0)
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(output.Stdout);
        }
        catch (JsonException e)
        {
            throw new CniException($"CNI plugin '{type}' ADD on network '{list.Name}' printed a result that is not JSON: {e.Message}", e);
        }
    }

    private static void ThrowIfFailed(string type, string command, string network, ChildProcess.Output output)
    {
        if (output.ExitCode == 0)
        {
            return;
        }
        CniError? error = null;
        try
        {
            error = output.Stdout.Length == 0 ? null : JsonSerializer.Deserialize(output.Stdout, CniJsonContext.Default.CniError);
        }
        catch (JsonException)
        {
        }
        if (error is not null && (error.Code != 0 || error.Msg.Length != 0))
        {
            throw new CniPluginException(type, command, network, error);
        }
        string said = string.Join(' ', Encoding.UTF8.GetString(output.Stdout).Trim(), output.Stderr.Trim()).Trim();
        throw new CniException($"CNI plugin '{type}' {command} on network '{network}' exited with status {output.ExitCode}{(said.Length == 0 ? "" : $": {said}")}");
    }

    private static T Parse<T>(byte[] json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string plugin, string command)
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new CniException($"CNI plugin '{plugin}' {command} printed null");
        }
        catch (JsonException e)
        {
            throw new CniException($"CNI plugin '{plugin}' {command} printed something that is not CNI JSON: {e.Message}", e);
        }
    }

    private async Task DeleteQuietlyAsync(NetworkConfigList list, CniRuntimeConf conf, JsonObject? previous)
    {
        foreach (JsonObject plugin in list.Plugins.Reverse())
        {
            try
            {
                await ExecAsync(list, plugin, "DEL", conf, previous, CancellationToken.None).ConfigureAwait(false);
            }
            catch (CniException e)
            {
                _logger.CniCleanupFailed(list.Name, conf.ContainerId, conf.IfName, e.Message);
            }
        }
    }

    private static string Type(JsonObject plugin) => plugin["type"]!.GetValue<string>();

    private static IReadOnlyList<KeyValuePair<string, string>> Args(CniCacheEntry entry) =>
        entry.CniArgs is null ? [] : [.. entry.CniArgs.Where(a => a.Count == 2).Select(a => new KeyValuePair<string, string>(a[0], a[1]))];

    /// <summary>The CNI spec's rules for a container id, and an interface name the kernel accepts.</summary>
    internal static void Validate(string network, CniRuntimeConf conf)
    {
        if (!IsSafeName(network))
        {
            throw new ArgumentException($"network name '{network}' is not valid: letters, digits, '_', '.', '-'");
        }
        if (!IsSafeName(conf.ContainerId))
        {
            throw new ArgumentException($"container id '{conf.ContainerId}' is not valid for CNI: letters, digits, '_', '.', '-'");
        }
        if (conf.IfName.Length is 0 or > 15 || conf.IfName is "." or ".." || conf.IfName.Any(c => c is '/' or ':' || char.IsWhiteSpace(c)))
        {
            throw new ArgumentException($"interface name '{conf.IfName}' is not valid: 1-15 characters, no '/', ':' or space");
        }
    }

    internal static bool IsSafeName(string name) =>
        name.Length is > 0 and <= 128 && char.IsAsciiLetterOrDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    private string CachePath(string network, string containerId, string ifName) =>
        Path.Combine(_cacheDir, "results", $"{network}-{containerId}-{ifName}");

    private CniCacheEntry? ReadCache(string network, string containerId, string ifName)
    {
        string path = CachePath(network, containerId, ifName);
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), CniJsonContext.Default.CniCacheEntry) : null;
    }

    private void WriteCache(CniCacheEntry entry)
    {
        string path = CachePath(entry.NetworkName, entry.ContainerId, entry.IfName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(entry, CniJsonContext.Default.CniCacheEntry));
    }
}
