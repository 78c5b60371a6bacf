using System.Diagnostics;
using System.Globalization;
using Lcd.Api;
using Lcd.Volumes;
using LibContainer.Spec;

namespace Lcd.Containers;

public sealed partial class ContainerService
{
    /// <summary>
    /// docker create's mounts, resolved once and kept in the record: -v NAME:/path and --mount
    /// type=volume (the volume made when missing, the image's content at that path copied into it
    /// when it is new and empty, as dockerd does), -v /host:/path[:ro] and --mount type=bind, and an
    /// anonymous volume for each -v /path and each of the image's VOLUMEs. tmpfs mounts are made at
    /// each start from HostConfig. On failure the volumes made here are removed again.
    /// </summary>
    private async Task<List<MountPointJson>> ResolveMountsAsync(ContainerRecord record, IReadOnlyList<string> imageVolumes, Func<string> rootfs, CancellationToken cancellationToken)
    {
        HostConfig host = record.HostConfig;
        var mounts = new List<MountPointJson>();
        var created = new List<string>();
        var destinations = new HashSet<string>(StringComparer.Ordinal);
        void Claim(string destination, string what)
        {
            if (!RootPath.IsCleanDestination(destination))
            {
                throw ApiException.BadRequest($"invalid mount config for {what}: mount path \"{destination}\" must be an absolute path other than / without . or .. parts");
            }
            if (!destinations.Add(destination.TrimEnd('/')))
            {
                throw ApiException.BadRequest($"Duplicate mount point: {destination}");
            }
        }
        try
        {
            foreach (string bind in host.Binds ?? [])
            {
                string[] parts = bind.Split(':');
                if (parts.Length is < 2 or > 3 || parts[0].Length == 0)
                {
                    throw ApiException.BadRequest($"invalid volume specification: '{bind}': SOURCE:DESTINATION[:OPTIONS]");
                }
                string source = parts[0], destination = parts[1], mode = parts.Length == 3 ? parts[2] : "";
                string[] flags = mode.Split(',', StringSplitOptions.RemoveEmptyEntries);
                if (flags.Any(f => f is not ("ro" or "rw" or "z" or "Z" or "nocopy" or "private" or "rprivate" or "shared" or "rshared" or "slave" or "rslave")))
                {
                    throw ApiException.BadRequest($"invalid mode: {mode} (in volume specification '{bind}')");
                }
                bool readOnly = flags.Contains("ro");
                Claim(destination, $"volume specification '{bind}'");
                if (source.StartsWith('/'))
                {
                    string path = Path.GetFullPath(source);
                    if (!Directory.Exists(path) && !File.Exists(path))
                    {
                        Directory.CreateDirectory(path); // -v makes a missing host directory, as dockerd does
                    }
                    mounts.Add(new MountPointJson { Type = "bind", Source = path, Destination = destination, Mode = mode, RW = !readOnly, Propagation = "rprivate" });
                }
                else
                {
                    mounts.Add(await VolumeMountAsync(source, destination, readOnly, mode, copy: !flags.Contains("nocopy"), rootfs, created, cancellationToken).ConfigureAwait(false));
                }
            }
            foreach (MountJson mount in host.Mounts ?? [])
            {
                string target = mount.Target ?? "";
                switch (mount.Type)
                {
                    case "bind":
                        Claim(target, "type \"bind\"");
                        if (string.IsNullOrEmpty(mount.Source) || !mount.Source.StartsWith('/'))
                        {
                            throw ApiException.BadRequest($"invalid mount config for type \"bind\": invalid mount path: '{mount.Source}' mount path must be absolute");
                        }
                        string path = Path.GetFullPath(mount.Source);
                        if (!Directory.Exists(path) && !File.Exists(path))
                        {
                            throw ApiException.BadRequest($"invalid mount config for type \"bind\": bind source path does not exist: {path}");
                        }
                        mounts.Add(new MountPointJson { Type = "bind", Source = path, Destination = target, RW = !mount.ReadOnly, Propagation = mount.BindOptions?.Propagation ?? "rprivate" });
                        break;
                    case "volume":
                        Claim(target, "type \"volume\"");
                        if (mount.VolumeOptions?.DriverConfig?.Name is { Length: > 0 } driver && driver != "local")
                        {
                            throw ApiException.BadRequest($"invalid mount config for type \"volume\": volume driver '{driver}' is not supported by lcd (only local)");
                        }
                        mounts.Add(await VolumeMountAsync(string.IsNullOrEmpty(mount.Source) ? null : mount.Source, target, mount.ReadOnly, "", copy: mount.VolumeOptions?.NoCopy != true, rootfs, created, cancellationToken, mount.VolumeOptions?.Labels).ConfigureAwait(false));
                        break;
                    case "tmpfs":
                        Claim(target, "type \"tmpfs\"");
                        if (!string.IsNullOrEmpty(mount.Source))
                        {
                            throw ApiException.BadRequest("invalid mount config for type \"tmpfs\": source must not be specified");
                        }
                        break;
                    default:
                        throw ApiException.BadRequest($"invalid mount config: mount type '{mount.Type}' is not supported by lcd (bind, volume, tmpfs)");
                }
            }
            foreach ((string destination, string options) in host.Tmpfs ?? [])
            {
                Claim(destination, "--tmpfs");
                _ = TmpfsOptions(options);
            }
            // Anonymous volumes: -v /path (Config.Volumes), then the image's VOLUMEs not mounted otherwise.
            foreach (string destination in (record.Config.Volumes ?? []).Keys.Concat(imageVolumes))
            {
                if (destinations.Contains(destination.TrimEnd('/')))
                {
                    continue;
                }
                Claim(destination, "an anonymous volume");
                mounts.Add(await VolumeMountAsync(null, destination, readOnly: false, "", copy: true, rootfs, created, cancellationToken).ConfigureAwait(false));
            }
            return mounts;
        }
        catch
        {
            foreach (string name in created)
            {
                Volumes.Remove(name);
            }
            throw;
        }
    }

    private async Task<MountPointJson> VolumeMountAsync(string? name, string destination, bool readOnly, string mode, bool copy, Func<string> rootfs, List<string> created, CancellationToken cancellationToken, Dictionary<string, string>? labels = null)
    {
        VolumeRecord volume = Volumes.Create(name, labels, null, anonymous: name is null, out bool isNew);
        if (isNew)
        {
            created.Add(volume.Name);
        }
        string data = Volumes.DataPath(volume.Name);
        if (copy && !Directory.EnumerateFileSystemEntries(data).Any())
        {
            await CopyImageContentAsync(rootfs(), destination, data, cancellationToken).ConfigureAwait(false);
        }
        return new MountPointJson { Type = "volume", Name = volume.Name, Source = data, Destination = destination, Driver = "local", Mode = mode.Length == 0 ? "z" : mode, RW = !readOnly };
    }

    /// <summary>What the image has at <paramref name="destination"/> (resolved inside the root filesystem), copied with owners and modes into an empty volume.</summary>
    private static async Task CopyImageContentAsync(string rootfs, string destination, string data, CancellationToken cancellationToken)
    {
        string source = RootPath.Resolve(rootfs, destination);
        if (!Directory.Exists(source) || new FileInfo(source).LinkTarget is not null)
        {
            return;
        }
        var psi = new ProcessStartInfo("cp") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in (string[])["-a", "--no-dereference", "--", source + "/.", data])
        {
            psi.ArgumentList.Add(arg);
        }
        using System.Diagnostics.Process cp = System.Diagnostics.Process.Start(psi) ?? throw new IOException("cp could not be started");
        string error = await cp.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await cp.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (cp.ExitCode != 0)
        {
            throw new IOException($"copying the image's content at {destination} into the volume failed: cp exited with {cp.ExitCode}: {error.Trim()}");
        }
        // The volume's root takes the mode and owner of the image's directory, as dockerd's copy does.
        File.SetUnixFileMode(data, File.GetUnixFileMode(source));
    }

    /// <summary>At start: the record's volumes and binds, and the tmpfs mounts of HostConfig, as the spec's mounts.</summary>
    private static void ApplyMounts(ContainerRecord record, RuntimeSpec spec)
    {
        List<Mount> mounts = spec.Mounts ??= [];
        foreach (MountPointJson mount in record.MountPoints ?? [])
        {
            if (!Directory.Exists(mount.Source) && !File.Exists(mount.Source))
            {
                throw ApiException.BadRequest($"error while mounting volume '{mount.Destination}': {mount.Source} does not exist any more");
            }
            mounts.RemoveAll(m => m.Destination == mount.Destination);
            string propagation = mount.Propagation.Length == 0 ? "rprivate" : mount.Propagation;
            mounts.Add(new Mount { Destination = mount.Destination, Type = "bind", Source = mount.Source, Options = ["rbind", mount.RW ? "rw" : "ro", propagation] });
        }
        var tmpfs = new List<(string Destination, List<string> Options)>();
        foreach ((string destination, string options) in record.HostConfig.Tmpfs ?? [])
        {
            tmpfs.Add((destination, TmpfsOptions(options)));
        }
        foreach (MountJson mount in (record.HostConfig.Mounts ?? []).Where(m => m.Type == "tmpfs"))
        {
            var options = new List<string> { "nosuid", "nodev", "noexec" };
            if (mount.TmpfsOptions is { SizeBytes: > 0 } size)
            {
                options.Add($"size={size.SizeBytes}");
            }
            if (mount.TmpfsOptions is { Mode: > 0 } mode)
            {
                options.Add($"mode={Convert.ToString(mode.Mode, 8)}");
            }
            if (mount.ReadOnly)
            {
                options.Add("ro");
            }
            tmpfs.Add((mount.Target!, options));
        }
        foreach ((string destination, List<string> options) in tmpfs)
        {
            mounts.RemoveAll(m => m.Destination == destination);
            mounts.Add(new Mount { Destination = destination, Type = "tmpfs", Source = "tmpfs", Options = options });
        }
    }

    /// <summary>--tmpfs /path:OPTIONS: Docker's defaults (noexec, nosuid, nodev) and the options given (size=64m, mode=1777, exec, ro...).</summary>
    private static List<string> TmpfsOptions(string options)
    {
        var result = new List<string> { "nosuid", "nodev", "noexec" };
        foreach (string option in options.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string key = option.Split('=', 2)[0];
            if (key is not ("size" or "mode" or "uid" or "gid" or "nr_inodes" or "nr_blocks" or "exec" or "noexec" or "suid" or "nosuid" or "dev" or "nodev" or "ro" or "rw"))
            {
                throw ApiException.BadRequest($"invalid tmpfs option \"{option}\"");
            }
            if (key is "exec" or "suid" or "dev")
            {
                result.Remove("no" + key);
            }
            if (key is "size" && !System.Text.RegularExpressions.Regex.IsMatch(option, "^size=[0-9]+[kmgKMG%]?$"))
            {
                throw ApiException.BadRequest($"invalid tmpfs option \"{option}\": size is a number with k, m, g or %");
            }
            if (key is "mode" && !uint.TryParse(option[5..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                throw ApiException.BadRequest($"invalid tmpfs option \"{option}\": mode is octal");
            }
            if (!result.Contains(option))
            {
                result.Add(option);
            }
        }
        return result;
    }

    /// <summary>The containers whose mounts use a volume (running or not: dockerd refuses to remove those too).</summary>
    public IReadOnlyList<string> VolumeUsers(string name) =>
        [.. List().Where(e => e.Record.MountPoints?.Any(m => m.Type == "volume" && m.Name == name) == true).Select(e => e.Record.Id)];

    /// <summary>docker volume rm: 409 while a container uses it (also with force, as dockerd).</summary>
    public void RemoveVolume(string name, bool force)
    {
        if (Volumes.Find(name) is null)
        {
            if (force)
            {
                return;
            }
            throw ApiException.NotFound($"get {name}: no such volume");
        }
        IReadOnlyList<string> users = VolumeUsers(name);
        if (users.Count != 0)
        {
            throw ApiException.Conflict($"remove {name}: volume is in use - [{string.Join(", ", users)}]");
        }
        Volumes.Remove(name);
    }

    /// <summary>docker rm -v (and --rm): the container's anonymous volumes that no other container uses.</summary>
    private void RemoveAnonymousVolumes(ContainerRecord record)
    {
        foreach (MountPointJson mount in record.MountPoints ?? [])
        {
            if (mount.Type == "volume" && mount.Name is string name && Volumes.Find(name) is { Anonymous: true } && VolumeUsers(name).Count == 0)
            {
                Volumes.Remove(name);
            }
        }
    }
}
